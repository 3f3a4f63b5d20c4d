//! Path parameters: every id is one percent-encoded path segment, checked before any request.

use crate::error::{Error, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything except RFC 3986 unreserved characters is encoded, so an id can never add a
/// segment (`/`), start a query (`?`) or fragment (`#`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encode `id` as one path segment. Empty ids and the dot segments (which URL normalisation
/// would resolve to a different route) are [`Error::InvalidArgument`].
pub(crate) fn segment(id: &str, what: &str) -> Result<String> {
    if id.is_empty() {
        return Err(Error::invalid(format!("{what} must not be empty")));
    }
    if id == "." || id == ".." {
        return Err(Error::invalid(format!("{what} must not be {id:?}")));
    }
    Ok(utf8_percent_encode(id, SEGMENT).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(segment("ag_01J-x.y~z", "id").unwrap(), "ag_01J-x.y~z");
        assert_eq!(
            segment("a b/c?d#e%f", "id").unwrap(),
            "a%20b%2Fc%3Fd%23e%25f"
        );
        assert_eq!(segment("é", "id").unwrap(), "%C3%A9");
        assert_eq!(segment("...", "id").unwrap(), "...");
        for bad in ["", ".", ".."] {
            assert!(matches!(
                segment(bad, "id"),
                Err(Error::InvalidArgument { .. })
            ));
        }
    }
}
