//! `did:web` issuers: where a DID's key set lives and which issuer it names.
//!
//! did:web Method Specification §2.3: the method-specific identifier is a fully qualified domain
//! name (never an IP address), an optional port whose colon is percent-encoded (`%3A`), and
//! optional path segments delimited by `:`. §2.5.2: `:` becomes `/` and the port's colon is
//! decoded. The key set is read from `/.well-known/jwks.json` under that location (as the
//! reference SDKs do), and the location itself is the expected issuer.
//!
//! The DID decides whose keys are trusted, so everything the method does not allow, and every
//! host that names this machine or a private network (`localhost`, `.local`, `.home.arpa`,
//! `.internal`), is refused before anything is fetched. DID syntax has no Unicode: an
//! internationalized domain is written in its `xn--` form, any other non-ASCII character is
//! refused rather than mapped (a mapped name would fetch from a host the DID does not spell).
//!
//! Development: with [`ALLOW_LOCALHOST_ENV`] set to `1`, the host `localhost` (exactly, with any
//! port and path) resolves to `http://localhost…`, so a local server can stand in for a DID's
//! host. Nothing else is relaxed.

/// The environment variable that lets `did:web:localhost…` resolve to `http://localhost…`
/// (`1`; development and test suites only).
pub const ALLOW_LOCALHOST_ENV: &str = "GRANTEX_DID_WEB_ALLOW_LOCALHOST";

const PREFIX: &str = "did:web:";

/// Names that only mean something on this machine or its network: localhost (RFC 6761 §6.3),
/// `.local` (RFC 6762 §3), `.home.arpa` (RFC 8375 §3), `.internal` (reserved for private use).
const LOCAL_ONLY: [&str; 4] = ["localhost", "local", "home.arpa", "internal"];

/// The DID's JWKS URI and expected issuer, or why the DID cannot be used.
pub fn resolve(did: &str) -> Result<(String, String), String> {
    let id = did
        .strip_prefix(PREFIX)
        .ok_or("it must be a did:web identifier")?;
    if !id.is_ascii() {
        return Err(
            "a DID is written in ASCII; give an internationalized domain name in its \
                    A-label (xn--) form"
                .into(),
        );
    }
    let lower = id.to_ascii_lowercase();
    if id.contains('@') || lower.contains("%40") {
        return Err("a did:web identifier carries no user information".into());
    }
    let mut parts = id.split(':');
    let mut host = parts.next().unwrap_or_default();
    if host.starts_with('[') || lower.starts_with("%5b") {
        return Err("the host must be a domain name, not an IP address".into());
    }
    let mut port = None;
    if let Some(at) = host.to_ascii_lowercase().find("%3a") {
        let p = &host[at + 3..];
        host = &host[..at];
        let valid = !p.is_empty()
            && p.len() <= 5
            && !p.starts_with('0')
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !valid {
            return Err(format!("the port `{p}` must be a number from 1 to 65535"));
        }
        port = Some(p);
    }
    let labels: Vec<&str> = host.split('.').collect();
    if host.len() > 253 || !labels.iter().all(|l| dns_label(l)) {
        return Err(format!("the host `{host}` is not a valid domain name"));
    }
    if labels.last().is_some_and(|l| numeric_label(l)) {
        return Err("the host must be a domain name, not an IP address".into());
    }
    let lowered = host.to_ascii_lowercase();
    let dev_localhost =
        lowered == "localhost" && std::env::var(ALLOW_LOCALHOST_ENV).is_ok_and(|v| v == "1");
    if !dev_localhost {
        if LOCAL_ONLY
            .iter()
            .any(|n| lowered == *n || lowered.ends_with(&format!(".{n}")))
        {
            return Err(format!(
                "the host `{host}` is local to a machine or private network"
            ));
        }
        if labels.len() < 2 {
            return Err(format!(
                "the host `{host}` must be a fully qualified domain name"
            ));
        }
    }
    let mut base = format!("{}://{host}", if dev_localhost { "http" } else { "https" });
    if let Some(p) = port {
        base.push(':');
        base.push_str(p);
    }
    for segment in parts {
        let allowed = !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !allowed || segment == "." || segment == ".." {
            return Err(format!("the path segment `{segment}` is not allowed"));
        }
        base.push('/');
        base.push_str(segment);
    }
    Ok((format!("{base}/.well-known/jwks.json"), base))
}

/// An LDH label of 1–63 characters that neither starts nor ends with `-`.
fn dns_label(l: &str) -> bool {
    let b = l.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// A last label that a URL parser reads as a number, making the host an IPv4 address (WHATWG
/// URL "ends in a number": `127.1`, `0x7f.0.0.1`).
fn numeric_label(l: &str) -> bool {
    l.bytes().all(|b| b.is_ascii_digit())
        || (l.len() >= 2
            && l[..2].eq_ignore_ascii_case("0x")
            && l[2..].bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_ports_and_paths_resolve() {
        assert_eq!(
            resolve("did:web:example.com").unwrap(),
            (
                "https://example.com/.well-known/jwks.json".into(),
                "https://example.com".into()
            )
        );
        assert_eq!(
            resolve("did:web:auth.example.com%3A8443:tenants:acme").unwrap(),
            (
                "https://auth.example.com:8443/tenants/acme/.well-known/jwks.json".into(),
                "https://auth.example.com:8443/tenants/acme".into()
            )
        );
        assert_eq!(
            resolve("did:web:xn--bcher-kva.example").unwrap().1,
            "https://xn--bcher-kva.example"
        );
    }

    #[test]
    fn what_the_method_forbids_or_names_a_private_host_is_refused() {
        for bad in [
            "did:key:z6Mk",
            "did:web:",
            "did:web:bücher.example",
            "did:web:user@example.com",
            "did:web:user%40example.com",
            "did:web:[::1]",
            "did:web:%5B::1%5D",
            "did:web:127.0.0.1",
            "did:web:example.0x7f",
            "did:web:example.com%3A0",
            "did:web:example.com%3A65536",
            "did:web:example.com%3A08",
            "did:web:example.com%3A",
            "did:web:localhost",
            "did:web:printer.local",
            "did:web:router.home.arpa",
            "did:web:corp.internal",
            "did:web:intranet",
            "did:web:-bad.example",
            "did:web:example.com:..",
            "did:web:example.com:a%2Fb",
            "did:web:example.com::x",
        ] {
            assert!(resolve(bad).is_err(), "{bad}");
        }
    }
}
