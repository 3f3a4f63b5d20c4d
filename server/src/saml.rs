//! SAML 2.0 service provider: SP-initiated login only.
//!
//! [`authn_request`] makes the HTTP-Redirect binding URL of an `AuthnRequest`;
//! [`verify_response`] checks the `SAMLResponse` the IdP POSTs back to the ACS (HTTP-POST
//! binding) and returns who signed in. XML signatures are verified by libxmlsec1 through samael
//! (no canonicalisation or signature code here), with the configured IdP certificate as the only
//! key: a certificate in the message's `KeyInfo` is never used. samael then reduces the document
//! to what the signatures cover (`ReduceMode::ValidateAndMarkNoAncestors`), and every value this
//! module accepts is read from that signed content only.
//!
//! Before the signature is checked, a namespace-aware scan of the raw document refuses what it
//! can without trusting it (it may only refuse, never accept): no DTD, bounded size and depth,
//! a `samlp:Response` root, exactly one `saml:Assertion` and no `EncryptedAssertion`, RSA-SHA256
//! or stronger (SHA-1 refused), same-document references and the usual transforms only.
//!
//! Not supported (refused): encrypted assertions, IdP-initiated login (a response must answer a
//! request of ours), more than one assertion. Single logout is not implemented.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use base64::Engine as _;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use samael::crypto::{
    AllowedSignatureAlgorithm, CertificateDer, Crypto, CryptoProvider, ReduceMode,
};
use samael::schema::{Assertion, Issuer, NameIdPolicy, Response};

/// The largest decoded `SAMLResponse` accepted.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Clock skew allowed on every time check (NotBefore, NotOnOrAfter, IssueInstant).
pub const CLOCK_SKEW_MS: i64 = 60_000;
/// The smallest IdP RSA key accepted.
pub const MIN_RSA_BITS: u32 = 2048;
/// RelayState is at most 80 bytes (SAML 2.0 bindings, 3.4.3).
pub const MAX_RELAY_STATE_BYTES: usize = 80;
/// The deepest element nesting accepted (a SAML response is about 8 deep).
const MAX_DEPTH: usize = 64;

const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

const ALLOWED_ALGORITHMS: [AllowedSignatureAlgorithm; 3] = [
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
];
/// Transforms and canonicalisation methods a SAML signature uses (no XPath, no XSLT).
const ALLOWED_TRANSFORMS: [&str; 7] = [
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
];

const EMAIL_ATTRIBUTES: [&str; 5] = [
    "email",
    "mail",
    "emailaddress",
    "urn:oid:0.9.2342.19200300.100.1.3",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
];
const NAME_ATTRIBUTES: [&str; 4] = [
    "displayName",
    "name",
    "urn:oid:2.16.840.1.113730.3.1.241",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
];
/// Group attributes read when the connection names none.
const DEFAULT_GROUP_ATTRIBUTES: [&str; 4] = [
    "groups",
    "group",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/group",
];

/// One SAML connection as the service provider sees it.
#[derive(Debug, Clone, Copy)]
pub struct SpSettings<'a> {
    /// Our entity ID: the audience the assertion must name, and the AuthnRequest's Issuer.
    pub sp_entity_id: &'a str,
    /// Our Assertion Consumer Service URL (HTTP-POST): Destination and Recipient must equal it.
    pub acs_url: &'a str,
    /// The IdP's entity ID: the Issuer of the response and assertion.
    pub idp_entity_id: &'a str,
    /// The IdP's single sign-on URL (HTTP-Redirect binding).
    pub idp_sso_url: &'a str,
    /// The IdP's signing certificate, PEM (or its bare base64 DER body).
    pub idp_certificate_pem: &'a str,
    /// The attribute holding the user's groups; `None` reads the common names (`groups`, …).
    pub group_attribute: Option<&'a str>,
}

/// An SP-initiated login: redirect the browser to `redirect_url`, keep `id` with the pending
/// login (it is the `expected_request_id` of [`verify_response`]).
#[derive(Debug, Clone)]
pub struct AuthnRequest {
    pub id: String,
    /// The IdP's SSO URL with `SAMLRequest` (deflated, base64) and `RelayState` when not empty.
    pub redirect_url: String,
}

/// Who signed in, read from the signed assertion only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlIdentity {
    pub name_id: String,
    /// The NameID when its format is emailAddress, else the first email attribute.
    pub email: Option<String>,
    pub name: Option<String>,
    pub groups: Vec<String>,
    /// The assertion's ID: the caller stores it until `expires_at_ms` and refuses a second use.
    pub assertion_id: String,
    /// After this instant (ms since the epoch) [`verify_response`] refuses this assertion anyway
    /// (the earliest NotOnOrAfter it carries, plus the clock skew).
    pub expires_at_ms: i64,
}

/// A refusal: a stable machine [`code`](SamlError::code) and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlError {
    code: &'static str,
    message: String,
}

impl SamlError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        SamlError {
            code,
            message: message.into(),
        }
    }

    /// One of: `invalid_settings`, `invalid_certificate`, `relay_state_too_long`,
    /// `response_too_large`, `malformed_base64`, `malformed_xml`, `not_a_response`,
    /// `status_not_success`, `encrypted_assertion_unsupported`, `assertion_count`, `unsigned`,
    /// `signature_algorithm`, `signature_unsupported`, `signature_invalid`, `signed_content`,
    /// `destination_mismatch`, `issuer_mismatch`, `audience_mismatch`, `recipient_mismatch`,
    /// `in_response_to_mismatch`, `expired`, `not_yet_valid`, `subject_missing`, `internal`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SAML {}: {}", self.code, self.message)
    }
}

impl std::error::Error for SamlError {}

/// Runs `f`, turning a panic anywhere below (samael, its FFI wrappers) into an `internal` error.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, SamlError>) -> Result<T, SamlError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(SamlError::new(
            "internal",
            format!("{what} failed unexpectedly"),
        ))
    })
}

/// Checks a connection's settings: the certificate parses (PEM X.509, RSA ≥ 2048 bits), the
/// entity IDs are not empty and the ACS and SSO URLs are absolute http(s) URLs.
pub fn check_settings(sp: &SpSettings) -> Result<(), SamlError> {
    guarded("checking the settings", || {
        check_urls(sp)?;
        idp_certificate_der(sp.idp_certificate_pem).map(|_| ())
    })
}

fn check_urls(sp: &SpSettings) -> Result<(), SamlError> {
    for (what, v) in [
        ("sp_entity_id", sp.sp_entity_id),
        ("idp_entity_id", sp.idp_entity_id),
    ] {
        if v.trim().is_empty() || v.trim() != v || v.len() > 1024 {
            return Err(SamlError::new(
                "invalid_settings",
                format!("{what} must be a non-empty URI without surrounding spaces"),
            ));
        }
    }
    for (what, v) in [("acs_url", sp.acs_url), ("idp_sso_url", sp.idp_sso_url)] {
        let ok = v.len() <= 2048
            && url::Url::parse(v).is_ok_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| !h.is_empty())
            });
        if !ok {
            return Err(SamlError::new(
                "invalid_settings",
                format!("{what} must be an absolute http(s) URL"),
            ));
        }
    }
    if let Some(g) = sp.group_attribute {
        if g.trim().is_empty() {
            return Err(SamlError::new(
                "invalid_settings",
                "group_attribute must not be empty when set",
            ));
        }
    }
    Ok(())
}

/// The IdP certificate as DER, refusing anything but an X.509 certificate with an RSA key of
/// at least [`MIN_RSA_BITS`].
fn idp_certificate_der(pem: &str) -> Result<CertificateDer, SamlError> {
    let bad = |m: &str| SamlError::new("invalid_certificate", m.to_string());
    let pem = pem.trim();
    if pem.is_empty() || pem.len() > 64 * 1024 {
        return Err(bad("idp_certificate must be a PEM X.509 certificate"));
    }
    let cert = if pem.contains("-----BEGIN") {
        openssl::x509::X509::from_pem(pem.as_bytes())
    } else {
        let body: String = pem.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| bad("idp_certificate is neither PEM nor base64 DER"))?;
        openssl::x509::X509::from_der(&der)
    }
    .map_err(|_| bad("idp_certificate does not parse as an X.509 certificate"))?;
    let key = cert
        .public_key()
        .map_err(|_| bad("idp_certificate's public key does not parse"))?;
    let rsa = key
        .rsa()
        .map_err(|_| bad("idp_certificate must hold an RSA key (RSA-SHA256 signatures)"))?;
    let bits = rsa.n().num_bits();
    if bits < MIN_RSA_BITS as i32 {
        return Err(bad(&format!(
            "idp_certificate's RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        )));
    }
    let der = cert
        .to_der()
        .map_err(|_| bad("idp_certificate could not be re-encoded"))?;
    Ok(CertificateDer::from(der))
}

/// Makes an SP-initiated `AuthnRequest` (HTTP-Redirect binding, unsigned) asking for the
/// response on our ACS by HTTP-POST.
pub fn authn_request(
    sp: &SpSettings,
    relay_state: &str,
    now_ms: i64,
) -> Result<AuthnRequest, SamlError> {
    guarded("making the AuthnRequest", || {
        check_urls(sp)?;
        if relay_state.len() > MAX_RELAY_STATE_BYTES {
            return Err(SamlError::new(
                "relay_state_too_long",
                format!("RelayState is limited to {MAX_RELAY_STATE_BYTES} bytes"),
            ));
        }
        let issue_instant = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms)
            .ok_or_else(|| SamlError::new("internal", "the clock is out of range"))?;
        let id = format!("_{}", uuid::Uuid::new_v4().simple());
        let request = samael::schema::AuthnRequest {
            id: id.clone(),
            version: "2.0".to_string(),
            issue_instant,
            destination: Some(sp.idp_sso_url.to_string()),
            issuer: Some(Issuer {
                format: Some(NAMEID_ENTITY.to_string()),
                value: Some(sp.sp_entity_id.to_string()),
                ..Issuer::default()
            }),
            name_id_policy: Some(NameIdPolicy {
                allow_create: Some(true),
                ..NameIdPolicy::default()
            }),
            assertion_consumer_service_url: Some(sp.acs_url.to_string()),
            protocol_binding: Some(BINDING_HTTP_POST.to_string()),
            ..samael::schema::AuthnRequest::default()
        };
        let url = request
            .redirect(relay_state)
            .map_err(|e| SamlError::new("internal", format!("encoding the AuthnRequest: {e}")))?
            .ok_or_else(|| SamlError::new("internal", "the AuthnRequest has no destination"))?;
        Ok(AuthnRequest {
            id,
            redirect_url: url.to_string(),
        })
    })
}

/// Verifies the base64 `SAMLResponse` POSTed to the ACS, answering the `AuthnRequest` whose id
/// is `expected_request_id`, at `now_ms` (ms since the epoch).
///
/// Checked: status Success; an RSA-SHA256 (or stronger) XML signature by the configured IdP
/// certificate on the Assertion or on the Response enveloping it, and only signed content read;
/// Issuer = idp_entity_id; AudienceRestriction names sp_entity_id; a bearer
/// SubjectConfirmationData with Recipient = acs_url, InResponseTo = expected_request_id and
/// NotOnOrAfter in the future; Conditions NotBefore/NotOnOrAfter; Destination (when present) =
/// acs_url; one assertion, not encrypted. Every time check allows [`CLOCK_SKEW_MS`].
///
/// The caller stores `assertion_id` until `expires_at_ms` and refuses a second use (replay).
pub fn verify_response(
    sp: &SpSettings,
    saml_response_b64: &str,
    expected_request_id: &str,
    now_ms: i64,
) -> Result<SamlIdentity, SamlError> {
    guarded("verifying the SAML response", || {
        check_urls(sp)?;
        let cert = idp_certificate_der(sp.idp_certificate_pem)?;
        let xml = decode(saml_response_b64)?;
        precheck(&scan(&xml)?, sp)?;
        verify_signed(sp, &cert, &xml, expected_request_id, now_ms)
    })
}

fn decode(b64: &str) -> Result<String, SamlError> {
    // Base64 of MAX_RESPONSE_BYTES, with room for line breaks.
    if b64.len() > MAX_RESPONSE_BYTES / 3 * 4 + MAX_RESPONSE_BYTES / 32 + 16 {
        return Err(SamlError::new(
            "response_too_large",
            format!("the SAMLResponse exceeds {MAX_RESPONSE_BYTES} bytes"),
        ));
    }
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| SamlError::new("malformed_base64", "the SAMLResponse is not valid base64"))?;
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(SamlError::new(
            "response_too_large",
            format!("the SAMLResponse exceeds {MAX_RESPONSE_BYTES} bytes"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| SamlError::new("malformed_xml", "the SAMLResponse is not UTF-8 text"))
}

/// What the raw (not yet trusted) document says; used only to refuse.
#[derive(Debug, Default)]
struct Scan {
    root_is_response: bool,
    destination: Option<String>,
    status_code: Option<String>,
    assertions: usize,
    encrypted_assertions: usize,
    signatures: usize,
    /// SignatureMethod and DigestMethod algorithms.
    algorithms: Vec<(&'static str, String)>,
    /// Problems with the signature's form (external references, unusual transforms, …).
    unsupported: Option<String>,
}

fn ns_is(ns: &ResolveResult, want: &str) -> bool {
    matches!(ns, ResolveResult::Bound(n) if n.as_ref() == want.as_bytes())
}

fn attr(e: &BytesStart, name: &str) -> Result<Option<String>, SamlError> {
    let malformed = || SamlError::new("malformed_xml", "an attribute does not parse");
    match e.try_get_attribute(name).map_err(|_| malformed())? {
        Some(a) => Ok(Some(
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|_| malformed())?
                .into_owned(),
        )),
        None => Ok(None),
    }
}

/// A namespace-aware pass over the raw XML: well-formedness (one root, closed elements), no
/// DTD, bounded depth, and the facts [`precheck`] refuses on.
fn scan(xml: &str) -> Result<Scan, SamlError> {
    let malformed = |m: String| SamlError::new("malformed_xml", m);
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut out = Scan::default();
    // (namespace is dsig/protocol/assertion, local name) of the open elements.
    let mut stack: Vec<(u8, String)> = Vec::new();
    let mut roots = 0usize;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| malformed(format!("the SAMLResponse is not well-formed XML: {e}")))?;
        let (start, empty) = match event {
            Event::Start(s) => (s, false),
            Event::Empty(s) => (s, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::DocType(_) => {
                return Err(malformed("a DTD is not accepted in a SAMLResponse".into()));
            }
            Event::Text(t) => {
                if stack.is_empty() && !t.iter().all(|b| b.is_ascii_whitespace()) {
                    return Err(malformed("text outside the root element".into()));
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let kind = if ns_is(&ns, NS_DSIG) {
            1
        } else if ns_is(&ns, NS_PROTOCOL) {
            2
        } else if ns_is(&ns, NS_ASSERTION) {
            3
        } else {
            0
        };
        let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Err(malformed("more than one root element".into()));
            }
            out.root_is_response = kind == 2 && local == "Response";
            if out.root_is_response {
                out.destination = attr(&start, "Destination")?;
            }
        }
        let parent = stack.last().map(|(k, l)| (*k, l.as_str()));
        match (kind, local.as_str()) {
            (3, "Assertion") => out.assertions += 1,
            (3, "EncryptedAssertion") => out.encrypted_assertions += 1,
            (2, "StatusCode")
                if stack.len() == 2
                    && parent == Some((2, "Status"))
                    && out.status_code.is_none() =>
            {
                out.status_code = Some(attr(&start, "Value")?.unwrap_or_default());
            }
            (1, "Signature") => {
                out.signatures += 1;
                if !matches!(parent, Some((2, "Response")) | Some((3, "Assertion"))) {
                    out.unsupported.get_or_insert_with(|| {
                        "a Signature outside a Response or Assertion".to_string()
                    });
                }
            }
            (1, "SignatureMethod") => {
                let a = attr(&start, "Algorithm")?.unwrap_or_default();
                out.algorithms.push(("SignatureMethod", a));
            }
            (1, "DigestMethod") => {
                let a = attr(&start, "Algorithm")?.unwrap_or_default();
                out.algorithms.push(("DigestMethod", a));
            }
            (1, "Reference") => match attr(&start, "URI")? {
                Some(u) if u.is_empty() || (u.starts_with('#') && !u.contains('(')) => {}
                other => {
                    out.unsupported.get_or_insert_with(|| {
                        format!("a signature Reference to {other:?} (same-document IDs only)")
                    });
                }
            },
            (1, "Transform") | (1, "CanonicalizationMethod") => {
                let a = attr(&start, "Algorithm")?.unwrap_or_default();
                if !ALLOWED_TRANSFORMS.contains(&a.as_str()) {
                    out.unsupported
                        .get_or_insert_with(|| format!("the signature transform {a:?}"));
                }
            }
            (1, "Object") | (1, "Manifest") | (1, "RetrievalMethod") => {
                out.unsupported
                    .get_or_insert_with(|| format!("a ds:{local} element in the signature"));
            }
            _ => {}
        }
        if !empty {
            stack.push((kind, local));
            if stack.len() > MAX_DEPTH {
                return Err(malformed(format!(
                    "elements nested deeper than {MAX_DEPTH}"
                )));
            }
        }
    }
    if roots == 0 {
        return Err(malformed("no root element".into()));
    }
    if !stack.is_empty() {
        return Err(malformed("the document ends inside an element".into()));
    }
    Ok(out)
}

/// Refusals decided on the raw document (never an acceptance).
fn precheck(s: &Scan, sp: &SpSettings) -> Result<(), SamlError> {
    if !s.root_is_response {
        return Err(SamlError::new(
            "not_a_response",
            "the document is not a samlp:Response",
        ));
    }
    if let Some(code) = &s.status_code {
        if code != STATUS_SUCCESS {
            return Err(SamlError::new(
                "status_not_success",
                format!("the IdP answered with status {code}"),
            ));
        }
    }
    if s.encrypted_assertions > 0 {
        return Err(SamlError::new(
            "encrypted_assertion_unsupported",
            "encrypted assertions are not supported: configure the IdP to sign, not encrypt",
        ));
    }
    if s.assertions != 1 {
        return Err(SamlError::new(
            "assertion_count",
            format!(
                "the response holds {} assertions; exactly one is accepted",
                s.assertions
            ),
        ));
    }
    if s.signatures == 0 {
        return Err(SamlError::new(
            "unsigned",
            "neither the response nor the assertion is signed",
        ));
    }
    let sig_ok: Vec<&str> = ALLOWED_ALGORITHMS
        .iter()
        .map(|a| a.signature_uri())
        .collect();
    let digest_ok: Vec<&str> = ALLOWED_ALGORITHMS.iter().map(|a| a.digest_uri()).collect();
    for (what, alg) in &s.algorithms {
        let ok = if *what == "SignatureMethod" {
            sig_ok.contains(&alg.as_str())
        } else {
            digest_ok.contains(&alg.as_str())
        };
        if !ok {
            return Err(SamlError::new(
                "signature_algorithm",
                format!("{what} {alg:?} is refused (RSA-SHA256 or stronger is required)"),
            ));
        }
    }
    if let Some(u) = &s.unsupported {
        return Err(SamlError::new(
            "signature_unsupported",
            format!("unsupported signature form: {u}"),
        ));
    }
    if let Some(d) = &s.destination {
        if d != sp.acs_url {
            return Err(SamlError::new(
                "destination_mismatch",
                format!("the response's Destination {d:?} is not our ACS URL"),
            ));
        }
    }
    Ok(())
}

/// Verifies the signatures with the IdP certificate, reduces the document to the signed content,
/// and checks and reads that content only.
fn verify_signed(
    sp: &SpSettings,
    cert: &CertificateDer,
    xml: &str,
    expected_request_id: &str,
    now_ms: i64,
) -> Result<SamlIdentity, SamlError> {
    let signed = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
        xml,
        std::slice::from_ref(cert),
        ReduceMode::ValidateAndMarkNoAncestors,
        Some(&ALLOWED_ALGORITHMS),
    )
    .map_err(|e| {
        SamlError::new(
            "signature_invalid",
            format!("the XML signature does not verify with the IdP certificate ({e})"),
        )
    })?;
    let signed_scan = scan(&signed)?;
    if signed_scan.assertions != 1 || signed_scan.encrypted_assertions != 0 {
        return Err(SamlError::new(
            "signed_content",
            "the signature covers no assertion (sign the Assertion or the Response)",
        ));
    }
    let assertion = if signed_scan.root_is_response {
        let response: Response = signed.parse().map_err(|e| {
            SamlError::new(
                "signed_content",
                format!("the signed Response does not parse: {e}"),
            )
        })?;
        check_response(sp, &response, expected_request_id)?;
        response.assertion.ok_or_else(|| {
            SamlError::new("signed_content", "the signed Response holds no assertion")
        })?
    } else {
        signed.parse::<Assertion>().map_err(|e| {
            SamlError::new(
                "signed_content",
                format!("the signed content is not an Assertion: {e}"),
            )
        })?
    };
    check_assertion(sp, &assertion, expected_request_id, now_ms)
}

fn check_response(
    sp: &SpSettings,
    response: &Response,
    expected_request_id: &str,
) -> Result<(), SamlError> {
    if let Some(d) = &response.destination {
        if d != sp.acs_url {
            return Err(SamlError::new(
                "destination_mismatch",
                format!("the response's Destination {d:?} is not our ACS URL"),
            ));
        }
    }
    if let Some(irt) = &response.in_response_to {
        if expected_request_id.is_empty() || irt != expected_request_id {
            return Err(SamlError::new(
                "in_response_to_mismatch",
                format!("the response answers request {irt:?}, not ours"),
            ));
        }
    }
    if let Some(issuer) = response.issuer.as_ref().and_then(|i| i.value.as_deref()) {
        if issuer.trim() != sp.idp_entity_id {
            return Err(SamlError::new(
                "issuer_mismatch",
                format!("the response's Issuer {issuer:?} is not the configured IdP"),
            ));
        }
    }
    let status = response
        .status
        .as_ref()
        .and_then(|s| s.status_code.value.as_deref());
    if status != Some(STATUS_SUCCESS) {
        return Err(SamlError::new(
            "status_not_success",
            format!("the IdP answered with status {status:?}"),
        ));
    }
    Ok(())
}

fn ms(t: &chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

fn fmt_ms(t: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

fn check_assertion(
    sp: &SpSettings,
    a: &Assertion,
    expected_request_id: &str,
    now_ms: i64,
) -> Result<SamlIdentity, SamlError> {
    let expired = |what: &str, t: i64| {
        SamlError::new(
            "expired",
            format!("{what} NotOnOrAfter {} has passed", fmt_ms(t)),
        )
    };
    let not_yet = |what: &str, t: i64| {
        SamlError::new(
            "not_yet_valid",
            format!("{what} is not valid before {}", fmt_ms(t)),
        )
    };
    if a.id.trim().is_empty() {
        return Err(SamlError::new("signed_content", "the assertion has no ID"));
    }
    let issuer = a.issuer.value.as_deref().unwrap_or("").trim();
    if issuer != sp.idp_entity_id {
        return Err(SamlError::new(
            "issuer_mismatch",
            format!("the assertion's Issuer {issuer:?} is not the configured IdP"),
        ));
    }
    if ms(&a.issue_instant) > now_ms.saturating_add(CLOCK_SKEW_MS) {
        return Err(not_yet(
            "the assertion (IssueInstant)",
            ms(&a.issue_instant),
        ));
    }

    // Conditions: the validity window and our audience (the Web SSO profile requires one).
    let conditions = a.conditions.as_ref();
    let mut deadline = i64::MAX;
    if let Some(c) = conditions {
        if let Some(nb) = &c.not_before {
            if now_ms.saturating_add(CLOCK_SKEW_MS) < ms(nb) {
                return Err(not_yet("the assertion (Conditions)", ms(nb)));
            }
        }
        if let Some(noa) = &c.not_on_or_after {
            if now_ms.saturating_sub(CLOCK_SKEW_MS) >= ms(noa) {
                return Err(expired("the assertion's Conditions", ms(noa)));
            }
            deadline = deadline.min(ms(noa));
        }
    }
    let audiences: Vec<&str> = conditions
        .and_then(|c| c.audience_restrictions.as_ref())
        .map(|rs| {
            rs.iter()
                .flat_map(|r| r.audience.iter().map(|s| s.trim()))
                .collect()
        })
        .unwrap_or_default();
    let restrictions = conditions
        .and_then(|c| c.audience_restrictions.as_ref())
        .map(|rs| rs.len())
        .unwrap_or(0);
    // Every AudienceRestriction must name us (they are ANDed), and there must be one.
    let all_name_us = conditions
        .and_then(|c| c.audience_restrictions.as_ref())
        .is_some_and(|rs| {
            rs.iter()
                .all(|r| r.audience.iter().any(|x| x.trim() == sp.sp_entity_id))
        });
    if restrictions == 0 || !all_name_us {
        return Err(SamlError::new(
            "audience_mismatch",
            format!(
                "the assertion's audience {audiences:?} does not include {:?}",
                sp.sp_entity_id
            ),
        ));
    }

    // Subject and a bearer confirmation meant for this login.
    let subject = a
        .subject
        .as_ref()
        .ok_or_else(|| SamlError::new("subject_missing", "the assertion has no Subject"))?;
    let name_id = subject
        .name_id
        .as_ref()
        .map(|n| (n.value.trim().to_string(), n.format.clone()))
        .filter(|(v, _)| !v.is_empty())
        .ok_or_else(|| SamlError::new("subject_missing", "the assertion has no NameID"))?;
    let bearers: Vec<_> = subject
        .subject_confirmations
        .iter()
        .flatten()
        .filter(|c| c.method.as_deref() == Some(CM_BEARER))
        .collect();
    if bearers.is_empty() {
        return Err(SamlError::new(
            "subject_missing",
            "the assertion has no bearer SubjectConfirmation",
        ));
    }
    let mut first_error = None;
    let mut confirmed_until = None;
    for c in bearers {
        let Some(d) = c.subject_confirmation_data.as_ref() else {
            first_error.get_or_insert_with(|| {
                SamlError::new("subject_missing", "a bearer confirmation has no data")
            });
            continue;
        };
        if d.recipient.as_deref().map(str::trim) != Some(sp.acs_url) {
            first_error.get_or_insert_with(|| {
                SamlError::new(
                    "recipient_mismatch",
                    format!(
                        "the assertion's Recipient {:?} is not our ACS URL",
                        d.recipient
                    ),
                )
            });
            continue;
        }
        if expected_request_id.is_empty()
            || d.in_response_to.as_deref() != Some(expected_request_id)
        {
            first_error.get_or_insert_with(|| {
                SamlError::new(
                    "in_response_to_mismatch",
                    format!(
                        "the assertion answers request {:?}, not ours (IdP-initiated login is not supported)",
                        d.in_response_to
                    ),
                )
            });
            continue;
        }
        if let Some(nb) = &d.not_before {
            if now_ms.saturating_add(CLOCK_SKEW_MS) < ms(nb) {
                first_error.get_or_insert_with(|| not_yet("the subject confirmation", ms(nb)));
                continue;
            }
        }
        let Some(noa) = &d.not_on_or_after else {
            first_error.get_or_insert_with(|| {
                SamlError::new(
                    "subject_missing",
                    "the bearer confirmation has no NotOnOrAfter",
                )
            });
            continue;
        };
        if now_ms.saturating_sub(CLOCK_SKEW_MS) >= ms(noa) {
            first_error.get_or_insert_with(|| expired("the subject confirmation", ms(noa)));
            continue;
        }
        confirmed_until = Some(ms(noa));
        break;
    }
    let Some(confirmed_until) = confirmed_until else {
        return Err(first_error.unwrap_or_else(|| {
            SamlError::new("subject_missing", "no usable bearer confirmation")
        }));
    };
    deadline = deadline.min(confirmed_until);

    // Attributes.
    let attributes: Vec<&samael::attribute::Attribute> = a
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| s.attributes.iter())
        .collect();
    let named = |a: &samael::attribute::Attribute, want: &str, exact: bool| {
        [a.name.as_deref(), a.friendly_name.as_deref()]
            .into_iter()
            .flatten()
            .any(|n| {
                if exact {
                    n == want
                } else {
                    n.eq_ignore_ascii_case(want)
                }
            })
    };
    let values = |names: &[&str], exact: bool| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for want in names {
            for a in attributes.iter().filter(|a| named(a, want, exact)) {
                for v in &a.values {
                    if let Some(v) = v.value.as_deref().map(str::trim) {
                        if !v.is_empty() && !out.iter().any(|o| o == v) {
                            out.push(v.to_string());
                        }
                    }
                }
            }
        }
        out
    };
    let (name_id, format) = name_id;
    let email = if format.as_deref() == Some(NAMEID_EMAIL) {
        Some(name_id.clone())
    } else {
        values(&EMAIL_ATTRIBUTES, false).into_iter().next()
    };
    let name = values(&NAME_ATTRIBUTES, false).into_iter().next();
    let groups = match sp.group_attribute {
        Some(g) => values(&[g], true),
        None => values(&DEFAULT_GROUP_ATTRIBUTES, false),
    };
    Ok(SamlIdentity {
        name_id,
        email,
        name,
        groups,
        assertion_id: a.id.trim().to_string(),
        expires_at_ms: deadline.saturating_add(CLOCK_SKEW_MS),
    })
}
