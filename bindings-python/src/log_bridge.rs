//! The core's `tracing` spans and events, delivered to Python's standard `logging`.
//!
//! A `tracing` layer (installed as this extension's global subscriber at module init) turns
//! each event of the core (targets `grantex` and `grantex::…`) into a `logging.LogRecord` handled
//! by the logger named after the target (`grantex::http` -> `grantex.http`, a child of
//! `grantex`): TRACE/DEBUG/INFO/WARN/ERROR become levels 5/DEBUG/INFO/WARNING/ERROR, the message
//! is the event's message followed by the fields (`key=value`, the enclosing spans' first), and
//! the record carries them as attributes: `grantex_fields` (a dict: the spans' fields, then the
//! event's), `grantex_message` (the bare message), `grantex_span` (the innermost span's name)
//! and `request_id` when the server's request id is known.
//!
//! Cheap when disabled: the levels at which any `grantex` logger is enabled are cached in one
//! atomic ([`MAX`]), which the layer's `enabled` reads without touching Python. The cache is
//! refreshed whenever the logging configuration changes: `logging` clears its own per-logger
//! caches through `Logger.manager._clear_cache()` on every `setLevel`, `disable`, `dictConfig`,
//! …; a wrapper of that method (installed by [`ensure`], on first use of a client, so that
//! `import grantex` does not import `logging`) recomputes the level. Events run on the core's
//! worker threads (or a calling thread that released the GIL): they attach to the interpreter
//! with `Python::try_attach` (nothing while it shuts down), hold no Rust lock while Python runs,
//! and keep no state that a `fork()` could leave locked.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::Relaxed};
use tracing::field::{Field, Visit};
use tracing::{span, Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// The most verbose level any `grantex` logger is enabled for: 0 none, 1 ERROR … 5 TRACE.
static MAX: AtomicU8 = AtomicU8::new(0);
/// Whether [`ensure`] installed the `_clear_cache` wrapper (once per process).
static HOOKED: AtomicBool = AtomicBool::new(false);
/// The `logging` module, once [`ensure`] imported it.
static LOGGING: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn py_level(level: &Level) -> i32 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
    }
}

fn is_core_target(target: &str) -> bool {
    target == "grantex" || target.starts_with("grantex::")
}

/// Installs the layer as this extension's global `tracing` subscriber (module init; no Python
/// work, nothing is delivered until [`ensure`] ran).
pub fn install() {
    let subscriber = tracing_subscriber::registry().with(Bridge);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Called with the GIL held before the core does any HTTP work for Python (client construction,
/// the unauthenticated calls): imports `logging` (once), wraps `Logger.manager._clear_cache` so
/// configuration changes refresh [`MAX`], and computes it now.
pub fn ensure(py: Python<'_>) {
    if HOOKED.load(Relaxed) {
        return;
    }
    if let Err(e) = hook(py) {
        // Logging is a convenience: never fail a client for it.
        e.write_unraisable(py, None);
    }
}

fn logging(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    LOGGING
        .get_or_try_init(py, || py.import("logging").map(Bound::unbind))
        .map(|m| m.bind(py))
}

fn hook(py: Python<'_>) -> PyResult<()> {
    let logging = logging(py)?;
    let manager = logging.getattr("Logger")?.getattr("manager")?;
    // Checked again with the GIL held: two threads cannot both get here.
    if HOOKED.swap(true, Relaxed) {
        return Ok(());
    }
    let original: Py<PyAny> = manager.getattr("_clear_cache")?.unbind();
    let wrapper = PyCFunction::new_closure(
        py,
        Some(c"_clear_cache"),
        None,
        move |args: &Bound<'_, PyTuple>,
              kwargs: Option<&Bound<'_, PyDict>>|
              -> PyResult<Py<PyAny>> {
            let py = args.py();
            let out = original.bind(py).call(args, kwargs)?;
            refresh(py);
            Ok(out.unbind())
        },
    )?;
    manager.setattr("_clear_cache", wrapper)?;
    refresh(py);
    Ok(())
}

/// Recomputes [`MAX`] from the `grantex` logger and any `grantex.*` child configured apart.
fn refresh(py: Python<'_>) {
    let compute = || -> PyResult<u8> {
        let logging = logging(py)?;
        let mut loggers = vec![logging.call_method1("getLogger", ("grantex",))?];
        let dict = logging
            .getattr("Logger")?
            .getattr("manager")?
            .getattr("loggerDict")?;
        // A copy: another thread may add a logger meanwhile.
        let items = dict.call_method0("copy")?.cast_into::<PyDict>()?;
        for (name, logger) in items.iter() {
            let name: String = name.extract().unwrap_or_default();
            if name.starts_with("grantex.") && logger.hasattr("isEnabledFor")? {
                loggers.push(logger);
            }
        }
        let mut max = 0u8;
        for logger in &loggers {
            for level in [
                Level::TRACE,
                Level::DEBUG,
                Level::INFO,
                Level::WARN,
                Level::ERROR,
            ] {
                if rank(&level) <= max {
                    break;
                }
                if logger
                    .call_method1("isEnabledFor", (py_level(&level),))?
                    .is_truthy()?
                {
                    max = rank(&level);
                    break;
                }
            }
        }
        Ok(max)
    };
    match compute() {
        Ok(max) => MAX.store(max, Relaxed),
        Err(e) => e.write_unraisable(py, None),
    }
}

/// One recorded field value.
#[derive(Clone, Debug)]
enum Value {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

impl Value {
    fn text(&self, out: &mut String) {
        let _ = match self {
            Value::Str(s) if s.is_empty() || s.contains([' ', '"', '=']) => write!(out, "{s:?}"),
            Value::Str(s) => write!(out, "{s}"),
            Value::I64(v) => write!(out, "{v}"),
            Value::U64(v) => write!(out, "{v}"),
            Value::F64(v) => write!(out, "{v}"),
            Value::Bool(v) => write!(out, "{v}"),
        };
    }

    fn to_py<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Value::Str(s) => s.into_pyobject(py)?.into_any(),
            Value::I64(v) => v.into_pyobject(py)?.into_any(),
            Value::U64(v) => v.into_pyobject(py)?.into_any(),
            Value::F64(v) => v.into_pyobject(py)?.into_any(),
            Value::Bool(v) => v.into_pyobject(py)?.to_owned().into_any(),
        })
    }
}

/// Fields in recording order; the message (an event's `message`) apart.
#[derive(Default, Debug)]
struct Fields {
    message: Option<String>,
    list: Vec<(&'static str, Value)>,
}

impl Fields {
    fn set(&mut self, name: &'static str, value: Value) {
        if name == "message" {
            if let Value::Str(s) = value {
                self.message = Some(s);
            }
            return;
        }
        match self.list.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.list.push((name, value)),
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.set(field.name(), Value::Str(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field.name(), Value::Str(value.to_string()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field.name(), Value::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.set(field.name(), Value::U64(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field.name(), Value::F64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field.name(), Value::Bool(value));
    }
}

struct Bridge;

impl<S> Layer<S> for Bridge
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        if is_core_target(meta.target()) {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        let max = MAX.load(Relaxed);
        if !is_core_target(meta.target()) {
            return false;
        }
        // Spans whenever anything is enabled: an INFO event inside a DEBUG span still
        // reports the call's method and path.
        if meta.is_span() {
            max > 0
        } else {
            rank(meta.level()) <= max
        }
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
        let meta = event.metadata();
        // Gathered before attaching to Python: no span lock is held while Python runs.
        let mut all = Fields::default();
        let mut innermost = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                innermost = Some(span.name());
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
        let message = own.message.unwrap_or_default();
        let mut text = message.clone();
        for (k, v) in &all.list {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(k);
            text.push('=');
            v.text(&mut text);
        }
        let logger_name = meta.target().replace("::", ".");
        let level = py_level(meta.level());
        let _ = Python::try_attach(|py| {
            if let Err(e) = deliver(
                py,
                &logger_name,
                level,
                meta,
                &text,
                &message,
                innermost,
                &all,
            ) {
                e.write_unraisable(py, None);
            }
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn deliver(
    py: Python<'_>,
    logger_name: &str,
    level: i32,
    meta: &Metadata<'_>,
    text: &str,
    message: &str,
    span: Option<&str>,
    fields: &Fields,
) -> PyResult<()> {
    let Some(logging) = LOGGING.get(py) else {
        return Ok(());
    };
    let logger = logging.bind(py).call_method1("getLogger", (logger_name,))?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let dict = PyDict::new(py);
    for (k, v) in &fields.list {
        dict.set_item(*k, v.to_py(py)?)?;
    }
    let extra = PyDict::new(py);
    if let Some((_, Value::Str(id))) = fields.list.iter().find(|(k, _)| *k == "request_id") {
        if !id.is_empty() {
            extra.set_item("request_id", id)?;
        }
    }
    extra.set_item("grantex_fields", dict)?;
    extra.set_item("grantex_message", message)?;
    extra.set_item("grantex_span", span)?;
    let record = logger.call_method1(
        "makeRecord",
        (
            logger_name,
            level,
            meta.file().unwrap_or("(grantex core)"),
            meta.line().unwrap_or(0),
            text,
            PyTuple::empty(py),
            py.None(),
            meta.module_path(),
            extra,
        ),
    )?;
    logger.call_method1("handle", (record,))?;
    Ok(())
}
