//! `Authorization: Bearer <token>` parsing (RFC 6750 §2.1): the scheme is case-insensitive,
//! then exactly one space, then exactly one token68 credential.

/// Why an `Authorization` header value gave no token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerError {
    /// No `Authorization` header at all.
    Missing,
    /// A header that is not `Bearer <token68>`.
    Invalid,
}

/// The bearer token in an `Authorization` header value.
pub fn parse_bearer(header: Option<&str>) -> Result<&str, BearerError> {
    let value = header.ok_or(BearerError::Missing)?;
    let (scheme, token) = value.split_once(' ').ok_or(BearerError::Invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !is_token68(token) {
        return Err(BearerError::Invalid);
    }
    Ok(token)
}

/// `token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` (RFC 7235).
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_case_of_the_scheme() {
        for h in [
            "Bearer a.b.c",
            "bearer a.b.c",
            "BEARER a.b.c",
            "bEaReR a.b.c",
        ] {
            assert_eq!(parse_bearer(Some(h)), Ok("a.b.c"), "{h}");
        }
        assert_eq!(parse_bearer(Some("Bearer abc==")), Ok("abc=="));
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(parse_bearer(None), Err(BearerError::Missing));
        for h in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer  a.b.c",
            "Bearer a.b.c ",
            " Bearer a.b.c",
            "Bearer a.b.c d",
            "Bearer\ta.b.c",
            "Basic dXNlcjpwdw==",
            "Bearerx a.b.c",
            "Bearer a\u{e9}b",
            "Bearer ==",
            "Bearer a=b",
            "Token a.b.c",
        ] {
            assert_eq!(parse_bearer(Some(h)), Err(BearerError::Invalid), "{h:?}");
        }
    }
}
