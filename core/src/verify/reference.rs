//! The reference SDKs' verification options that this verifier does not take as settings: some
//! are not implemented yet (did:web issuers, proof of possession, standard-claims-only), the
//! others describe a behaviour that is fixed here (RS256 only, both claim layouts read, the
//! bounded JWKS fetch). Every binding applies this one list the same way, so code written for
//! a reference SDK gets either its exact behaviour or a `Config` error, never a silently
//! ignored option.

use crate::error::Error;
use serde_json::Value;

/// One reference option: its Python (`snake_case`) and JavaScript (`camelCase`) names and
/// which values mean the behaviour this verifier has.
#[derive(Debug)]
pub struct ReferenceOption {
    /// The name in the Python reference (`VerifyGrantTokenOptions.issuer_did`).
    pub name: &'static str,
    /// The name in the TypeScript reference (`issuerDid`).
    pub js_name: &'static str,
    accepts: Accepts,
}

#[derive(Debug, Clone, Copy)]
enum Accepts {
    /// Only unset (`null`): the option is not implemented; `why` completes the message.
    Unset(&'static str),
    /// Unset or `false`.
    NotTrue(&'static str),
    /// Unset or `true`.
    OnlyTrue(&'static str),
    /// A non-empty subset of `["RS256", "ES256"]` that includes RS256.
    Algorithms,
    /// Anything: the behaviour it asks for is always on.
    Anything,
}

/// Every reference verify option the bindings do not map to a [`super::VerifyOptions`] field.
pub const REFERENCE_OPTIONS: &[ReferenceOption] = &[
    ReferenceOption {
        name: "issuer_did",
        js_name: "issuerDid",
        accepts: Accepts::Unset("did:web issuers are not supported yet; give the JWKS URI and the issuer"),
    },
    ReferenceOption {
        name: "proof_jkt",
        js_name: "proofJkt",
        accepts: Accepts::Unset("proof-of-possession (cnf.jkt) checks are not supported yet"),
    },
    ReferenceOption {
        name: "require_proof_of_possession",
        js_name: "requireProofOfPossession",
        accepts: Accepts::NotTrue("proof-of-possession (cnf.jkt) checks are not supported yet"),
    },
    ReferenceOption {
        name: "legacy_claims",
        js_name: "legacyClaims",
        accepts: Accepts::OnlyTrue(
            "standard claims only (typ at+jwt) is not supported yet; both claim layouts are read and must agree",
        ),
    },
    ReferenceOption {
        name: "algorithms",
        js_name: "algorithms",
        accepts: Accepts::Algorithms,
    },
    ReferenceOption {
        name: "bounded_jwks_fetch",
        js_name: "boundedJwksFetch",
        accepts: Accepts::Anything,
    },
];

impl ReferenceOption {
    /// The option called `name` in either spelling.
    pub fn find(name: &str) -> Option<&'static ReferenceOption> {
        REFERENCE_OPTIONS
            .iter()
            .find(|o| o.name == name || o.js_name == name)
    }
}

/// Checks the reference option `name` (either spelling) set to `value` (`null` = unset; a
/// binding passes values JSON cannot hold, such as a callable, as any non-null value). `Ok`
/// when the value asks for what this verifier does anyway; `Config` naming the option as the
/// caller spelled it otherwise, and for a name that is not a reference option.
pub fn check_reference_option(name: &str, value: &Value) -> Result<(), Error> {
    let option = ReferenceOption::find(name)
        .ok_or_else(|| Error::config(format!("{name} is not a verification option")))?;
    let refuse = |why: &str| Err(Error::config(format!("{name}: {why}")));
    match option.accepts {
        _ if value.is_null() => Ok(()),
        Accepts::Anything => Ok(()),
        Accepts::Unset(why) => refuse(why),
        Accepts::NotTrue(_) if *value == Value::Bool(false) => Ok(()),
        Accepts::NotTrue(why) => refuse(why),
        Accepts::OnlyTrue(_) if *value == Value::Bool(true) => Ok(()),
        Accepts::OnlyTrue(why) => refuse(why),
        Accepts::Algorithms => check_algorithms(value).or_else(refuse),
    }
}

fn check_algorithms(value: &Value) -> Result<(), &'static str> {
    const SUBSET: &str = r#"must be a non-empty subset of ["RS256", "ES256"]"#;
    let list = value.as_array().filter(|l| !l.is_empty()).ok_or(SUBSET)?;
    if !list
        .iter()
        .all(|a| matches!(a.as_str(), Some("RS256" | "ES256")))
    {
        return Err(SUBSET);
    }
    if !list.iter().any(|a| a.as_str() == Some("RS256")) {
        return Err("grant tokens are RS256; the list must include RS256");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(name: &str, v: Value) -> bool {
        check_reference_option(name, &v).is_ok()
    }

    #[test]
    fn unset_is_always_accepted_and_both_spellings_work() {
        for o in REFERENCE_OPTIONS {
            assert!(
                ok(o.name, Value::Null) && ok(o.js_name, Value::Null),
                "{}",
                o.name
            );
        }
    }

    #[test]
    fn values_that_ask_for_more_are_refused_naming_the_option_as_spelled() {
        let err = check_reference_option("issuerDid", &json!("did:web:example.com")).unwrap_err();
        assert_eq!(err.code(), "config_error");
        assert!(err.to_string().contains("issuerDid:"), "{err}");
        let err = check_reference_option("issuer_did", &json!("did:web:example.com")).unwrap_err();
        assert!(err.to_string().contains("issuer_did:"), "{err}");
        assert!(!ok("proof_jkt", json!("abc")));
        // Implemented now: VerifyOptions fields, not reference options any more.
        for name in [
            "current_authority",
            "expected_principal_id",
            "expected_agent_did",
        ] {
            assert!(ReferenceOption::find(name).is_none(), "{name}");
        }
        assert!(ok("require_proof_of_possession", json!(false)));
        assert!(!ok("require_proof_of_possession", json!(true)));
        assert!(!ok("requireProofOfPossession", json!(1)));
        assert!(ok("legacy_claims", json!(true)));
        assert!(!ok("legacyClaims", json!(false)));
        assert!(ok("bounded_jwks_fetch", json!(true)) && ok("boundedJwksFetch", json!(false)));
        assert!(!ok("not_an_option", Value::Null));
    }

    #[test]
    fn algorithms_must_include_rs256_and_name_only_known_ones() {
        assert!(ok("algorithms", json!(["RS256"])));
        assert!(ok("algorithms", json!(["RS256", "ES256"])));
        for bad in [
            json!([]),
            json!(["ES256"]),
            json!(["HS256"]),
            json!(["RS256", "none"]),
            json!("RS256"),
        ] {
            assert!(!ok("algorithms", bad.clone()), "{bad}");
        }
    }
}
