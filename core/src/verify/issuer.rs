//! The issuer a JWKS URI implies when the caller names none (the reference SDKs' rule; the cases
//! are in `vectors/issuer-vectors.json`).

const JWKS_SUFFIX: &str = "/.well-known/jwks.json";

/// Expected `iss` for a JWKS URI: the hosted Grantex JWKS
/// (`https://api.grantex.dev/.well-known/jwks.json`, trailing `/` ignored) gives
/// `https://grantex.dev`; any other URI gives its origin plus path, with a trailing
/// `/.well-known/jwks.json` removed and then a trailing `/` dropped. Query and fragment are
/// ignored; host case and default ports are normalised as URL parsing does.
pub fn derive_issuer(jwks_uri: &str) -> String {
    let (origin, path) = match url::Url::parse(jwks_uri) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => {
            (u.origin().ascii_serialization(), u.path().to_owned())
        }
        _ => split_raw(jwks_uri),
    };
    let path = path.strip_suffix('/').unwrap_or(&path);
    if origin == "https://api.grantex.dev" && path == JWKS_SUFFIX {
        return "https://grantex.dev".to_owned();
    }
    let path = path.strip_suffix(JWKS_SUFFIX).unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    format!("{origin}{path}")
}

/// Best effort for strings that are not http(s) URLs: everything before the path is the origin.
fn split_raw(uri: &str) -> (String, String) {
    let uri = uri.split(['?', '#']).next().unwrap_or("");
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    match uri[after_scheme..].find('/') {
        Some(i) => (
            uri[..after_scheme + i].to_owned(),
            uri[after_scheme + i..].to_owned(),
        ),
        None => (uri.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::derive_issuer;

    #[test]
    fn derives_issuers() {
        for (uri, want) in [
            (
                "https://api.grantex.dev/.well-known/jwks.json",
                "https://grantex.dev",
            ),
            (
                "https://api.grantex.dev/.well-known/jwks.json/",
                "https://grantex.dev",
            ),
            (
                "https://API.grantex.dev:443/.well-known/jwks.json",
                "https://grantex.dev",
            ),
            (
                "http://api.grantex.dev/.well-known/jwks.json",
                "http://api.grantex.dev",
            ),
            (
                "http://127.0.0.1:8080/.well-known/jwks.json",
                "http://127.0.0.1:8080",
            ),
            (
                "https://auth.example.com/tenant/a/.well-known/jwks.json",
                "https://auth.example.com/tenant/a",
            ),
            (
                "https://auth.example.com/keys",
                "https://auth.example.com/keys",
            ),
            (
                "https://auth.example.com/keys/",
                "https://auth.example.com/keys",
            ),
            (
                "https://auth.example.com/.well-known/jwks.json?x=1#f",
                "https://auth.example.com",
            ),
            ("https://auth.example.com", "https://auth.example.com"),
            ("not a url/.well-known/jwks.json", "not a url"),
        ] {
            assert_eq!(derive_issuer(uri), want, "{uri}");
        }
    }
}
