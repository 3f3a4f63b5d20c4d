//! Strict base64url decoding (RFC 7515 §2): URL-safe alphabet, no padding, canonical trailing
//! bits, no whitespace. Small inputs decode into a stack buffer so the hot path does not allocate.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// A decoded segment: on the stack when it fits in `N` bytes, else on the heap.
pub(crate) enum Decoded<const N: usize> {
    Stack([u8; N], usize),
    Heap(Vec<u8>),
}

impl<const N: usize> Decoded<N> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Decoded::Stack(buf, len) => &buf[..*len],
            Decoded::Heap(v) => v,
        }
    }
}

/// Decodes `input` strictly; `None` for anything that is not canonical unpadded base64url.
pub(crate) fn decode<const N: usize>(input: &str) -> Option<Decoded<N>> {
    if base64::decoded_len_estimate(input.len()) <= N {
        let mut buf = [0u8; N];
        let len = URL_SAFE_NO_PAD.decode_slice(input, &mut buf).ok()?;
        Some(Decoded::Stack(buf, len))
    } else {
        URL_SAFE_NO_PAD.decode(input).ok().map(Decoded::Heap)
    }
}

/// Decodes `input` strictly into a `Vec` (cold paths: key sets, floor setup).
pub(crate) fn decode_vec(input: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(input).ok()
}

/// Encodes without padding.
#[cfg(test)]
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Option<Vec<u8>> {
        decode::<8>(s).map(|d| d.as_slice().to_vec())
    }

    #[test]
    fn decodes_canonical_input_on_stack_and_heap() {
        assert_eq!(dec("").unwrap(), b"");
        assert_eq!(dec("YQ").unwrap(), b"a");
        assert_eq!(dec("YWI").unwrap(), b"ab");
        assert_eq!(dec("YWJj").unwrap(), b"abc");
        assert_eq!(dec("-_8").unwrap(), [0xfb, 0xff]);
        let long = encode(&[7u8; 100]);
        assert!(matches!(decode::<8>(&long), Some(Decoded::Heap(_))));
        assert_eq!(dec(&long).unwrap(), vec![7u8; 100]);
        assert!(matches!(decode::<8>("YWJj"), Some(Decoded::Stack(..))));
    }

    #[test]
    fn refuses_everything_non_canonical() {
        for bad in [
            "YQ==",       // padding
            "YWI=",       // padding
            "YQ=",        // partial padding
            "+_8",        // standard alphabet
            "-/8",        // standard alphabet
            "YR",         // non-canonical trailing bits ("YQ" is canonical)
            "YWJ",        // non-canonical trailing bits ("YWI")
            "Y",          // impossible length
            "YW Jj",      // whitespace
            "YWJj\n",     // trailing newline
            "\tYWJj",     // leading tab
            "YW.j",       // foreign character
            "YWJj\u{e9}", // non-ASCII
        ] {
            assert!(dec(bad).is_none(), "{bad:?} accepted");
            assert!(decode_vec(bad).is_none(), "{bad:?} accepted by decode_vec");
        }
    }
}
