//! The SAML service provider (`grantex_server::saml`) against a real identity provider: pysaml2's
//! IdP signing with Debian's xmlsec1 (`tests/peers/saml_idp.py`). Every refusal below uses the
//! same settings as `good_response_is_accepted`, so each one can fail.

mod common;
#[path = "peers/saml_peer.rs"]
mod peer;

use base64::Engine as _;
use grantex_server::saml::{
    authn_request, check_settings, verify_response, SamlIdentity, SpSettings, CLOCK_SKEW_MS,
    MAX_RESPONSE_BYTES,
};
use peer::{SamlPeer, IDP_ENTITY_ID, SP_ENTITY_ID};
use std::sync::OnceLock;

const ACS: &str = "https://sp.test/v1/sso/saml/acs";
const IDP_SSO: &str = "https://idp.test/sso";

fn the_peer() -> &'static SamlPeer {
    static P: OnceLock<SamlPeer> = OnceLock::new();
    P.get_or_init(|| SamlPeer::setup(&common::process_lifetime_dir("saml-peer")))
}

fn sp(cert: &str) -> SpSettings<'_> {
    SpSettings {
        sp_entity_id: SP_ENTITY_ID,
        acs_url: ACS,
        idp_entity_id: IDP_ENTITY_ID,
        idp_sso_url: IDP_SSO,
        idp_certificate_pem: cert,
        group_attribute: Some("groups"),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// An AuthnRequest of ours and the IdP's answer to it: (request id, SAMLResponse).
fn login(variant: &str, extra: &[&str]) -> (String, String) {
    let p = the_peer();
    let req = authn_request(&sp(&p.idp_cert_pem), "relay-1", now_ms()).unwrap();
    let b64 = p.response(&req.redirect_url, ACS, variant, extra);
    (req.id, b64)
}

fn verify(variant: &str) -> Result<SamlIdentity, grantex_server::saml::SamlError> {
    let (id, b64) = login(variant, &[]);
    verify_response(&sp(&the_peer().idp_cert_pem), &b64, &id, now_ms())
}

#[track_caller]
fn refused(variant: &str, code: &str) {
    match verify(variant) {
        Ok(who) => panic!("variant {variant} was accepted: {who:?}"),
        Err(e) => assert_eq!(e.code(), code, "variant {variant}: {e}"),
    }
}

fn decoded(b64: &str) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn good_response_is_accepted() {
    let t0 = now_ms();
    let (id, b64) = login("good", &[]);
    let xml = decoded(&b64);
    assert!(xml.contains("xmldsig-more#rsa-sha256"), "{xml}");
    assert_eq!(
        xml.matches("SignatureValue>").count(),
        4,
        "both signed: {xml}"
    );
    let who = verify_response(&sp(&the_peer().idp_cert_pem), &b64, &id, now_ms()).unwrap();
    assert_eq!(who.name_id, "alice@example.com");
    assert_eq!(who.email.as_deref(), Some("alice@example.com"));
    assert_eq!(who.name.as_deref(), Some("Alice Example"));
    assert_eq!(who.groups, ["admins", "developers"]);
    assert!(who.assertion_id.starts_with("id-") || !who.assertion_id.is_empty());
    assert!(xml.contains(&format!("ID=\"{}\"", who.assertion_id)));
    // pysaml2's lifetime is 15 minutes; the replay record is kept that long plus the skew.
    assert!(who.expires_at_ms > t0 + 10 * 60_000, "{who:?}");
    assert!(
        who.expires_at_ms <= now_ms() + 15 * 60_000 + CLOCK_SKEW_MS + 1_000,
        "{who:?}"
    );
}

#[test]
fn only_the_assertion_or_only_the_response_signed_is_accepted() {
    for variant in ["assertion_signed", "response_signed"] {
        let who = verify(variant).unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_eq!(who.name_id, "alice@example.com", "{variant}");
        assert_eq!(who.groups, ["admins", "developers"], "{variant}");
    }
}

#[test]
fn email_from_attributes_and_groups_from_the_configured_attribute() {
    let p = the_peer();
    let req = authn_request(&sp(&p.idp_cert_pem), "", now_ms()).unwrap();
    assert!(!req.redirect_url.contains("RelayState"));
    let b64 = p.response(
        &req.redirect_url,
        ACS,
        "good",
        &[
            "--name-id-format",
            "persistent",
            "--name-id",
            "u-12345",
            "--email",
            "bob@example.org",
            "--group-attribute",
            "memberOf",
            "--groups",
            "ops,ops,sre",
        ],
    );
    let mut s = sp(&p.idp_cert_pem);
    s.group_attribute = Some("memberOf");
    let who = verify_response(&s, &b64, &req.id, now_ms()).unwrap();
    assert_eq!(who.name_id, "u-12345");
    assert_eq!(who.email.as_deref(), Some("bob@example.org"));
    assert_eq!(who.groups, ["ops", "sre"]);
    // Another group attribute reads nothing; none configured reads the common names only.
    s.group_attribute = Some("groups");
    assert!(verify_response(&s, &b64, &req.id, now_ms())
        .unwrap()
        .groups
        .is_empty());
    s.group_attribute = None;
    assert!(verify_response(&s, &b64, &req.id, now_ms())
        .unwrap()
        .groups
        .is_empty());
    let (id, b64) = login("good", &[]);
    let who = verify_response(&s, &b64, &id, now_ms()).unwrap();
    assert_eq!(
        who.groups,
        ["admins", "developers"],
        "default names read `groups`"
    );
}

#[test]
fn unsigned_is_refused() {
    refused("unsigned", "unsigned");
}

#[test]
fn resigned_with_another_key_is_refused() {
    // The other certificate travels in KeyInfo: it must not be used.
    let (_, b64) = login("resigned", &[]);
    let other = the_peer()
        .other_cert_pem
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(
        decoded(&b64).contains(&other),
        "KeyInfo carries the other certificate"
    );
    refused("resigned", "signature_invalid");
}

#[test]
fn a_response_for_another_configured_certificate_is_refused() {
    let (id, b64) = login("good", &[]);
    let e = verify_response(&sp(&the_peer().other_cert_pem), &b64, &id, now_ms()).unwrap_err();
    assert_eq!(e.code(), "signature_invalid", "{e}");
}

#[test]
fn sha1_is_refused() {
    let (_, b64) = login("sha1", &[]);
    assert!(decoded(&b64).contains("xmldsig#rsa-sha1"));
    refused("sha1", "signature_algorithm");
}

#[test]
fn tampered_signed_content_is_refused() {
    refused("tampered", "signature_invalid");
}

#[test]
fn expired_is_refused() {
    refused("expired", "expired");
}

#[test]
fn time_window_and_clock_skew() {
    let (id, b64) = login("good", &[]);
    let cert = the_peer().idp_cert_pem.clone();
    let s = sp(&cert);
    let who = verify_response(&s, &b64, &id, now_ms()).unwrap();
    // Up to the deadline (NotOnOrAfter + skew) it is accepted; from it on, refused.
    assert!(verify_response(&s, &b64, &id, who.expires_at_ms - 1_000).is_ok());
    let e = verify_response(&s, &b64, &id, who.expires_at_ms).unwrap_err();
    assert_eq!(e.code(), "expired", "{e}");
    // Issued "in the future" beyond the skew: not yet valid.
    let e = verify_response(&s, &b64, &id, now_ms() - CLOCK_SKEW_MS - 5_000).unwrap_err();
    assert_eq!(e.code(), "not_yet_valid", "{e}");
    assert!(verify_response(&s, &b64, &id, now_ms() - CLOCK_SKEW_MS + 5_000).is_ok());
}

#[test]
fn wrong_audience_is_refused() {
    refused("wrong_audience", "audience_mismatch");
}

#[test]
fn wrong_recipient_is_refused() {
    refused("wrong_recipient", "recipient_mismatch");
}

#[test]
fn wrong_in_response_to_is_refused() {
    refused("wrong_in_response_to", "in_response_to_mismatch");
    // The good response checked against another pending request (or none: IdP-initiated).
    let (_, b64) = login("good", &[]);
    let s = sp(&the_peer().idp_cert_pem);
    for expected in ["_another-request", ""] {
        let e = verify_response(&s, &b64, expected, now_ms()).unwrap_err();
        assert_eq!(e.code(), "in_response_to_mismatch", "{expected:?}: {e}");
    }
}

#[test]
fn wrong_issuer_destination_and_status_are_refused() {
    refused("wrong_issuer", "issuer_mismatch");
    refused("wrong_destination", "destination_mismatch");
    refused("status_error", "status_not_success");
}

#[test]
fn settings_of_another_sp_are_refused() {
    let (id, b64) = login("good", &[]);
    let cert = the_peer().idp_cert_pem.clone();
    let mut s = sp(&cert);
    s.sp_entity_id = "https://other-sp.example/saml";
    assert_eq!(
        verify_response(&s, &b64, &id, now_ms()).unwrap_err().code(),
        "audience_mismatch"
    );
    let mut s = sp(&cert);
    s.idp_entity_id = "https://other-idp.example/saml";
    assert_eq!(
        verify_response(&s, &b64, &id, now_ms()).unwrap_err().code(),
        "issuer_mismatch"
    );
    let mut s = sp(&cert);
    s.acs_url = "https://sp.test/other-acs";
    assert_eq!(
        verify_response(&s, &b64, &id, now_ms()).unwrap_err().code(),
        "destination_mismatch"
    );
}

#[test]
fn signature_wrapping_is_refused() {
    // Each shape holds the genuine signed assertion and an evil unsigned one naming mallory.
    for variant in [
        "xsw_evil_first",
        "xsw_evil_last",
        "xsw_extensions",
        "xsw_object",
    ] {
        let (_, b64) = login(variant, &[]);
        let xml = decoded(&b64);
        assert!(xml.contains("mallory@evil.example"), "{variant}: {xml}");
        assert!(xml.contains("alice@example.com"), "{variant}: {xml}");
        refused(variant, "assertion_count");
    }
}

#[test]
fn a_replayed_assertion_has_a_stable_id() {
    // Replay is refused by the caller, which stores assertion_id until expires_at_ms: the same
    // response verifies to the same id, and two logins to different ids.
    let (id, b64) = login("good", &[]);
    let s = sp(&the_peer().idp_cert_pem);
    let a = verify_response(&s, &b64, &id, now_ms()).unwrap();
    let b = verify_response(&s, &b64, &id, now_ms()).unwrap();
    assert_eq!(a.assertion_id, b.assertion_id);
    let (id2, b64_2) = login("good", &[]);
    let c = verify_response(&s, &b64_2, &id2, now_ms()).unwrap();
    assert_ne!(a.assertion_id, c.assertion_id);
}

#[test]
fn garbage_is_refused_with_distinct_codes() {
    let (id, b64) = login("good", &[]);
    let cert = the_peer().idp_cert_pem.clone();
    let s = sp(&cert);
    let b64e = |x: &str| base64::engine::general_purpose::STANDARD.encode(x);
    let xml = decoded(&b64);
    let cases: Vec<(String, &str)> = vec![
        (b64[..b64.len() / 2 + 1].to_string(), "malformed_base64"),
        ("not base64 at all!".into(), "malformed_base64"),
        (String::new(), "malformed_xml"),
        (b64e("hello, world"), "malformed_xml"),
        (
            base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, 0x00, 0x3c]),
            "malformed_xml",
        ),
        (b64e(&xml[..xml.len() / 2]), "malformed_xml"),
        (b64e(&format!("{xml}<extra/>")), "malformed_xml"),
        (
            b64e(&format!(
                "<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>{}",
                xml.trim_start_matches(|c| c != '<')
            )),
            "malformed_xml",
        ),
        (
            b64e(&format!("{}{}", "<a>".repeat(200), "</a>".repeat(200))),
            "malformed_xml",
        ),
        (b64e("<r xmlns='urn:x'/>"), "not_a_response"),
        (
            b64e(&format!("<a>{}</a>", "x".repeat(MAX_RESPONSE_BYTES))),
            "response_too_large",
        ),
        ("A".repeat(MAX_RESPONSE_BYTES * 2), "response_too_large"),
    ];
    for (input, code) in cases {
        let e = verify_response(&s, &input, &id, now_ms()).unwrap_err();
        assert_eq!(e.code(), code, "{:?}: {e}", &input[..input.len().min(60)]);
    }
    // Whitespace (line-wrapped base64) is tolerated.
    let wrapped: String = b64
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert!(verify_response(&s, &wrapped, &id, now_ms()).is_ok());
}

#[test]
fn random_mutations_never_panic_nor_change_who_signed_in() {
    // A small property test: flip, drop and duplicate bytes of a good response (xorshift, fixed
    // seed). Every result is a refusal or the genuine identity, and nothing panics.
    let (id, b64) = login("good", &[]);
    let s = sp(&the_peer().idp_cert_pem);
    let good = verify_response(&s, &b64, &id, now_ms()).unwrap();
    let xml = decoded(&b64).into_bytes();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut refused) = (0, 0);
    for i in 0..300 {
        let mut m = xml.clone();
        for _ in 0..1 + next() % 3 {
            let at = (next() as usize) % m.len();
            match next() % 4 {
                0 => m[at] ^= 1 << (next() % 8),
                1 => {
                    m.remove(at);
                }
                2 => m.insert(at, m[at]),
                _ => m[at] = b"<>&\"' /=x"[(next() % 9) as usize],
            }
        }
        let input = if i % 10 == 0 {
            // Also base64 damage.
            let mut e = base64::engine::general_purpose::STANDARD.encode(&xml);
            let at = (next() as usize) % e.len();
            e.replace_range(at..at + 1, "*");
            e
        } else {
            base64::engine::general_purpose::STANDARD.encode(&m)
        };
        match verify_response(&s, &input, &id, now_ms()) {
            Ok(who) => {
                assert_eq!(who, good, "mutation {i} changed the identity");
                ok += 1;
            }
            Err(_) => refused += 1,
        }
    }
    assert!(refused > 250, "ok {ok}, refused {refused}");
}

#[test]
fn authn_request_url() {
    let cert = the_peer().idp_cert_pem.clone();
    let s = sp(&cert);
    let a = authn_request(&s, "state-123", now_ms()).unwrap();
    let b = authn_request(&s, "state-123", now_ms()).unwrap();
    assert_ne!(a.id, b.id);
    assert!(a.id.starts_with('_') && a.id.len() >= 33, "{}", a.id);
    let url = url::Url::parse(&a.redirect_url).unwrap();
    assert_eq!(&url[..url::Position::AfterPath], IDP_SSO);
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["RelayState"], "state-123");
    assert!(!q["SAMLRequest"].is_empty());
    let e = authn_request(&s, &"x".repeat(81), now_ms()).unwrap_err();
    assert_eq!(e.code(), "relay_state_too_long");
    let mut bad = sp(&cert);
    bad.idp_sso_url = "javascript:alert(1)";
    assert_eq!(
        authn_request(&bad, "", now_ms()).unwrap_err().code(),
        "invalid_settings"
    );
}

#[test]
fn settings_are_checked() {
    let p = the_peer();
    assert!(check_settings(&sp(&p.idp_cert_pem)).is_ok());
    // The bare base64 body of the PEM is accepted too.
    let body: String = p
        .idp_cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(check_settings(&sp(&body)).is_ok());
    let dir = common::process_lifetime_dir("saml-certs");
    let (_, small) = peer::make_cert(&dir, "small", &["-newkey", "rsa:1024"]);
    let (_, ec) = peer::make_cert(
        &dir,
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let small = std::fs::read_to_string(small).unwrap();
    let ec = std::fs::read_to_string(ec).unwrap();
    for cert in [
        small.as_str(),
        ec.as_str(),
        "",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        "not a certificate",
    ] {
        let e = check_settings(&sp(cert)).unwrap_err();
        assert_eq!(e.code(), "invalid_certificate", "{cert:?}: {e}");
    }
    let cert = p.idp_cert_pem.as_str();
    for (field, value) in [
        ("acs_url", "/relative/acs"),
        ("acs_url", "ftp://sp.test/acs"),
        ("idp_sso_url", "not a url"),
        ("sp_entity_id", ""),
        ("idp_entity_id", " padded "),
    ] {
        let mut s = sp(cert);
        match field {
            "acs_url" => s.acs_url = value,
            "idp_sso_url" => s.idp_sso_url = value,
            "sp_entity_id" => s.sp_entity_id = value,
            _ => s.idp_entity_id = value,
        }
        let e = check_settings(&s).unwrap_err();
        assert_eq!(e.code(), "invalid_settings", "{field}={value:?}: {e}");
    }
}

#[tokio::test]
async fn http_idp_posts_a_verifiable_response_to_the_acs() {
    let p = the_peer();
    let idp = p.serve(ACS, "good", &[]);
    let sso = idp.sso_url();
    let mut s = sp(&p.idp_cert_pem);
    s.idp_sso_url = &sso;
    let req = authn_request(&s, "relay-xyz", now_ms()).unwrap();
    let http = common::http();
    let page = http.get(&req.redirect_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let field = |name: &str| -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let at = page.find(&marker).unwrap_or_else(|| panic!("{page}")) + marker.len();
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    assert!(page.contains(&format!("action=\"{ACS}\"")), "{page}");
    assert_eq!(field("RelayState"), "relay-xyz");
    let who = verify_response(&s, &field("SAMLResponse"), &req.id, now_ms()).unwrap();
    assert_eq!(who.name_id, "alice@example.com");
    // ?variant= picks a negative case per request.
    let page = http
        .get(format!("{}&variant=unsigned", req.redirect_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"SAMLResponse\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    let b64 = &page[at..at + page[at..].find('"').unwrap()];
    assert_eq!(
        verify_response(&s, b64, &req.id, now_ms())
            .unwrap_err()
            .code(),
        "unsigned"
    );
    let md = http
        .get(format!("{}/metadata", idp.base_url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(md.contains("IDPSSODescriptor") && md.contains(&sso), "{md}");
}
