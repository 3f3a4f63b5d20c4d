//! The small grammars of manifests and grants: connector and tool names, cost units, purposes
//! and purpose patterns. Hand-written matchers (no regex engine): each is a few byte checks.
//! Every function answers `false` for malformed input, so a bad name can only ever deny.

/// Longest purpose or purpose pattern.
pub const MAX_PURPOSE_LENGTH: usize = 128;

/// The controlled purpose vocabulary (the reference SDKs' list). Private terms use
/// `x-<org>.<term>`.
pub const PURPOSE_VOCABULARY: &[&str] = &[
    "aml.cdd.onboarding",
    "aml.cdd.ongoing",
    "aml.screening",
    "procurement.vendor_onboarding",
    "payments.payout",
];

/// A connector or tool name: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// A tools-list entry of a grant: a name, or a name prefix ending in `*`.
pub fn is_tool_pattern(s: &str) -> bool {
    is_name(s.strip_suffix('*').unwrap_or(s))
}

/// A cost unit, decision or decision-field name: `[a-z][a-z0-9_]{0,63}`.
pub fn is_unit(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// `[a-z][a-z0-9_]*`
fn is_segment(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// `x-[a-z0-9]+(-[a-z0-9]+)*`
fn is_org(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("x-") else {
        return false;
    };
    !rest.is_empty()
        && rest.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A purpose (no wildcard): `seg(.seg)*` or `x-org(.seg)+`, at most 128 bytes.
pub fn is_valid_purpose(s: &str) -> bool {
    if s.len() > MAX_PURPOSE_LENGTH {
        return false;
    }
    let mut parts = s.split('.');
    let first = parts.next().unwrap_or("");
    if is_org(first) {
        let rest: Vec<&str> = parts.collect();
        !rest.is_empty() && rest.iter().all(|p| is_segment(p))
    } else {
        is_segment(first) && parts.all(is_segment)
    }
}

/// An `allowed_purposes` entry: a purpose, or `prefix.*` (for a private term, `x-org.*` too).
pub fn is_valid_purpose_pattern(s: &str) -> bool {
    if s.len() > MAX_PURPOSE_LENGTH {
        return false;
    }
    match s.strip_suffix(".*") {
        Some(prefix) => {
            let mut parts = prefix.split('.');
            let first = parts.next().unwrap_or("");
            if is_org(first) {
                parts.all(is_segment)
            } else {
                is_segment(first) && parts.all(is_segment)
            }
        }
        None => is_valid_purpose(s),
    }
}

/// A vocabulary term or a well-formed private term.
pub fn is_known_purpose(s: &str) -> bool {
    is_valid_purpose(s) && (PURPOSE_VOCABULARY.contains(&s) || s.starts_with("x-"))
}

/// Whether `purpose` matches one pattern: exactly, or for `prefix.*` by whole leading
/// segments plus at least one more (`aml.cdd.*` matches `aml.cdd.onboarding`, not `aml.cdd`
/// or `aml.cddx`).
pub fn purpose_matches(pattern: &str, purpose: &str) -> bool {
    if !is_valid_purpose(purpose) || !is_valid_purpose_pattern(pattern) {
        return false;
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => purpose.len() > prefix.len() && purpose.starts_with(prefix),
        None => purpose == pattern,
    }
}

/// The first pattern `purpose` matches.
pub fn match_purpose<'p>(patterns: &'p [String], purpose: &str) -> Option<&'p str> {
    patterns
        .iter()
        .find(|p| purpose_matches(p, purpose))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("acme_kyb") && is_name("_x") && is_name("a.b-c"));
        assert!(!is_name("") && !is_name("-a") && !is_name("a b") && !is_name(&"a".repeat(129)));
        assert!(is_tool_pattern("screen_*") && !is_tool_pattern("*"));
        assert!(is_unit("api_calls") && !is_unit("Api") && !is_unit("1x"));
    }

    #[test]
    fn purposes() {
        assert!(is_valid_purpose("aml.cdd.onboarding"));
        assert!(is_valid_purpose("x-acme.audit"));
        assert!(!is_valid_purpose("x-acme") && !is_valid_purpose("aml..cdd"));
        assert!(!is_valid_purpose("aml.*") && !is_valid_purpose("Aml"));
        assert!(is_valid_purpose_pattern("aml.cdd.*") && is_valid_purpose_pattern("x-acme.*"));
        assert!(is_valid_purpose_pattern("x-acme-eu.kyc.*"));
        assert!(!is_valid_purpose_pattern("*") && !is_valid_purpose_pattern("aml.*.x"));
        assert!(!is_valid_purpose_pattern("x-.*") && !is_valid_purpose_pattern("x-acme"));
        assert!(is_known_purpose("payments.payout") && is_known_purpose("x-acme.t"));
        assert!(!is_known_purpose("payments.refund"));
        assert!(purpose_matches("aml.cdd.*", "aml.cdd.onboarding"));
        assert!(
            !purpose_matches("aml.cdd.*", "aml.cdd") && !purpose_matches("aml.cdd.*", "aml.cddx")
        );
        assert!(purpose_matches("aml.screening", "aml.screening"));
        assert!(purpose_matches("x-acme.*", "x-acme.audit.q1"));
    }
}
