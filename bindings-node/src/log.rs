//! `GRANTEX_LOG`: the core's `tracing` events as one line each on stderr.
//!
//! Read once when the addon is loaded (`require('@grantex/sdk')`): `debug` (or `1`), `info`,
//! `warn`, `error` (and `trace`) install a subscriber for the core's targets (`grantex`,
//! `grantex::…`) at that level; each event is written as
//! `grantex <level> <message> key=value ...` (the enclosing spans' fields first: operation,
//! method, path, status, request id, attempts) with one `write` of the whole line. Unset, empty,
//! `0` or `off`: nothing is installed, so the core's span and event macros stay disabled at
//! their call sites (the default costs one environment lookup at load time).

use std::fmt::Write as _;
use std::io::Write as _;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{span, Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The level `GRANTEX_LOG` asks for: `Ok(None)` for off, `Err` for a value not understood.
fn parse(value: &str) -> Result<Option<Level>, ()> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "off" | "false" | "none" => Ok(None),
        "1" | "true" | "debug" => Ok(Some(Level::DEBUG)),
        "trace" => Ok(Some(Level::TRACE)),
        "info" => Ok(Some(Level::INFO)),
        "warn" | "warning" => Ok(Some(Level::WARN)),
        "error" => Ok(Some(Level::ERROR)),
        _ => Err(()),
    }
}

#[napi_derive::module_init]
fn init() {
    let Some(value) = std::env::var_os("GRANTEX_LOG") else {
        return;
    };
    let value = value.to_string_lossy();
    match parse(&value) {
        Ok(None) => {}
        Ok(Some(level)) => {
            let subscriber = tracing_subscriber::registry().with(Stderr { level });
            let _ = tracing::subscriber::set_global_default(subscriber);
        }
        Err(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "grantex: GRANTEX_LOG={value:?} is not a level (debug, info, warn, error); logging stays off"
            );
        }
    }
}

fn is_core_target(target: &str) -> bool {
    target == "grantex" || target.starts_with("grantex::")
}

/// `key=value` text of the recorded fields, the message apart.
#[derive(Default)]
struct Fields {
    message: String,
    list: Vec<(&'static str, String)>,
}

impl Fields {
    fn set(&mut self, name: &'static str, value: String) {
        if name == "message" {
            self.message = value;
            return;
        }
        match self.list.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.list.push((name, value)),
        }
    }
}

fn quoted(s: &str) -> String {
    if s.is_empty() || s.contains([' ', '"', '=', '\n']) {
        format!("{s:?}")
    } else {
        s.to_string()
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        let text = if field.name() == "message" {
            text
        } else {
            quoted(&text)
        };
        self.set(field.name(), text);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let text = if field.name() == "message" {
            value.to_string()
        } else {
            quoted(value)
        };
        self.set(field.name(), text);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), value.to_string());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), value.to_string());
    }
}

struct Stderr {
    level: Level,
}

impl<S> Layer<S> for Stderr
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        // Spans at any level (a retry's INFO line still names the call's method and path).
        if is_core_target(meta.target()) && (meta.is_span() || *meta.level() <= self.level) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        is_core_target(meta.target()) && (meta.is_span() || *meta.level() <= self.level)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // The core's call span is DEBUG: it must pass even when only INFO events are wanted.
        Some(LevelFilter::DEBUG.max(LevelFilter::from_level(self.level)))
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut all = Fields::default();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<Fields>() {
                    for (k, v) in &f.list {
                        all.set(k, v.clone());
                    }
                }
            }
        }
        let mut own = Fields::default();
        event.record(&mut own);
        for (k, v) in own.list {
            all.set(k, v);
        }
        let level = match *event.metadata().level() {
            Level::ERROR => "error",
            Level::WARN => "warn",
            Level::INFO => "info",
            Level::DEBUG => "debug",
            Level::TRACE => "trace",
        };
        let mut line = format!("grantex {level} {}", own.message);
        for (k, v) in &all.list {
            let _ = write!(line, " {k}={v}");
        }
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(parse("1"), Ok(Some(Level::DEBUG)));
        assert_eq!(parse("DEBUG"), Ok(Some(Level::DEBUG)));
        assert_eq!(parse("info"), Ok(Some(Level::INFO)));
        assert_eq!(parse("warn"), Ok(Some(Level::WARN)));
        assert_eq!(parse("error"), Ok(Some(Level::ERROR)));
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("0"), Ok(None));
        assert_eq!(parse("loud"), Err(()));
    }
}
