//! Server-Sent Events parsing (WHATWG HTML §9.2.6), shared by the revocation feed and the
//! event stream: `event:`, `data:` and `id:` fields, comments, a blank line dispatches, `data`
//! lines joined with `\n`.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// `message` when the event named none.
    pub event: String,
    pub data: String,
    /// The `id:` the event carried (the stream's last event id then), if any.
    pub id: Option<String>,
}

/// Splits a byte stream into [`Frame`]s, across chunk boundaries.
#[derive(Default)]
pub(crate) struct SseParser {
    buf: Vec<u8>,
    /// How much of `buf` is known to hold no line end (a long line is scanned once).
    scanned: usize,
    event: String,
    data: String,
    id: Option<String>,
}

/// Longest line accepted: a stream that never ends a line is not an event stream.
pub(crate) const MAX_SSE_LINE: usize = 1 << 20;

impl SseParser {
    /// The events completed by `bytes`; `Err` for invalid UTF-8 or an overlong line.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Result<Vec<Frame>, ()> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(at) = self.buf[self.scanned..].iter().position(|b| *b == b'\n') {
            let nl = self.scanned + at;
            self.scanned = 0;
            let mut line: Vec<u8> = self.buf.drain(..=nl).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            let line = String::from_utf8(line).map_err(|_| ())?;
            if line.is_empty() {
                if !self.data.is_empty() || !self.event.is_empty() {
                    let event = if self.event.is_empty() {
                        "message".to_owned()
                    } else {
                        std::mem::take(&mut self.event)
                    };
                    out.push(Frame {
                        event,
                        data: std::mem::take(&mut self.data),
                        id: self.id.take(),
                    });
                }
                continue;
            }
            let (field, value) = match line.split_once(':') {
                Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                None => (line.as_str(), ""),
            };
            match field {
                "event" => self.event = value.to_owned(),
                "data" => {
                    if !self.data.is_empty() {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                }
                // An id with NUL is ignored (WHATWG).
                "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
                _ => {}
            }
        }
        self.scanned = self.buf.len();
        if self.buf.len() > MAX_SSE_LINE || self.data.len() > MAX_SSE_LINE {
            return Err(());
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(frames: Vec<Frame>) -> Vec<(String, String)> {
        frames.into_iter().map(|f| (f.event, f.data)).collect()
    }

    #[test]
    fn server_sent_events_are_split_across_chunks() {
        let mut p = SseParser::default();
        assert!(p.push(b"event: rev").unwrap().is_empty());
        let got = p
            .push(b"ocation\r\ndata: {\"seq\":1}\n\n: comment\n\nevent: heartbeat\ndata: {}\n\ndata: a\ndata: b\n\n")
            .unwrap();
        assert_eq!(
            pairs(got),
            vec![
                ("revocation".into(), "{\"seq\":1}".into()),
                ("heartbeat".into(), "{}".into()),
                ("message".into(), "a\nb".into()),
            ]
        );
        assert!(SseParser::default().push(&[0xff, b'\n']).is_err());
        assert!(SseParser::default()
            .push(&vec![b'x'; MAX_SSE_LINE + 1])
            .is_err());
    }

    #[test]
    fn ids_belong_to_their_event() {
        let mut p = SseParser::default();
        let got = p
            .push(b"id: 7\nevent: grant.created\ndata: {}\n\n: keepalive\n\nevent: x\ndata: y\n\n")
            .unwrap();
        assert_eq!(got[0].id.as_deref(), Some("7"));
        assert_eq!(got[1].id, None);
    }
}
