//! Agent card helpers: build a card with the Grantex bearer scheme, or parse one. Both return
//! the core's card JSON and the Grantex settings the core finds in it, so the Python layer
//! never re-implements the scheme lookup.

use grantex::a2a::{A2AError, AgentCard, AgentCardOptions, GrantexAuthConfig};
use grantex::Error;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde_json::Value;

fn invalid(message: String) -> A2AError {
    A2AError::Core(Error::InvalidArgument { message })
}

fn build(options_json: &str) -> Result<AgentCard, A2AError> {
    let o: AgentCardOptions = serde_json::from_str(options_json)
        .map_err(|e| invalid(format!("invalid agent card options: {e}")))?;
    AgentCard::from_options(o)
}

type CardParts<'py> = (Bound<'py, PyAny>, Option<Bound<'py, PyAny>>);

/// An owned card for the trip back to Python (async results), as [`parts`].
pub struct Card(pub AgentCard);

impl<'py> IntoPyObject<'py> for Card {
    type Target = PyTuple;
    type Output = Bound<'py, PyTuple>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        parts(py, &self.0)?.into_pyobject(py)
    }
}

/// `(card JSON dict, grantexConfig dict or None)`.
pub fn parts<'py>(py: Python<'py>, card: &AgentCard) -> PyResult<CardParts<'py>> {
    let to_value = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| {
            crate::errors::a2a_to_py(py, invalid(format!("cannot convert the card: {e}")))
        })
    };
    let json = to_value(serde_json::to_value(card))?;
    let config = card
        .grantex_config()
        .map(|c: &GrantexAuthConfig| to_value(serde_json::to_value(c)))
        .transpose()?;
    let config = config.map(|c| crate::convert::to_py(py, &c)).transpose()?;
    Ok((crate::convert::to_py(py, &json)?, config))
}

/// Build a card from camelCase options; `A2AConfigError` for a bad URL, empty name, or
/// Grantex settings without `jwksUri` and `issuer`.
#[pyfunction]
pub fn build_agent_card<'py>(py: Python<'py>, options_json: &str) -> PyResult<CardParts<'py>> {
    let card = build(options_json).map_err(|e| crate::errors::a2a_to_py(py, e))?;
    parts(py, &card)
}

/// Parse card JSON (at most 1 MiB); `A2ACardError` when it is not a valid card.
#[pyfunction]
pub fn parse_agent_card<'py>(py: Python<'py>, card_json: &str) -> PyResult<CardParts<'py>> {
    let card = AgentCard::from_json(card_json).map_err(|e| crate::errors::a2a_to_py(py, e))?;
    parts(py, &card)
}
