//! The event stream (`client.events.stream()`): the core's `EventStream` behind a handle.
//! Events cross as dicts with the wire's keys; the Python layer builds `GrantexEvent`s.

use crate::convert::{self, Json};
use grantex::events::{EventStream, StreamEvent};
use pyo3::prelude::*;

fn to_json(e: StreamEvent) -> serde_json::Value {
    serde_json::to_value(e).unwrap_or_default()
}

#[pyclass(module = "grantex._native", frozen)]
pub struct NativeEventStream {
    pub(crate) inner: EventStream,
}

#[pymethods]
impl NativeEventStream {
    /// The next event as a dict, `None` once closed; blocks (GIL released, Ctrl-C aware).
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = self.inner.clone();
        let v = crate::wait::wait(py, async move { s.next().await.map(|e| e.map(to_json)) })?;
        match v {
            Some(v) => convert::to_py(py, &v),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// [`NativeEventStream::next`] as an awaitable.
    fn anext<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let s = self.inner.clone();
        crate::runtime::awaitable(py, async move {
            s.next().await.map(|e| e.map(|e| Json(to_json(e))))
        })
    }

    /// Stops the stream; a waiting `next` returns `None`.
    fn close(&self) {
        self.inner.close();
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The log position of the last event returned.
    #[getter]
    fn last_event_id(&self) -> Option<u64> {
        self.inner.last_event_id()
    }
}
