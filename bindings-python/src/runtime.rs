//! The async runtime behind `AsyncGrantex`: pyo3-async-runtimes' generic glue driven by the
//! core's process runtime (`grantex::blocking::runtime()`), so sync and async calls share one
//! set of worker threads and both survive `os.fork()` (the core rebuilds its runtime in a child).

use pyo3::prelude::*;
use pyo3_async_runtimes::generic::{self, ContextExt, Runtime};
use pyo3_async_runtimes::TaskLocals;
use std::future::Future;
use std::pin::Pin;

tokio::task_local! {
    static LOCALS: TaskLocals;
}

/// Marker type implementing the pyo3-async-runtimes runtime traits.
pub struct CoreRuntime;

impl Runtime for CoreRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        grantex::blocking::runtime().spawn(fut)
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        grantex::blocking::runtime().spawn_blocking(f)
    }
}

impl ContextExt for CoreRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(LOCALS.scope(locals, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        LOCALS.try_with(Clone::clone).ok()
    }
}

/// Turn a core future into a Python awaitable; core errors become Grantex exceptions.
pub fn awaitable<'py, F, T>(py: Python<'py>, fut: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = grantex::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    awaitable_with(py, fut, crate::errors::to_py)
}

/// [`awaitable`] with another error type or mapping (signup's, the A2A bridge's).
pub fn awaitable_with<'py, F, T, E>(
    py: Python<'py>,
    fut: F,
    map: fn(Python<'_>, E) -> PyErr,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
    E: Send + 'static,
{
    generic::future_into_py::<CoreRuntime, _, T>(py, async move {
        match fut.await {
            Ok(value) => Ok(value),
            Err(err) => Err(Python::attach(|py| map(py, err))),
        }
    })
}
