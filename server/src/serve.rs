//! The accept loop: one HTTP/1.1 connection per task, with the limits a silent or slow client
//! must not be able to get around.
//!
//! - **Per-IP and total connection caps**: a connection over either cap is closed at once, so
//!   idle sockets from one address cannot use up the process's descriptors and starve `/health`.
//! - **Header-read timeout** (hyper's): the whole request head must arrive within it; it also
//!   bounds how long an idle keep-alive connection waits for its next request.
//! - **Idle timeout**: a connection on which no byte moves in either direction for this long is
//!   closed (a stalled body, a client that stops reading the response).
//! - **Body timeout**: the whole request body must arrive within it (see `extract::read_body`,
//!   which reads [`BodyTimeout`] from the request).
//! - A request whose body the handler did not read to the end is answered with
//!   `Connection: close`, so the client does not write the rest into a socket that is closing.

use axum::extract::ConnectInfo;
use axum::Router;
use http_body::Body as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

/// Connection limits and timeouts (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections_per_ip: usize,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections_per_ip: 64,
            max_connections: 1000,
        }
    }
}

impl Limits {
    pub fn check(&self) -> Result<(), String> {
        for (name, d) in [
            ("header read timeout", self.header_read_timeout),
            ("body timeout", self.body_timeout),
            ("idle timeout", self.idle_timeout),
        ] {
            if d.is_zero() || d > Duration::from_secs(3600) {
                return Err(format!(
                    "the {name} must be between 1 ms and 1 hour (got {d:?})"
                ));
            }
        }
        if self.max_connections_per_ip == 0 || self.max_connections == 0 {
            return Err("connection limits must be at least 1".into());
        }
        Ok(())
    }
}

/// The body timeout, handed to the body extractor through the request extensions.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout(pub Duration);

/// Open connections per peer address and in total.
#[derive(Debug, Default)]
struct Counts {
    per_ip: Mutex<HashMap<IpAddr, usize>>,
    total: AtomicUsize,
}

/// A connection's admission slot and its place in the shutdown wait, shared by the requests on
/// it (a request extension): what outlives the HTTP exchange — an upgraded WebSocket — keeps
/// it, so the connection keeps counting against the limits and a stop still waits for it.
#[derive(Clone)]
pub struct ConnectionHold(#[allow(dead_code)] Arc<(Slot, mpsc::Sender<()>)>);

/// One admitted connection; gives its slot back when dropped.
struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Counts {
    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Slot> {
        let mut map = self.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_insert(0);
        if *n >= limits.max_connections_per_ip
            || self.total.load(Ordering::Relaxed) >= limits.max_connections
        {
            if *n == 0 {
                map.remove(&ip);
            }
            return None;
        }
        *n += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.counts.per_ip.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
        self.counts.total.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that records when a byte last moved through it.
struct Watched {
    inner: TcpStream,
    epoch: Instant,
    last: Arc<AtomicU64>,
}

impl Watched {
    fn touch(&self) {
        self.last
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.touch();
        }
        r
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The first request line of a connection, read before hyper sees the connection so that a
/// target hyper would refuse with an empty 414/400 gets the JSON envelope instead. (Later
/// requests on a keep-alive connection are parsed by hyper alone.)
enum FirstLine {
    /// Hand the connection to hyper, replaying these bytes first.
    Ok(Vec<u8>),
    /// Answer this and close.
    Refuse(Vec<u8>),
    /// Closed, failed or too slow: drop the connection.
    Drop,
}

/// Longest first line read ahead: a method, a maximal target and the version.
const FIRST_LINE_MAX: usize = crate::middleware::MAX_URI_LEN + 64;

async fn read_first_line(stream: &mut TcpStream, within: Duration) -> FirstLine {
    use axum::http::StatusCode;
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::with_capacity(1024);
    let read = tokio::time::timeout(within, async {
        let mut chunk = [0u8; 4096];
        loop {
            if buf.contains(&b'\n') || buf.len() > FIRST_LINE_MAX {
                return true;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return false,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    if !matches!(read, Ok(true)) {
        return FirstLine::Drop;
    }
    let refuse = |status: StatusCode, code: &str, message: &str| {
        FirstLine::Refuse(crate::middleware::raw_error_response(status, code, message))
    };
    let line_end = buf.iter().position(|&b| b == b'\n');
    let line = match line_end {
        Some(end) => buf[..end].strip_suffix(b"\r").unwrap_or(&buf[..end]),
        None => {
            return refuse(
                StatusCode::URI_TOO_LONG,
                "URI_TOO_LONG",
                &format!(
                    "The request target exceeds {} bytes",
                    crate::middleware::MAX_URI_LEN
                ),
            )
        }
    };
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next(), parts.next(), parts.next());
    let well_formed = parts.next().is_none()
        && method.is_some_and(|m| !m.is_empty() && m.iter().all(u8::is_ascii_uppercase))
        && version.is_some_and(|v| v.starts_with(b"HTTP/"))
        && target.is_some_and(|t| !t.is_empty() && t.iter().all(|b| (0x21..0x7f).contains(b)));
    if target.is_some_and(|t| t.len() > crate::middleware::MAX_URI_LEN) {
        return refuse(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            &format!(
                "The request target exceeds {} bytes",
                crate::middleware::MAX_URI_LEN
            ),
        );
    }
    if !well_formed {
        return refuse(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Malformed request line: expected METHOD SP request-target SP HTTP-version, \
             the target in visible ASCII",
        );
    }
    FirstLine::Ok(buf)
}

/// A socket whose first bytes were already read: they are replayed before the socket's own.
struct Replayed {
    head: Vec<u8>,
    pos: usize,
    inner: Watched,
}

impl AsyncRead for Replayed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.pos < this.head.len() {
            let n = (this.head.len() - this.pos).min(buf.remaining());
            buf.put_slice(&this.head[this.pos..this.pos + n]);
            this.pos += n;
            if this.pos == this.head.len() {
                this.head = Vec::new();
                this.pos = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Replayed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Resolves once no byte has moved for `idle`.
async fn idle_for(epoch: Instant, last: &AtomicU64, idle: Duration) {
    loop {
        let last_ms = last.load(Ordering::Relaxed);
        let deadline = epoch + Duration::from_millis(last_ms) + idle;
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline.into()).await;
    }
}

/// A request body that records whether it was read to its end.
struct Tracked {
    inner: Incoming,
    done: Arc<AtomicBool>,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_frame(cx);
        if matches!(r, Poll::Ready(None)) || this.inner.is_end_stream() {
            this.done.store(true, Ordering::Relaxed);
        }
        r
    }
    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Serves `app` on `listener` until `shutdown` fires, then lets open requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut shutdown: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let counts = Arc::new(Counts::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a sender; recv() returns None once they are all gone.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let http = Arc::new(http);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE/ENFILE and aborted handshakes: wait a moment, keep serving.
                    eprintln!("grantex-server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(slot) = counts.admit(peer.ip(), &limits) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (app, http, alive, mut stop) =
            (app.clone(), http.clone(), alive_tx.clone(), stop_rx.clone());
        tokio::spawn(async move {
            let hold = ConnectionHold(Arc::new((slot, alive)));
            let mut stream = stream;
            // A shutdown does not wait for connections that have not sent a request yet.
            let first = tokio::select! {
                f = read_first_line(&mut stream, limits.header_read_timeout) => f,
                _ = stop.changed() => FirstLine::Drop,
            };
            let head = match first {
                FirstLine::Ok(head) => head,
                FirstLine::Drop => return,
                FirstLine::Refuse(resp) => {
                    use tokio::io::AsyncReadExt;
                    use tokio::io::AsyncWriteExt;
                    let _ = tokio::time::timeout(limits.idle_timeout, async {
                        let _ = stream.write_all(&resp).await;
                        let _ = stream.shutdown().await;
                    })
                    .await;
                    // Read (and discard) what the client still sends for a moment, so closing
                    // with unread bytes does not reset the connection before it reads the answer.
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        let mut sink = [0u8; 8192];
                        let mut total = 0usize;
                        while total < (1 << 20) {
                            match stream.read(&mut sink).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => total += n,
                            }
                        }
                    })
                    .await;
                    return;
                }
            };
            let epoch = Instant::now();
            let last = Arc::new(AtomicU64::new(0));
            let io = Replayed {
                head,
                pos: 0,
                inner: Watched {
                    inner: stream,
                    epoch,
                    last: last.clone(),
                },
            };
            let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let mut app = app.clone();
                let hold = hold.clone();
                async move {
                    let done = Arc::new(AtomicBool::new(false));
                    let (mut parts, inner) = req.into_parts();
                    if inner.is_end_stream() {
                        done.store(true, Ordering::Relaxed);
                    }
                    parts.extensions.insert(ConnectInfo(peer));
                    parts.extensions.insert(BodyTimeout(limits.body_timeout));
                    parts.extensions.insert(hold);
                    let body = axum::body::Body::new(Tracked {
                        inner,
                        done: done.clone(),
                    });
                    let req = hyper::Request::from_parts(parts, body);
                    let mut resp = tower_service::Service::call(&mut app, req).await?;
                    if !done.load(Ordering::Relaxed) {
                        resp.headers_mut().insert(
                            axum::http::header::CONNECTION,
                            axum::http::HeaderValue::from_static("close"),
                        );
                    }
                    Ok::<_, std::convert::Infallible>(resp)
                }
            });
            // Upgrades: the WebSocket event stream (`/v1/events/ws`) takes the connection over.
            let conn = http.serve_connection(TokioIo::new(io), svc).with_upgrades();
            tokio::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    _ = &mut conn => break,
                    _ = idle_for(epoch, &last, limits.idle_timeout) => break,
                    r = stop.changed(), if !stopping => {
                        stopping = true;
                        if r.is_ok() {
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(alive_tx);
    let _ = alive_rx.recv().await;
    Ok(())
}
