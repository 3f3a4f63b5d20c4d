//! Wycheproof RSASSA-PKCS1-v1_5 SHA-256 vectors (2048, 3072, 4096 bits) through the exact key
//! construction and verification the grant-token verifier uses
//! (`grantex::verify::primitive::RsaVerifyKey`). Valid must verify, invalid must not;
//! "acceptable" may go either way and is printed.

use grantex::verify::primitive::RsaVerifyKey;
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
use wycheproof::TestResult;

fn run(name: TestName, min_tests: usize) {
    let set = TestSet::load(name).expect("wycheproof set loads");
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for group in &set.test_groups {
        let key = RsaVerifyKey::from_components(&group.key.n, &group.key.e)
            .unwrap_or_else(|e| panic!("{name:?}: group key refused by policy: {e}"));
        for test in &group.tests {
            let accepted = key.verify(&test.msg, &test.sig);
            checked += 1;
            match test.result {
                TestResult::Valid if !accepted => disagreements.push(format!(
                    "tc {} (valid) rejected: {}",
                    test.tc_id, test.comment
                )),
                TestResult::Invalid if accepted => disagreements.push(format!(
                    "tc {} (invalid, flags {:?}) accepted: {}",
                    test.tc_id, test.flags, test.comment
                )),
                TestResult::Acceptable => println!(
                    "{name:?} tc {} (acceptable, flags {:?}, {}): {}",
                    test.tc_id,
                    test.flags,
                    test.comment,
                    if accepted { "accepted" } else { "rejected" }
                ),
                _ => {}
            }
        }
    }
    assert!(checked >= min_tests, "{name:?}: only {checked} tests ran");
    assert!(
        disagreements.is_empty(),
        "{name:?}: {} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    println!("{name:?}: {checked} tests checked, no disagreement");
}

#[test]
fn rsa_2048_sha256() {
    run(TestName::Rsa2048Sha256, 250);
}

#[test]
fn rsa_3072_sha256() {
    run(TestName::Rsa3072Sha256, 250);
}

#[test]
fn rsa_4096_sha256() {
    run(TestName::Rsa4096Sha256, 250);
}

/// The 8192-bit set exercises the size policy: its key must be refused before any verification.
#[test]
fn rsa_8192_keys_are_refused_by_policy() {
    let set = TestSet::load(TestName::Rsa8192Sha256).expect("wycheproof set loads");
    for group in &set.test_groups {
        let err = RsaVerifyKey::from_components(&group.key.n, &group.key.e).unwrap_err();
        assert_eq!(
            err,
            grantex::verify::primitive::KeyRejection::ModulusSize(8192)
        );
    }
}
