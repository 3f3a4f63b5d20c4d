//! [`A2AError`]: everything the A2A client and card helpers can fail with, each with a stable
//! [`code`](A2AError::code) that the bindings map to their own error classes.

use super::jsonrpc::JsonRpcError;
use crate::error::{Error, TokenError};

/// An A2A bridge failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum A2AError {
    /// The grant token failed the client's offline check (signature, expiry, scopes, issuer,
    /// delegation); nothing was sent to the remote agent.
    #[error("grant token refused before sending: {0}")]
    Preflight(TokenError),
    /// The remote agent answered with a JSON-RPC error (on a 2xx or an error status).
    #[error("remote agent refused the request (HTTP {status}): {error}")]
    Rpc { status: u16, error: JsonRpcError },
    /// The remote agent answered with a non-2xx status and no JSON-RPC error body.
    #[error("remote agent answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// The agent card could not be fetched or parsed, or it contradicts the configuration.
    #[error("agent card problem: {message}")]
    Card { message: String },
    /// The remote agent's answer is not a JSON-RPC 2.0 response for our request.
    #[error("invalid response from the remote agent: {message}")]
    Protocol { message: String },
    /// A core failure: invalid argument, configuration, network, timeout, JWKS fetch.
    #[error(transparent)]
    Core(#[from] Error),
}

impl A2AError {
    /// Stable identifier: `a2a_preflight`, `a2a_rpc_error`, `a2a_http_error`, `a2a_card_error`,
    /// `a2a_protocol_error`, or the core [`Error::code`] for [`A2AError::Core`].
    pub fn code(&self) -> &'static str {
        match self {
            A2AError::Preflight(_) => "a2a_preflight",
            A2AError::Rpc { .. } => "a2a_rpc_error",
            A2AError::Http { .. } => "a2a_http_error",
            A2AError::Card { .. } => "a2a_card_error",
            A2AError::Protocol { .. } => "a2a_protocol_error",
            A2AError::Core(e) => e.code(),
        }
    }

    /// The finer reason, when there is one: the token error code of a preflight failure, or
    /// the `data.reason` of a remote guard rejection (`expired`, `missing_scopes`, ...).
    pub fn reason(&self) -> Option<&str> {
        match self {
            A2AError::Preflight(e) => Some(e.code.as_str()),
            A2AError::Rpc { error, .. } => error.reason(),
            A2AError::Core(Error::Token(e)) => Some(e.code.as_str()),
            _ => None,
        }
    }

    /// The HTTP status the remote agent answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            A2AError::Rpc { status, .. } | A2AError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn card(message: impl Into<String>) -> A2AError {
        A2AError::Card {
            message: message.into(),
        }
    }

    pub(crate) fn protocol(message: impl Into<String>) -> A2AError {
        A2AError::Protocol {
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> A2AError {
        A2AError::Core(Error::InvalidArgument {
            message: message.into(),
        })
    }

    pub(crate) fn config(message: impl Into<String>) -> A2AError {
        A2AError::Core(Error::Config {
            message: message.into(),
        })
    }
}
