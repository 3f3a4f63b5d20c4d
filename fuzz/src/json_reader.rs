//! The core's strict JSON reader (`grantex::verify::json`) against serde_json.
//!
//! On any UTF-8 input:
//! - accepted ⇒ serde_json accepts it with no duplicate member (unless a number is beyond f64
//!   range, which serde_json alone refuses) and both read the same tree: same member names in
//!   the same order, same strings after unescaping, same numbers;
//! - refused as a duplicate ⇒ serde_json sees a duplicate name too;
//! - refused as not JSON ⇒ serde_json refuses it too;
//! - refused as too complex ⇒ the document really is nested deeper than `MAX_DEPTH` or has an
//!   object with more than `MAX_MEMBERS` members (when serde_json can read it);
//! - the object entry point (`for_each_member`) and the any-value one (`validate`) agree.

use crate::oracle::{self, Node, Strict};
use grantex::verify::json::{self, JsonError, MAX_DEPTH, MAX_MEMBERS};

/// The target's entry point.
pub fn check(data: &[u8]) {
    let Ok(doc) = std::str::from_utf8(data) else {
        return;
    };
    check_doc(doc);
}

/// Every property above for one document.
pub fn check_doc(doc: &str) {
    let ours = oracle::ours(doc);
    let theirs = oracle::strict(doc);
    match (&ours, &theirs) {
        (Ok(a), Strict::Ok(b)) => assert!(
            a.matches(b),
            "the reader and serde_json read different values from {doc:?}:\n{a:?}\n{b:?}"
        ),
        (Ok(a), Strict::OutOfRange) => assert!(
            a.has_out_of_range(),
            "serde_json refused a number the reader read as in range: {doc:?}"
        ),
        (Ok(_), other) => {
            panic!("the reader accepted what serde_json refuses ({other:?}): {doc:?}")
        }
        (Err(JsonError::Duplicate), Strict::Duplicate | Strict::OutOfRange) => {}
        (Err(JsonError::Duplicate), other) => {
            panic!(
                "the reader found a duplicate member serde_json does not see ({other:?}): {doc:?}"
            )
        }
        (Err(JsonError::Syntax), Strict::Ok(_)) => {
            panic!("the reader refused as not JSON what serde_json reads: {doc:?}")
        }
        (Err(JsonError::Syntax), _) => {}
        (Err(JsonError::TooComplex), Strict::Ok(tree)) => assert!(
            tree.depth() > MAX_DEPTH || tree.max_members() > MAX_MEMBERS,
            "the reader called a document within its limits too complex: {doc:?}"
        ),
        (Err(JsonError::TooComplex), _) => {}
    }

    // The object entry point gives the same verdict on objects and refuses everything else.
    let as_object = json::for_each_member(doc, |_, _| Ok::<(), JsonError>(()));
    let is_object = doc
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{');
    if is_object {
        assert_eq!(
            as_object,
            ours.as_ref().map(|_| ()).map_err(|e| *e),
            "for_each_member and validate disagree on {doc:?}"
        );
    } else {
        assert_eq!(
            as_object,
            Err(JsonError::Syntax),
            "for_each_member accepted a non-object: {doc:?}"
        );
    }
    if let Ok(Node::Arr(_)) = &ours {
        let as_array = json::for_each_element(doc, |_| Ok::<(), JsonError>(()));
        assert_eq!(
            as_array,
            Ok(()),
            "for_each_element refused an array validate accepts"
        );
    }
}
