//! Streamed exports (JSON and CSV): a writer that fills the response body chunk by chunk from a
//! blocking task reading the database, so an export of any size holds one chunk in memory.
//!
//! A failure before the first chunk is sent is an ordinary error response; after it, the body
//! is cut short (the client sees a truncated body, never a complete wrong one).

use crate::body_stream;
use crate::error::{ApiError, ApiResult};
use crate::store::{Conn, Db};
use axum::http::header::{self, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::oneshot;

const CHUNK: usize = 64 * 1024;

/// Where a streamed export writes.
pub struct Writer {
    tx: body_stream::Sender,
    buf: Vec<u8>,
    started: Option<oneshot::Sender<ApiResult<()>>>,
}

impl Writer {
    pub fn bytes(&mut self, b: &[u8]) -> ApiResult<()> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    pub fn json<T: Serialize>(&mut self, v: &T) -> ApiResult<()> {
        serde_json::to_writer(&mut self.buf, v)?;
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// One CSV record (RFC 4180 quoting). Cells a spreadsheet would run as a formula (leading
    /// `=`, `+`, `-`, `@`, tab or carriage return) get a leading `'`.
    pub fn csv_row<S: AsRef<str>>(&mut self, cells: &[S]) -> ApiResult<()> {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let mut c = cell.as_ref().to_string();
            if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                c.insert(0, '\'');
            }
            if c.contains([',', '"', '\n', '\r']) {
                line.push('"');
                line.push_str(&c.replace('"', "\"\""));
                line.push('"');
            } else {
                line.push_str(&c);
            }
        }
        line.push_str("\r\n");
        self.bytes(line.as_bytes())
    }

    fn flush(&mut self) -> ApiResult<()> {
        if let Some(s) = self.started.take() {
            let _ = s.send(Ok(()));
        }
        let chunk = std::mem::take(&mut self.buf);
        self.tx
            .blocking_send(Ok(chunk.into()))
            .map_err(|_| ApiError::internal("the client went away during an export"))
    }
}

/// `json` or `csv` from a `format` query value.
pub fn format(v: Option<&str>) -> ApiResult<bool> {
    match v {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "format must be json or csv (got {other:?})"
        ))),
    }
}

/// Runs `produce` on a streaming connection and answers with what it writes.
pub async fn respond<F>(db: &Db, csv: bool, filename: &str, produce: F) -> ApiResult<Response>
where
    F: FnOnce(&Conn, &mut Writer) -> ApiResult<()> + Send + 'static,
{
    let (tx, body) = body_stream::channel(4);
    let (started_tx, started_rx) = oneshot::channel::<ApiResult<()>>();
    db.stream(move |conn| {
        let mut w = Writer {
            tx,
            buf: Vec::new(),
            started: Some(started_tx),
        };
        let result = conn
            .and_then(|conn| produce(conn, &mut w))
            .and_then(|()| w.flush());
        if let Err(e) = result {
            match w.started.take() {
                Some(s) => {
                    let _ = s.send(Err(e));
                }
                None => {
                    let _ = w.tx.blocking_send(Err(std::io::Error::other(e.message)));
                }
            }
        }
    })
    .await?;
    started_rx
        .await
        .map_err(|_| ApiError::internal("the export ended before it started"))??;
    let content_type = if csv {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    let mut resp = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response();
    if csv {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}.csv\"")) {
            resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}
