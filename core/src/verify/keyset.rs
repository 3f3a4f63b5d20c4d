//! A JWKS parsed once into RS256 verification keys, with the key-set rules below applied at load
//! time.
//!
//! Set-level failures (`InvalidJwks`): not strict JSON (duplicate members included), no `keys`
//! array, more than [`MAX_KEYS`] entries, any entry carrying private members, an entry whose
//! members have the wrong JSON type, a qualifying RSA entry whose `n`/`e` are not canonical
//! base64url, or no qualifying entry at all. Entry filters: `kty` must be `RSA` (others are
//! skipped), `alg` absent or `RS256`, `use` absent or `sig`, `key_ops` absent or containing
//! `verify`. Per-kid outcomes: a kid shared by several qualifying entries is ambiguous; a key
//! outside policy is weak.

use super::b64;
use super::json::{self, JStr, JsonError, Val};
use super::primitive::RsaVerifyKey;
use crate::error::{TokenError, TokenErrorCode};

/// Most entries accepted in one set.
pub(crate) const MAX_KEYS: usize = 128;

const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// What a token naming an entry gets.
#[derive(Debug, Clone)]
pub(crate) enum KeyState {
    Usable(RsaVerifyKey),
    /// Outside key policy; the message says why.
    Weak(String),
    /// Several qualifying entries share this kid.
    Ambiguous,
}

#[derive(Debug, Clone)]
struct Entry {
    kid: Option<Box<str>>,
    state: KeyState,
}

/// The qualifying entries of one key set.
#[derive(Debug, Clone)]
pub(crate) struct KeySet {
    entries: Vec<Entry>,
}

/// An `InvalidJwks` error; a local type so JSON errors convert with `?` only inside this module.
#[derive(Debug)]
struct SetError(TokenError);

fn invalid(msg: impl Into<String>) -> SetError {
    SetError(TokenError::new(TokenErrorCode::InvalidJwks, msg))
}

impl From<JsonError> for SetError {
    fn from(e: JsonError) -> Self {
        match e {
            JsonError::Duplicate => invalid("key set has a duplicate JSON member"),
            JsonError::Syntax => invalid("key set is not valid JSON"),
            JsonError::TooComplex => invalid("key set JSON is nested too deeply or too wide"),
        }
    }
}

/// The members of one JWK that matter here.
#[derive(Default)]
struct RawJwk<'a> {
    kty: Option<Val<'a>>,
    kid: Option<Val<'a>>,
    alg: Option<Val<'a>>,
    use_: Option<Val<'a>>,
    key_ops: Option<Val<'a>>,
    n: Option<Val<'a>>,
    e: Option<Val<'a>>,
    private: bool,
}

fn opt_str<'a>(v: Option<Val<'a>>, what: &str) -> Result<Option<JStr<'a>>, SetError> {
    match v {
        None => Ok(None),
        Some(Val::Str(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("JWK member `{what}` must be a string"))),
    }
}

impl KeySet {
    /// Parses and validates a JWKS document.
    pub(crate) fn parse(doc: &str) -> Result<KeySet, TokenError> {
        Self::parse_inner(doc).map_err(|SetError(e)| e)
    }

    fn parse_inner(doc: &str) -> Result<KeySet, SetError> {
        let mut keys = None;
        json::for_each_member(doc, |name, v| {
            if name.eq_str("keys") {
                keys = Some(v);
            }
            Ok::<(), SetError>(())
        })?;
        let keys = match keys {
            Some(Val::Arr(span)) => span,
            Some(_) => return Err(invalid("`keys` must be an array")),
            None => return Err(invalid("key set has no `keys` array")),
        };

        let mut raws = Vec::new();
        json::for_each_element(keys, |v| {
            let Val::Obj(obj) = v else {
                return Err(invalid("every JWK must be a JSON object"));
            };
            if raws.len() == MAX_KEYS {
                return Err(invalid(format!("key set has more than {MAX_KEYS} keys")));
            }
            let mut raw = RawJwk::default();
            json::for_each_member(obj, |name, v| {
                let name = name.to_cow();
                match &*name {
                    "kty" => raw.kty = Some(v),
                    "kid" => raw.kid = Some(v),
                    "alg" => raw.alg = Some(v),
                    "use" => raw.use_ = Some(v),
                    "key_ops" => raw.key_ops = Some(v),
                    "n" => raw.n = Some(v),
                    "e" => raw.e = Some(v),
                    other if PRIVATE_MEMBERS.contains(&other) => raw.private = true,
                    _ => {}
                }
                Ok::<(), SetError>(())
            })?;
            raws.push(raw);
            Ok(())
        })?;

        if raws.iter().any(|r| r.private) {
            return Err(invalid("key set contains private key material"));
        }

        let mut found: Vec<Entry> = Vec::new();
        for raw in raws {
            if let Some(entry) = Self::entry(raw)? {
                found.push(entry);
            }
        }
        if found.is_empty() {
            return Err(invalid("key set has no RS256 verification key"));
        }

        // Collapse entries sharing a kid into one ambiguous entry.
        let mut entries: Vec<Entry> = Vec::with_capacity(found.len());
        for entry in found {
            let dup = entry
                .kid
                .as_deref()
                .and_then(|k| entries.iter_mut().find(|e| e.kid.as_deref() == Some(k)));
            match dup {
                Some(existing) => existing.state = KeyState::Ambiguous,
                None => entries.push(entry),
            }
        }
        Ok(KeySet { entries })
    }

    /// Applies the filters to one JWK; `None` when it does not qualify for RS256 verification.
    fn entry(raw: RawJwk<'_>) -> Result<Option<Entry>, SetError> {
        // RFC 7517 §5: a JWK whose key type is not understood (or missing) is ignored, so a
        // provider publishing an odd non-RSA entry does not take the RSA keys down with it.
        // Entries that claim to be RSA stay strict. (Private members were refused already.)
        match raw.kty {
            Some(Val::Str(s)) if s.eq_str("RSA") => {}
            _ => return Ok(None),
        }
        let kid = opt_str(raw.kid, "kid")?;
        let alg = opt_str(raw.alg, "alg")?;
        let use_ = opt_str(raw.use_, "use")?;
        let verify_op = match raw.key_ops {
            None => true,
            Some(Val::Arr(span)) => {
                let mut has = false;
                json::for_each_element(span, |v| match v {
                    Val::Str(s) => {
                        has |= s.eq_str("verify");
                        Ok(())
                    }
                    _ => Err(invalid("JWK `key_ops` must be an array of strings")),
                })?;
                has
            }
            Some(_) => return Err(invalid("JWK `key_ops` must be an array of strings")),
        };
        if alg.is_some_and(|a| !a.eq_str("RS256"))
            || use_.is_some_and(|u| !u.eq_str("sig"))
            || !verify_op
        {
            return Ok(None);
        }
        let component = |v: Option<Val<'_>>, what: &str| -> Result<Vec<u8>, SetError> {
            match v {
                Some(Val::Str(s)) => b64::decode_vec(&s.to_cow())
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| invalid(format!("RSA JWK `{what}` is not base64url"))),
                Some(_) => Err(invalid(format!("RSA JWK `{what}` must be a string"))),
                None => Err(invalid(format!("RSA JWK without `{what}`"))),
            }
        };
        let n = component(raw.n, "n")?;
        let e = component(raw.e, "e")?;
        let state = match RsaVerifyKey::from_components(&n, &e) {
            Ok(key) => KeyState::Usable(key),
            Err(why) => KeyState::Weak(why.to_string()),
        };
        Ok(Some(Entry {
            kid: kid.map(|k| k.to_owned_string().into_boxed_str()),
            state,
        }))
    }

    /// The key for a token's `kid` (or, without a kid, the only qualifying key).
    pub(crate) fn select(&self, kid: Option<&str>) -> Result<&RsaVerifyKey, TokenError> {
        let entry = match kid {
            Some(kid) => self
                .entries
                .iter()
                .find(|e| e.kid.as_deref() == Some(kid))
                .ok_or_else(|| {
                    TokenError::new(
                        TokenErrorCode::UnknownKid,
                        "no key in the set has the token's kid",
                    )
                })?,
            None => match self.entries.as_slice() {
                [only] => only,
                _ => {
                    return Err(TokenError::new(
                        TokenErrorCode::AmbiguousKid,
                        "token has no kid and the key set has several keys",
                    ))
                }
            },
        };
        match &entry.state {
            KeyState::Usable(key) => Ok(key),
            KeyState::Weak(why) => Err(TokenError::new(TokenErrorCode::WeakKey, why.clone())),
            KeyState::Ambiguous => Err(TokenError::new(
                TokenErrorCode::AmbiguousKid,
                "several keys in the set share the token's kid",
            )),
        }
    }
}
