//! The key-set parser (`JwksCache::from_json`) on arbitrary UTF-8.
//!
//! Never panics. A refused set is refused with `invalid_jwks`. An accepted set follows the
//! key-set rules of `vectors/README.md` as far as they can be read back with serde_json: strict
//! JSON (no duplicate member), an object whose `keys` is an array of at most 128 objects, none
//! carrying a private member. Verifying a real token against an accepted set never panics and,
//! when it succeeds, gives exactly the grant the good set gives (a key set cannot change what a
//! token says).

use crate::fixtures;
use crate::oracle::{self, Strict};
use grantex::{Error, JwksCache, TokenErrorCode};
use serde_json::Value;

/// Members that only a private key carries (RFC 7517/7518).
const PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The target's entry point.
pub fn check(data: &[u8]) {
    let Ok(doc) = std::str::from_utf8(data) else {
        return;
    };
    let cache = match JwksCache::from_json(doc) {
        Ok(cache) => cache,
        Err(Error::Token(e)) => {
            assert_eq!(
                e.code,
                TokenErrorCode::InvalidJwks,
                "a refused key set gave {e}"
            );
            return;
        }
        Err(other) => panic!("a key set was refused with a non-token error: {other}"),
    };
    assert!(
        matches!(oracle::strict(doc), Strict::Ok(_)),
        "an accepted key set is not strict JSON to serde_json: {doc:?}"
    );
    let set: Value = serde_json::from_str(doc).expect("an accepted key set is JSON");
    let keys = set
        .get("keys")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("an accepted key set has no `keys` array: {doc:?}"));
    assert!(
        !keys.is_empty() && keys.len() <= 128,
        "an accepted key set has {} keys",
        keys.len()
    );
    for key in keys {
        let key = key
            .as_object()
            .unwrap_or_else(|| panic!("an accepted key set holds a non-object: {doc:?}"));
        for p in PRIVATE {
            assert!(
                !key.contains_key(p),
                "an accepted key set carries the private member `{p}`: {doc:?}"
            );
        }
    }

    let f = fixtures::get();
    let opts = fixtures::base_options(f);
    match cache.verify_cached(&f.valid_token, &opts) {
        Ok(grant) => {
            let want = f
                .cache
                .verify_cached(&f.valid_token, &opts)
                .expect("the valid vector verifies against the good set");
            assert_eq!(grant, want, "a key set changed what a token says");
        }
        Err(Error::Token(_)) => {}
        Err(other) => panic!("verification failed with a non-token error: {other}"),
    }
}
