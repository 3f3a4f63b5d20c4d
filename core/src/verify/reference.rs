//! The reference SDKs' verification options that bindings pass by name (Python `snake_case` or
//! JavaScript `camelCase`) with a JSON value, rather than as fields of their own: `issuer_did`,
//! `proof_jkt`, `require_proof_of_possession`, `legacy_claims` and `dpop` (this SDK's: a DPoP proof to
//! check, see [`crate::dpop`]) set [`VerifyOptions`] fields;
//! `algorithms` and `bounded_jwks_fetch` describe behaviour that is fixed here (RS256 only, the
//! bounded JWKS fetch) and are accepted when they ask for it. Every binding applies this one
//! list the same way, so code written for a reference SDK gets its behaviour or a `Config`
//! error naming the option, never a silently ignored option.

use super::VerifyOptions;
use crate::error::Error;
use serde_json::Value;

/// One reference option: its Python (`snake_case`) and JavaScript (`camelCase`) names.
#[derive(Debug)]
pub struct ReferenceOption {
    /// The name in the Python reference (`VerifyGrantTokenOptions.issuer_did`).
    pub name: &'static str,
    /// The name in the TypeScript reference (`issuerDid`).
    pub js_name: &'static str,
    kind: Kind,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    IssuerDid,
    ProofJkt,
    /// `{proof, method, url}`: a DPoP proof to check (this SDK's; the reference verifiers take
    /// only the thumbprint of an already verified proof, `proof_jkt`).
    Dpop,
    RequireProof,
    LegacyClaims,
    /// A non-empty subset of `["RS256", "ES256"]` that includes RS256.
    Algorithms,
    /// Anything: the behaviour it asks for is always on.
    Anything,
}

/// Every reference verify option the bindings pass by name.
pub const REFERENCE_OPTIONS: &[ReferenceOption] = &[
    ReferenceOption {
        name: "issuer_did",
        js_name: "issuerDid",
        kind: Kind::IssuerDid,
    },
    ReferenceOption {
        name: "proof_jkt",
        js_name: "proofJkt",
        kind: Kind::ProofJkt,
    },
    ReferenceOption {
        name: "dpop",
        js_name: "dpop",
        kind: Kind::Dpop,
    },
    ReferenceOption {
        name: "require_proof_of_possession",
        js_name: "requireProofOfPossession",
        kind: Kind::RequireProof,
    },
    ReferenceOption {
        name: "legacy_claims",
        js_name: "legacyClaims",
        kind: Kind::LegacyClaims,
    },
    ReferenceOption {
        name: "algorithms",
        js_name: "algorithms",
        kind: Kind::Algorithms,
    },
    ReferenceOption {
        name: "bounded_jwks_fetch",
        js_name: "boundedJwksFetch",
        kind: Kind::Anything,
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

/// Sets the reference option `name` (either spelling) to `value` on `opts` (`null` = unset, the
/// reference's default). A value of the wrong type, an empty thumbprint, a `did:web` identifier
/// that may not be used (see [`super::did_web`]) or a name that is not a reference option is
/// `Config`, naming the option as the caller spelled it; `opts` is then unchanged.
pub fn apply_reference_option(
    opts: &mut VerifyOptions,
    name: &str,
    value: &Value,
) -> Result<(), Error> {
    let option = ReferenceOption::find(name)
        .ok_or_else(|| Error::config(format!("{name} is not a verification option")))?;
    let refuse = |why: &str| Error::config(format!("{name}: {why}"));
    let flag = |default: bool| match value {
        Value::Null => Ok(default),
        Value::Bool(b) => Ok(*b),
        _ => Err(refuse("must be true or false")),
    };
    match option.kind {
        Kind::IssuerDid => {
            opts.issuer_did = match value {
                Value::Null => None,
                Value::String(did) => {
                    super::did_web::resolve(did).map_err(|e| refuse(&e))?;
                    Some(did.clone())
                }
                _ => return Err(refuse("must be a did:web identifier (a string)")),
            }
        }
        Kind::ProofJkt => {
            opts.proof_jkt = match value {
                Value::Null => None,
                Value::String(t) if !t.is_empty() => Some(t.clone()),
                _ => {
                    return Err(refuse(
                        "must be a key thumbprint (a non-empty base64url string)",
                    ))
                }
            }
        }
        Kind::Dpop => {
            opts.dpop = match value {
                Value::Null => None,
                v => Some(crate::dpop::DpopRequest::from_json(v).map_err(|e| refuse(&e))?),
            }
        }
        Kind::RequireProof => opts.require_proof_of_possession = flag(false)?,
        Kind::LegacyClaims => opts.standard_claims_only = !flag(true)?,
        Kind::Algorithms if value.is_null() => {}
        Kind::Algorithms => check_algorithms(value).map_err(refuse)?,
        Kind::Anything => {}
    }
    Ok(())
}

/// Checks the reference option `name` (either spelling) set to `value` without keeping it: `Ok`
/// when [`apply_reference_option`] would take it (bindings check on assignment; a binding passes
/// values JSON cannot hold, such as a callable, as any non-null value).
pub fn check_reference_option(name: &str, value: &Value) -> Result<(), Error> {
    apply_reference_option(&mut VerifyOptions::default(), name, value)
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

    fn applied(name: &str, v: Value) -> VerifyOptions {
        let mut o = VerifyOptions::default();
        apply_reference_option(&mut o, name, &v).unwrap();
        o
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
    fn options_set_their_fields() {
        let o = applied("issuerDid", json!("did:web:example.com"));
        assert_eq!(o.issuer_did.as_deref(), Some("did:web:example.com"));
        assert_eq!(
            applied("proof_jkt", json!("abc")).proof_jkt.as_deref(),
            Some("abc")
        );
        assert!(applied("requireProofOfPossession", json!(true)).require_proof_of_possession);
        assert!(!applied("require_proof_of_possession", Value::Null).require_proof_of_possession);
        assert!(applied("legacyClaims", json!(false)).standard_claims_only);
        assert!(!applied("legacy_claims", json!(true)).standard_claims_only);
        assert!(!applied("legacy_claims", Value::Null).standard_claims_only);
        // Unset again.
        let mut o = applied("proof_jkt", json!("abc"));
        apply_reference_option(&mut o, "proofJkt", &Value::Null).unwrap();
        assert!(o.proof_jkt.is_none());
    }

    #[test]
    fn bad_values_are_refused_naming_the_option_as_spelled() {
        let err = check_reference_option("issuerDid", &json!("did:key:z6Mk")).unwrap_err();
        assert_eq!(err.code(), "config_error");
        assert!(err.to_string().contains("issuerDid:"), "{err}");
        let err = check_reference_option("issuer_did", &json!("did:web:127.0.0.1")).unwrap_err();
        assert!(err.to_string().contains("issuer_did:"), "{err}");
        assert!(!ok("issuer_did", json!(7)));
        assert!(!ok("proof_jkt", json!("")));
        assert!(!ok("proofJkt", json!(["a"])));
        assert!(!ok("requireProofOfPossession", json!(1)));
        assert!(!ok("legacyClaims", json!("false")));
        assert!(ok("bounded_jwks_fetch", json!(true)) && ok("boundedJwksFetch", json!(false)));
        assert!(!ok("not_an_option", Value::Null));
        // VerifyOptions fields of their own, not passed by name.
        for name in [
            "current_authority",
            "expected_principal_id",
            "expected_agent_did",
        ] {
            assert!(ReferenceOption::find(name).is_none(), "{name}");
        }
        // A refused value leaves the options as they were.
        let mut o = applied("proof_jkt", json!("abc"));
        assert!(apply_reference_option(&mut o, "proof_jkt", &json!(3)).is_err());
        assert_eq!(o.proof_jkt.as_deref(), Some("abc"));
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
