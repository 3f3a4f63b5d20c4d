//! Claim checks, run only after the signature verified. One pass over the JSON fills borrowed
//! slots; strings are copied out only once every check has passed.
//!
//! Order (first failure wins): JSON (Malformed / DuplicateMember); a member whose value is null
//! (InvalidClaim); presence and types in the order iss, sub, aud, exp, nbf, iat, jti, then the
//! grant claims (MissingClaim / InvalidClaim); legacy vs standard layout (MissingClaim /
//! ClaimConflict); scopes that are empty or hold whitespace/control characters and identifiers
//! holding control characters, a parent grant without depth >= 1 or the reverse (InvalidClaim);
//! exp, nbf, iat against the clock (Expired / NotYetValid / IssuedInFuture);
//! iss (WrongIssuer); aud (WrongAudience); required scopes (MissingScopes); delegation depth
//! (DelegationTooDeep).

use super::json::{self, JStr, Val};
use super::{reject, Reject, VerifiedGrant, VerifyOptions};
use crate::error::TokenErrorCode::{self, *};
use crate::types::WebAuthnGrantEvidence;

/// Longest `act` chain accepted (the reference SDKs' limit); a deeper one is `invalid_claim`.
const MAX_ACT_DEPTH: u32 = 10;

/// The claim that marks the environment a token was issued in: `"sandbox"` for a sandbox
/// developer (refused unless the caller accepts sandbox tokens), `"live"` or absent otherwise.
pub const ENVIRONMENT_CLAIM: &str = "urn:grantex:environment";

/// What the claims are checked against.
pub(crate) struct Expect<'o> {
    pub(crate) issuer: &'o str,
    pub(crate) opts: &'o VerifyOptions,
    pub(crate) now: i64,
    /// The proven key's thumbprint: `opts.proof_jkt`, or a verified DPoP proof's.
    pub(crate) proof_jkt: Option<&'o str>,
}

#[derive(Default)]
struct Raw<'a> {
    iss: Option<Val<'a>>,
    sub: Option<Val<'a>>,
    aud: Option<Val<'a>>,
    exp: Option<Val<'a>>,
    nbf: Option<Val<'a>>,
    iat: Option<Val<'a>>,
    jti: Option<Val<'a>>,
    agt: Option<Val<'a>>,
    dev: Option<Val<'a>>,
    grnt: Option<Val<'a>>,
    scp: Option<Val<'a>>,
    parent_agt: Option<Val<'a>>,
    parent_grnt: Option<Val<'a>>,
    depth: Option<Val<'a>>,
    bdg: Option<Val<'a>>,
    scope: Option<Val<'a>>,
    act: Option<Val<'a>>,
    grant: Option<Val<'a>>,
    environment: Option<Val<'a>>,
    client_id: Option<Val<'a>>,
    authorization_details: Option<Val<'a>>,
    cnf: Option<Val<'a>>,
    has_null: bool,
}

/// The standard layout's `urn:grantex:grant` object.
#[derive(Default)]
struct GrantObj<'a> {
    agent_did: Option<JStr<'a>>,
    developer_id: Option<JStr<'a>>,
    grant_id: Option<JStr<'a>>,
    parent_grant_id: Option<JStr<'a>>,
    delegation_depth: Option<u32>,
    webauthn: Option<&'a str>,
}

fn missing(name: &str) -> Reject {
    reject(
        MissingClaim,
        format!("grant token is missing required claim `{name}`"),
    )
}

fn wrong_type(name: &str, want: &str) -> Reject {
    reject(InvalidClaim, format!("claim `{name}` must be {want}"))
}

fn opt_str<'a>(v: Option<Val<'a>>, name: &str) -> Result<Option<JStr<'a>>, Reject> {
    match v {
        None => Ok(None),
        Some(Val::Str(s)) => Ok(Some(s)),
        Some(_) => Err(wrong_type(name, "a string")),
    }
}

fn req_str<'a>(v: Option<Val<'a>>, name: &str) -> Result<JStr<'a>, Reject> {
    opt_str(v, name)?.ok_or_else(|| missing(name))
}

/// A JSON integer (no fraction, no exponent) that fits in i64.
fn int_of(v: Val<'_>) -> Option<i64> {
    match v {
        Val::Num(t) if !t.contains(['.', 'e', 'E']) => t.parse().ok(),
        _ => None,
    }
}

fn opt_int(v: Option<Val<'_>>, name: &str) -> Result<Option<i64>, Reject> {
    v.map(|v| int_of(v).ok_or_else(|| wrong_type(name, "an integer")))
        .transpose()
}

fn req_int(v: Option<Val<'_>>, name: &str) -> Result<i64, Reject> {
    opt_int(v, name)?.ok_or_else(|| missing(name))
}

fn opt_depth(v: Option<Val<'_>>, name: &str) -> Result<Option<u32>, Reject> {
    v.map(|v| {
        int_of(v)
            .and_then(|d| u32::try_from(d).ok())
            .ok_or_else(|| wrong_type(name, "a non-negative integer"))
    })
    .transpose()
}

/// A JSON array of strings.
fn str_array<'a>(span: &'a str, name: &str) -> Result<Vec<JStr<'a>>, Reject> {
    let mut out = Vec::new();
    json::for_each_element(span, |v| match v {
        Val::Str(s) => {
            out.push(s);
            Ok(())
        }
        _ => Err(wrong_type(name, "an array of strings")),
    })?;
    Ok(out)
}

/// `aud`: a string, or a non-empty array of strings.
fn audience<'a>(v: Option<Val<'a>>) -> Result<Vec<JStr<'a>>, Reject> {
    match v {
        None => Ok(Vec::new()),
        Some(Val::Str(s)) => Ok(vec![s]),
        Some(Val::Arr(span)) => {
            let list = str_array(span, "aud")?;
            if list.is_empty() {
                return Err(wrong_type(
                    "aud",
                    "a string or a non-empty array of strings",
                ));
            }
            Ok(list)
        }
        Some(_) => Err(wrong_type(
            "aud",
            "a string or a non-empty array of strings",
        )),
    }
}

fn grant_obj<'a>(v: Option<Val<'a>>) -> Result<Option<GrantObj<'a>>, Reject> {
    const NAME: &str = "urn:grantex:grant";
    let span = match v {
        None => return Ok(None),
        Some(Val::Obj(span)) => span,
        Some(_) => return Err(wrong_type(NAME, "an object")),
    };
    let mut g = GrantObj::default();
    let mut slots: [Option<Val<'a>>; 6] = [None; 6];
    let mut has_null = false;
    json::for_each_member(span, |name, v| {
        has_null |= v.is_null();
        let i = match &*name.to_cow() {
            "agent_did" => 0,
            "developer_id" => 1,
            "grant_id" => 2,
            "parent_grant_id" => 3,
            "delegation_depth" => 4,
            "webauthn" => 5,
            _ => return Ok(()),
        };
        slots[i] = Some(v);
        Ok::<(), Reject>(())
    })?;
    if has_null {
        return Err(reject(
            InvalidClaim,
            "a member of `urn:grantex:grant` is null",
        ));
    }
    g.agent_did = opt_str(slots[0], "urn:grantex:grant.agent_did")?;
    g.developer_id = opt_str(slots[1], "urn:grantex:grant.developer_id")?;
    g.grant_id = opt_str(slots[2], "urn:grantex:grant.grant_id")?;
    g.parent_grant_id = opt_str(slots[3], "urn:grantex:grant.parent_grant_id")?;
    g.delegation_depth = opt_depth(slots[4], "urn:grantex:grant.delegation_depth")?;
    g.webauthn = match slots[5] {
        None => None,
        Some(Val::Obj(span)) => Some(span),
        Some(_) => return Err(wrong_type("urn:grantex:grant.webauthn", "an object")),
    };
    Ok(Some(g))
}

/// `act`: an object whose optional `sub` is a string and whose optional nested `act` follows
/// the same shape, at most [`MAX_ACT_DEPTH`] deep. Returns the outermost `act.sub` and the
/// chain's length (0 without `act`).
fn act_chain<'a>(v: Option<Val<'a>>) -> Result<(Option<JStr<'a>>, u32), Reject> {
    let mut next = v;
    let mut top = None;
    let mut level: u32 = 0;
    while let Some(v) = next.take() {
        level += 1;
        if level > MAX_ACT_DEPTH {
            return Err(reject(InvalidClaim, "the `act` chain is nested too deeply"));
        }
        let Val::Obj(span) = v else {
            return Err(wrong_type("act", "an object"));
        };
        let mut sub = None;
        let mut has_null = false;
        json::for_each_member(span, |name, v| {
            has_null |= v.is_null();
            match &*name.to_cow() {
                "sub" => sub = Some(v),
                "act" => next = Some(v),
                _ => {}
            }
            Ok::<(), Reject>(())
        })?;
        if has_null {
            return Err(reject(InvalidClaim, "a member of `act` is null"));
        }
        let sub = opt_str(sub, "act.sub")?;
        if level == 1 {
            top = sub;
        }
    }
    Ok((top, level))
}

/// Space-delimited `scope` (RFC 6749 §3.3): single spaces between non-empty tokens.
fn scope_list(s: &str) -> Result<Vec<&str>, Reject> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<&str> = s.split(' ').collect();
    if list.iter().any(|t| t.is_empty()) {
        return Err(wrong_type("scope", "space-delimited scope tokens"));
    }
    Ok(list)
}

/// Identifiers (ids, DIDs, issuer, audience) must not carry control characters: a NUL or a
/// newline inside `sub` means different things to different consumers (C strings, logs).
fn no_controls(v: JStr<'_>, name: &str) -> Result<(), Reject> {
    if v.has_control() {
        return Err(reject(
            InvalidClaim,
            format!("claim `{name}` contains a control character"),
        ));
    }
    Ok(())
}

/// A scope is one non-empty token without whitespace or control characters (RFC 6749 §3.3
/// delimits scopes by spaces, so a scope holding one would become two when re-joined).
fn scope_ok(s: &str) -> bool {
    if s.is_empty() {
        return false;
    }
    // Printable ASCII without space settles it; anything else is checked per character.
    s.bytes().all(|b| b > 0x20 && b < 0x7F)
        || !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn conflict(what: &str) -> Reject {
    reject(
        ClaimConflict,
        format!("legacy and standard claims disagree on {what}"),
    )
}

/// Picks the standard value, else the legacy one; both present and different is a conflict.
fn merge<'a>(
    legacy: Option<JStr<'a>>,
    standard: Option<JStr<'a>>,
    what: &str,
) -> Result<Option<JStr<'a>>, Reject> {
    match (legacy, standard) {
        (Some(l), Some(s)) if !l.eq_jstr(s) => Err(conflict(what)),
        (l, s) => Ok(s.or(l)),
    }
}

/// An array or object claim as a `serde_json::Value` (its span was validated already).
fn raw_value(span: &str, name: &str) -> Result<serde_json::Value, Reject> {
    serde_json::from_str(span).map_err(|_| wrong_type(name, "valid JSON"))
}

/// `urn:grantex:grant.webauthn`: a version-1 `GrantexWebAuthnAssertion` reference.
fn webauthn_evidence(span: &str) -> Result<WebAuthnGrantEvidence, Reject> {
    const NAME: &str = "urn:grantex:grant.webauthn";
    let bad = || {
        wrong_type(
            NAME,
            "a version 1 GrantexWebAuthnAssertion evidence reference",
        )
    };
    let v = raw_value(span, NAME)?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|x| !x.is_empty());
    if text("type") != Some("GrantexWebAuthnAssertion") || v.get("version") != Some(&1.into()) {
        return Err(bad());
    }
    let digest = v.get("digest").and_then(|x| x.as_str()).ok_or_else(bad)?;
    if digest.len() != 64
        || !digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(bad());
    }
    let field = |k: &str| text(k).map(str::to_owned).ok_or_else(bad);
    Ok(WebAuthnGrantEvidence {
        auth_request_id: field("authRequestId")?,
        rp_id: field("rpId")?,
        origin: field("origin")?,
        user_verified: v
            .get("userVerified")
            .and_then(|x| x.as_bool())
            .ok_or_else(bad)?,
        asserted_at: field("assertedAt")?,
        digest: digest.to_owned(),
        kind: "GrantexWebAuthnAssertion".to_owned(),
        version: 1,
    })
}

fn check_time(code: TokenErrorCode, failed: bool, msg: &'static str) -> Result<(), Reject> {
    if failed {
        Err(reject(code, msg))
    } else {
        Ok(())
    }
}

/// Checks the decoded claims and builds the result.
/// Proof of possession (RFC 7800 `cnf`, RFC 9449 §6): with a proof key thumbprint the token
/// must be bound to that key (`cnf.jkt`, compared in constant time); without one, a required
/// proof fails closed and an unrequired `cnf` is only reported.
fn check_proof(cnf: Option<&str>, want: &Expect<'_>) -> Result<(), Reject> {
    let Some(proof) = want.proof_jkt else {
        if want.opts.require_proof_of_possession {
            return Err(reject(
                ProofRequired,
                "proof of possession is required but no proof key thumbprint (proof_jkt) or DPoP proof (dpop) was given",
            ));
        }
        return Ok(());
    };
    let mut jkt = None;
    if let Some(span) = cnf {
        json::for_each_member(span, |name, v| {
            if name.to_cow() == "jkt" {
                if let Val::Str(t) = v {
                    jkt = Some(t.to_cow());
                }
            }
            Ok::<(), Reject>(())
        })?;
    }
    let Some(jkt) = jkt else {
        return Err(reject(
            NotKeyBound,
            "grant token is not key-bound (no cnf.jkt) but a proof key was given",
        ));
    };
    if !constant_time_eq(jkt.as_bytes(), proof.as_bytes()) {
        return Err(reject(
            ProofMismatch,
            "grant token cnf.jkt does not match the proof key",
        ));
    }
    Ok(())
}

/// Equality whose time depends only on the lengths (a thumbprint is public, the comparison
/// still should not tell an attacker how many leading characters matched).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn check(payload: &[u8], want: &Expect<'_>) -> Result<VerifiedGrant, Reject> {
    let doc = std::str::from_utf8(payload)
        .map_err(|_| reject(Malformed, "token claims are not UTF-8"))?;
    let mut r = Raw::default();
    json::for_each_member(doc, |name, v| {
        r.has_null |= v.is_null();
        let name = name.to_cow();
        let slot = match &*name {
            "iss" => &mut r.iss,
            "sub" => &mut r.sub,
            "aud" => &mut r.aud,
            "exp" => &mut r.exp,
            "nbf" => &mut r.nbf,
            "iat" => &mut r.iat,
            "jti" => &mut r.jti,
            "agt" => &mut r.agt,
            "dev" => &mut r.dev,
            "grnt" => &mut r.grnt,
            "scp" => &mut r.scp,
            "parentAgt" => &mut r.parent_agt,
            "parentGrnt" => &mut r.parent_grnt,
            "delegationDepth" => &mut r.depth,
            "bdg" => &mut r.bdg,
            "scope" => &mut r.scope,
            "act" => &mut r.act,
            "urn:grantex:grant" => &mut r.grant,
            ENVIRONMENT_CLAIM => &mut r.environment,
            "client_id" => &mut r.client_id,
            "authorization_details" => &mut r.authorization_details,
            "cnf" => &mut r.cnf,
            _ => return Ok(()),
        };
        *slot = Some(v);
        Ok::<(), Reject>(())
    })?;
    if r.has_null {
        return Err(reject(
            InvalidClaim,
            "a claim is present with the value null",
        ));
    }
    let standard_only = want.opts.standard_claims_only;
    if standard_only {
        // The legacy aliases are not read at all (the reference SDKs' `legacy_claims=False`).
        r.agt = None;
        r.dev = None;
        r.grnt = None;
        r.scp = None;
        r.parent_agt = None;
        r.parent_grnt = None;
        r.depth = None;
    }
    // The name a missing claim is reported under: the alias where both layouts are read.
    let required = |legacy: &'static str, standard: &'static str| {
        missing(if standard_only { standard } else { legacy })
    };

    // Presence and types.
    let iss = req_str(r.iss, "iss")?;
    let sub = req_str(r.sub, "sub")?;
    let aud = audience(r.aud)?;
    let exp = req_int(r.exp, "exp")?;
    let nbf = opt_int(r.nbf, "nbf")?;
    let iat = req_int(r.iat, "iat")?;
    let jti = req_str(r.jti, "jti")?;
    let agt = opt_str(r.agt, "agt")?;
    let dev = opt_str(r.dev, "dev")?;
    let grnt = opt_str(r.grnt, "grnt")?;
    let parent_agt = opt_str(r.parent_agt, "parentAgt")?;
    let parent_grnt = opt_str(r.parent_grnt, "parentGrnt")?;
    let scp = match r.scp {
        None => None,
        Some(Val::Arr(span)) => Some(str_array(span, "scp")?),
        Some(_) => return Err(wrong_type("scp", "an array of strings")),
    };
    let depth = opt_depth(r.depth, "delegationDepth")?;
    let budget = match r.bdg {
        None => None,
        Some(Val::Num(t)) => Some(
            t.parse::<f64>()
                .ok()
                .filter(|b| b.is_finite())
                .ok_or_else(|| wrong_type("bdg", "a finite number"))?,
        ),
        Some(_) => return Err(wrong_type("bdg", "a number")),
    };
    let grant = grant_obj(r.grant)?.unwrap_or_default();
    let scope = opt_str(r.scope, "scope")?;
    let (act, act_len) = act_chain(r.act)?;
    let client_id = opt_str(r.client_id, "client_id")?;
    if client_id.is_some_and(|c| c.eq_str("")) {
        return Err(wrong_type("client_id", "a non-empty string"));
    }
    let authorization_details = match r.authorization_details {
        None => None,
        Some(Val::Arr(span)) => {
            // RFC 9396 §2: an array of JSON objects (each with its `type`).
            json::for_each_element(span, |v| match v {
                Val::Obj(_) => Ok(()),
                _ => Err(wrong_type("authorization_details", "an array of objects")),
            })?;
            Some(span)
        }
        Some(_) => return Err(wrong_type("authorization_details", "an array")),
    };
    let cnf = match r.cnf {
        None => None,
        Some(Val::Obj(span)) => Some(span),
        Some(_) => return Err(wrong_type("cnf", "an object")),
    };
    let sandbox = match opt_str(r.environment, ENVIRONMENT_CLAIM)? {
        None => false,
        Some(e) if e.eq_str("live") => false,
        Some(e) if e.eq_str("sandbox") => true,
        Some(_) => return Err(wrong_type(ENVIRONMENT_CLAIM, r#""live" or "sandbox""#)),
    };

    // Legacy and standard layouts.
    let agent_did = merge(agt, grant.agent_did, "the agent DID")?
        .ok_or_else(|| required("agt", "urn:grantex:grant.agent_did"))?;
    let developer_id = merge(dev, grant.developer_id, "the developer id")?
        .ok_or_else(|| required("dev", "urn:grantex:grant.developer_id"))?;
    let scope_text = scope.map(|s| s.to_cow());
    let std_scopes = scope_text.as_deref().map(scope_list).transpose()?;
    let scopes: Vec<String> = match (&scp, &std_scopes) {
        (Some(l), Some(s)) => {
            if l.len() != s.len() || !l.iter().zip(s).all(|(a, b)| a.eq_str(b)) {
                return Err(conflict("the scopes"));
            }
            s.iter().map(|t| (*t).to_owned()).collect()
        }
        (None, Some(s)) => s.iter().map(|t| (*t).to_owned()).collect(),
        (Some(l), None) => l.iter().map(|t| t.to_owned_string()).collect(),
        (None, None) => return Err(required("scp", "scope")),
    };
    if let Some(bad) = scopes.iter().find(|s| !scope_ok(s)) {
        let what = if bad.is_empty() {
            "an empty scope"
        } else {
            "a scope with whitespace or control characters"
        };
        return Err(reject(
            InvalidClaim,
            format!("the token's scopes contain {what}"),
        ));
    }
    let grant_id = merge(grnt, grant.grant_id, "the grant id")?.unwrap_or(jti);
    let parent_grant_id = merge(parent_grnt, grant.parent_grant_id, "the parent grant id")?;
    let delegation_depth = match (depth, grant.delegation_depth) {
        (Some(l), Some(s)) if l != s => return Err(conflict("the delegation depth")),
        (l, s) => s.or(l),
    };
    // A delegated grant names its parent and sits at depth >= 1; a root grant has neither.
    // Either half alone would let a token dodge `max_delegation_depth` or pose as delegated.
    match (parent_grant_id.is_some(), delegation_depth.unwrap_or(0)) {
        (true, 0) => {
            return Err(reject(
                InvalidClaim,
                "a grant with a parent grant id must have a delegation depth of at least 1",
            ))
        }
        (false, d) if d > 0 => {
            return Err(reject(
                InvalidClaim,
                "a delegation depth above 0 needs a parent grant id",
            ))
        }
        _ => {}
    }
    // `act.sub` names the parent agent only for a delegated grant, whose `act` chain has one
    // level per delegation hop: a chain of another length misstates the delegation path.
    let delegated = parent_grant_id.is_some() || delegation_depth.is_some();
    if delegated && act_len > 0 && act_len != delegation_depth.unwrap_or(0) {
        return Err(reject(
            InvalidClaim,
            "the `act` chain's length does not match the delegation depth",
        ));
    }
    let parent_agent = merge(
        parent_agt,
        if delegated { act } else { None },
        "the parent agent",
    )?;

    for (v, name) in [
        (Some(iss), "iss"),
        (Some(sub), "sub"),
        (Some(jti), "jti"),
        (Some(agent_did), "agt"),
        (Some(developer_id), "dev"),
        (Some(grant_id), "grnt"),
        (parent_grant_id, "parentGrnt"),
        (parent_agent, "parentAgt"),
    ] {
        if let Some(v) = v {
            no_controls(v, name)?;
        }
    }
    for a in &aud {
        no_controls(*a, "aud")?;
    }
    if let Some(c) = client_id {
        no_controls(c, "client_id")?;
    }

    // A sandbox developer's grants are approved without a human: its tokens pass only where the
    // caller opted in. Checked after the signature, before anything that depends on the claims'
    // meaning.
    if sandbox && !want.opts.sandbox_allowed() {
        return Err(reject(
            SandboxToken,
            "this is a sandbox token (approved without a human); accept sandbox tokens explicitly \
             (allow_sandbox, or GRANTEX_ALLOW_SANDBOX_TOKENS=1 for test suites) to use it",
        ));
    }

    // Time.
    let tolerance = i64::try_from(want.opts.clock_tolerance).unwrap_or(i64::MAX);
    let now = want.now;
    check_time(
        Expired,
        now >= exp.saturating_add(tolerance),
        "grant token has expired",
    )?;
    if let Some(nbf) = nbf {
        check_time(
            NotYetValid,
            nbf > now.saturating_add(tolerance),
            "grant token is not valid yet (nbf)",
        )?;
    }
    check_time(
        IssuedInFuture,
        iat > now.saturating_add(tolerance),
        "grant token was issued in the future (iat)",
    )?;

    // Issuer, audience, scopes, depth.
    if !iss.eq_str(want.issuer) {
        return Err(reject(
            WrongIssuer,
            format!("grant token issuer is not the expected `{}`", want.issuer),
        ));
    }
    if let Some(expected) = want.opts.expected_developer_id.as_deref() {
        if !developer_id.eq_str(expected) {
            return Err(reject(
                WrongIssuer,
                format!("grant token was issued for another developer, not `{expected}`"),
            ));
        }
    }
    if let Some(expected) = want.opts.audience.as_deref() {
        if !aud.iter().any(|a| a.eq_str(expected)) {
            return Err(reject(
                WrongAudience,
                format!("grant token audience does not include `{expected}`"),
            ));
        }
    }
    check_proof(cnf, want)?;
    let missing_scopes: Vec<&str> = want
        .opts
        .required_scopes
        .iter()
        .filter(|need| !scopes.iter().any(|have| have == *need))
        .map(String::as_str)
        .collect();
    if !missing_scopes.is_empty() {
        return Err(reject(
            MissingScopes,
            format!(
                "grant token is missing required scopes: {}",
                missing_scopes.join(", ")
            ),
        ));
    }
    // After audience and scopes, as in the reference SDKs; an empty expectation matches
    // nothing.
    if let Some(expected) = want.opts.expected_principal_id.as_deref() {
        if expected.is_empty() || !sub.eq_str(expected) {
            return Err(reject(
                WrongPrincipal,
                "grant token does not belong to the authenticated principal",
            ));
        }
    }
    if let Some(expected) = want.opts.expected_agent_did.as_deref() {
        if expected.is_empty() || !agent_did.eq_str(expected) {
            return Err(reject(
                WrongAgent,
                "grant token does not belong to the expected agent",
            ));
        }
    }
    if let Some(max) = want.opts.max_delegation_depth {
        let delegation_depth = delegation_depth.unwrap_or(0);
        if delegation_depth > max {
            return Err(reject(
                DelegationTooDeep,
                format!("delegation depth {delegation_depth} exceeds the maximum {max}"),
            ));
        }
    }

    // The raw claims, only now that every check passed (and only when present).
    // One flag per name of `super::LEGACY_CLAIMS`, in its order.
    let used = [
        scp.is_some() && std_scopes.is_none(),
        agt.is_some() && grant.agent_did.is_none(),
        dev.is_some() && grant.developer_id.is_none(),
        grnt.is_some() && grant.grant_id.is_none(),
        parent_grnt.is_some() && grant.parent_grant_id.is_none(),
        depth.is_some() && grant.delegation_depth.is_none(),
        parent_agt.is_some() && !(delegated && act.is_some()),
    ];
    let legacy_claims_used: Vec<String> = super::LEGACY_CLAIMS
        .iter()
        .zip(used)
        .filter(|(_, used)| *used)
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let audience = match r.aud {
        Some(Val::Arr(_)) => Some(serde_json::Value::Array(
            aud.iter()
                .map(|a| serde_json::Value::String(a.to_owned_string()))
                .collect(),
        )),
        Some(_) => aud
            .first()
            .map(|a| serde_json::Value::String(a.to_owned_string())),
        None => None,
    };
    let act_value = match r.act {
        Some(Val::Obj(span)) => Some(raw_value(span, "act")?),
        _ => None,
    };
    Ok(VerifiedGrant {
        token_id: jti.to_owned_string(),
        grant_id: grant_id.to_owned_string(),
        principal_id: sub.to_owned_string(),
        agent_did: agent_did.to_owned_string(),
        developer_id: developer_id.to_owned_string(),
        scopes,
        issued_at: iat,
        expires_at: exp,
        client_id: client_id.map(JStr::to_owned_string),
        audience,
        issuer: iss.to_owned_string(),
        parent_agent_did: parent_agent.map(JStr::to_owned_string),
        parent_grant_id: parent_grant_id.map(JStr::to_owned_string),
        delegation_depth,
        authorization_details: authorization_details
            .map(|s| raw_value(s, "authorization_details"))
            .transpose()?,
        act: act_value,
        cnf: cnf.map(|s| raw_value(s, "cnf")).transpose()?,
        webauthn_evidence: grant.webauthn.map(webauthn_evidence).transpose()?,
        legacy_claims_used,
        budget,
    })
}
