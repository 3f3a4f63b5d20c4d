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
