//! A2A bridge errors (`grantex::a2a::A2AError`) as C failures: core errors keep their own
//! codes, the bridge's own kinds get the 8xxx codes named like `A2AError::code()`, and the
//! remote agent's status, reason and JSON-RPC error go to the thread's last error.

use crate::ffi::Failure;
use crate::result::grantex_result::{self, *};
use grantex_core::a2a::A2AError;

/// The C code for an A2A bridge error kind that is not a core error.
fn a2a_result(error: &A2AError) -> grantex_result {
    match error {
        A2AError::Preflight(_) => GRANTEX_A2A_PREFLIGHT,
        A2AError::Rpc { .. } => GRANTEX_A2A_RPC,
        A2AError::Http { .. } => GRANTEX_A2A_HTTP,
        A2AError::Card { .. } => GRANTEX_A2A_CARD,
        A2AError::Protocol { .. } => GRANTEX_A2A_PROTOCOL,
        _ => GRANTEX_UNKNOWN_ERROR,
    }
}

pub(crate) fn a2a_failure(error: A2AError) -> Failure {
    if let A2AError::Core(core) = error {
        return Failure::from(core);
    }
    let mut failure = Failure::new(a2a_result(&error), error.to_string());
    failure.http_status = error.status();
    failure.api_code = error.reason().map(str::to_owned);
    if let A2AError::Rpc { error: rpc, .. } = &error {
        failure.body = serde_json::to_value(rpc).ok().map(Box::new);
    }
    failure
}

#[cfg(test)]
mod tests {
    use super::*;
    use grantex_core::a2a::JsonRpcError;
    use grantex_core::{Error, TokenError, TokenErrorCode};
    use serde_json::json;

    #[test]
    fn names_match_the_core_codes_and_details_are_kept() {
        let rpc = A2AError::Rpc {
            status: 403,
            error: JsonRpcError {
                code: -32003,
                message: "no".into(),
                data: Some(json!({"reason": "delegation_too_deep"})),
            },
        };
        let cases = [
            A2AError::Preflight(TokenError::new(TokenErrorCode::Expired, "old")),
            rpc,
            A2AError::Http {
                status: 502,
                message: "bad gateway".into(),
            },
        ];
        for e in cases {
            let code = e.code();
            let f = a2a_failure(e);
            assert_eq!(f.code.name(), code);
        }
        let f = a2a_failure(A2AError::Rpc {
            status: 401,
            error: JsonRpcError {
                code: -32001,
                message: "revoked".into(),
                data: Some(json!({"reason": "revoked"})),
            },
        });
        assert_eq!(f.http_status, Some(401));
        assert_eq!(f.api_code.as_deref(), Some("revoked"));
        assert_eq!(f.body.unwrap()["code"], -32001);
        let core = a2a_failure(A2AError::Core(Error::Config {
            message: "x".into(),
        }));
        assert_eq!(core.code, GRANTEX_CONFIG);
    }
}
