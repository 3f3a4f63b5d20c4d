//! A response body fed chunk by chunk from a blocking task (streamed listings): bounded channel,
//! so the producer waits for a slow client instead of buffering the whole answer.

use axum::body::{Body, Bytes};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// The producer's end: send chunks with `blocking_send` from the blocking pool. Sending an
/// `Err` aborts the response (the client sees a truncated body, never a complete wrong one).
pub type Sender = mpsc::Sender<Result<Bytes, std::io::Error>>;

struct ChannelBody {
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        self.get_mut()
            .rx
            .poll_recv(cx)
            .map(|c| c.map(|r| r.map(http_body::Frame::data)))
    }
}

/// A body and the sender feeding it, holding at most `chunks` unsent chunks.
pub fn channel(chunks: usize) -> (Sender, Body) {
    let (tx, rx) = mpsc::channel(chunks);
    (tx, Body::new(ChannelBody { rx }))
}

/// A Server-Sent Events response around `body`: `text/event-stream`, not cached, not buffered
/// by proxies (`X-Accel-Buffering: no`).
pub fn event_stream_response(body: Body) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let mut resp = axum::response::Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp
}
