//! jwks-vectors.json: key sets and what loading them (and verifying one token against them) gives.

use crate::keys::{b64, Keys, TestKey};
use crate::model::{json_str, JwksCase, JwksVectors, Obj};
use crate::tokens::{hdr, legacy, ISSUER, NOW};
use grantex::types::Jwk;
use grantex::TokenErrorCode::{self, *};

fn jwk_text(j: &Jwk) -> String {
    jwk_obj(j).text()
}

/// The JWK as an ordered object, so members can be replaced in place.
fn jwk_obj(j: &Jwk) -> Obj {
    let mut o = Obj::new().s("kty", &j.kty);
    for (name, value) in [
        ("kid", &j.kid),
        ("alg", &j.alg),
        ("use", &j.use_),
        ("n", &j.n),
        ("e", &j.e),
    ] {
        if let Some(v) = value {
            o = o.s(name, v);
        }
    }
    o
}

/// A JWK with members replaced or added (values are raw JSON text).
fn jwk_with(j: &Jwk, extra: &[(&str, &str)]) -> String {
    extra
        .iter()
        .fold(jwk_obj(j), |o, (name, value)| o.raw(name, *value))
        .text()
}

fn set_text(keys: &[String]) -> String {
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

struct Ctx<'k> {
    k: &'k Keys,
    out: Vec<JwksCase>,
}

impl Ctx<'_> {
    fn token(&self, key: &TestKey, kid: Option<&str>) -> String {
        let header = match kid {
            Some(kid) => hdr(kid),
            None => r#"{"alg":"RS256"}"#.to_string(),
        };
        key.token(&header, &legacy().text())
    }

    fn invalid(&mut self, name: &str, description: &str, jwks: String) {
        self.out.push(JwksCase {
            name: name.into(),
            description: description.into(),
            jwks,
            expect: TokenErrorCode::InvalidJwks.as_str().into(),
            token: None,
            token_expect: None,
        });
    }

    fn loads(
        &mut self,
        name: &str,
        description: &str,
        jwks: String,
        token: String,
        outcome: Option<TokenErrorCode>,
    ) {
        self.out.push(JwksCase {
            name: name.into(),
            description: description.into(),
            jwks,
            expect: "ok".into(),
            token: Some(token),
            token_expect: Some(outcome.map_or("valid", TokenErrorCode::as_str).into()),
        });
    }
}

pub fn build(k: &Keys) -> JwksVectors {
    let mut c = Ctx { k, out: Vec::new() };
    let p = &k.primary;
    let primary = jwk_text(&p.jwk);
    let rotated = jwk_text(&k.rotated.jwk);
    let good = set_text(&[primary.clone(), rotated.clone()]);
    let tok = c.token(p, Some(&p.kid));

    c.loads(
        "good_set",
        "Two RS256 keys; a token by the first verifies.",
        good.clone(),
        tok.clone(),
        None,
    );
    c.loads(
        "minimal_members",
        "Only kty, kid, n, e: alg and use are optional.",
        set_text(&[format!(
            r#"{{"kty":"RSA","kid":"{}","n":"{}","e":"AQAB"}}"#,
            p.kid,
            p.jwk.n.as_deref().unwrap_or_default()
        )]),
        tok.clone(),
        None,
    );
    c.loads(
        "extra_top_level_members",
        "Members other than keys are ignored.",
        format!(r#"{{"issuer":"{ISSUER}","keys":[{primary}],"cache":{{"maxAge":600}}}}"#),
        tok.clone(),
        None,
    );
    c.loads(
        "unknown_kty_skipped",
        "An OKP key (unknown to RS256) is skipped; the RSA key still works.",
        set_text(&[
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"grantex-ed25519-2026-01","alg":"EdDSA","use":"sig"}"#.into(),
            primary.clone(),
        ]),
        tok.clone(),
        None,
    );
    c.loads(
        "key_ops_verify",
        "key_ops containing verify qualifies.",
        set_text(&[jwk_with(&p.jwk, &[("key_ops", r#"["verify"]"#)])]),
        tok.clone(),
        None,
    );

    // Private material anywhere refuses the whole set.
    for member in ["d", "p", "q", "dp", "dq", "qi"] {
        c.invalid(
            &format!("private_member_{member}"),
            &format!("An RSA key carrying the private member `{member}`."),
            set_text(&[jwk_with(&p.jwk, &[(member, "\"AQAB\"")]), rotated.clone()]),
        );
    }
    c.invalid(
        "private_member_oth",
        "An RSA key carrying `oth` (multi-prime private info).",
        set_text(&[jwk_with(
            &p.jwk,
            &[("oth", r#"[{"r":"AQAB","d":"AQAB","t":"AQAB"}]"#)],
        )]),
    );
    c.invalid(
        "private_symmetric_key",
        "A symmetric (oct) key with `k` next to a good RSA key.",
        set_text(&[
            r#"{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}"#.into(),
            primary.clone(),
        ]),
    );
    c.invalid(
        "private_member_on_other_kty",
        "An EC private key (d) next to a good RSA key.",
        set_text(&[
            r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI","kid":"ec"}"#.into(),
            primary.clone(),
        ]),
    );

    c.loads(
        "duplicate_kid",
        "Two different keys share one kid: that kid is ambiguous.",
        set_text(&[
            primary.clone(),
            jwk_with(&k.rotated.jwk, &[("kid", &json_str(&p.kid))]),
        ]),
        tok.clone(),
        Some(AmbiguousKid),
    );
    c.loads(
        "duplicate_kid_other_kid_usable",
        "A duplicated kid does not affect other kids.",
        set_text(&[
            jwk_with(&k.rsa3072.jwk, &[("kid", &json_str("shared"))]),
            jwk_with(&k.rsa4096.jwk, &[("kid", &json_str("shared"))]),
            primary.clone(),
        ]),
        tok.clone(),
        None,
    );
    let weak = jwk_text(&k.weak1024.jwk);
    c.loads(
        "weak_1024",
        "A 1024-bit key (the token is genuinely signed by it).",
        set_text(&[weak, primary.clone()]),
        c.token(&k.weak1024, Some(&k.weak1024.kid)),
        Some(WeakKey),
    );
    c.loads(
        "oversize_8192",
        "An 8192-bit key (over the 4096-bit policy).",
        set_text(&[jwk_text(&k.oversize8192.jwk), primary.clone()]),
        c.token(&k.oversize8192, Some(&k.oversize8192.kid)),
        Some(WeakKey),
    );
    c.loads(
        "exponent_one",
        "e = 1.",
        set_text(&[jwk_with(&p.jwk, &[("e", "\"AQ\"")])]),
        tok.clone(),
        Some(WeakKey),
    );
    c.loads(
        "exponent_even",
        "e = 65536 (even).",
        set_text(&[jwk_with(&p.jwk, &[("e", "\"AQAA\"")])]),
        tok.clone(),
        Some(WeakKey),
    );
    c.loads(
        "exponent_two",
        "e = 2.",
        set_text(&[jwk_with(&p.jwk, &[("e", "\"Ag\"")])]),
        tok.clone(),
        Some(WeakKey),
    );
    c.loads(
        "exponent_three",
        "e = 3 is allowed by policy (the token, signed with e = 65537, does not verify).",
        set_text(&[jwk_with(&p.jwk, &[("e", "\"Aw\"")])]),
        tok.clone(),
        Some(BadSignature),
    );
    let mut n_zero = vec![0u8];
    n_zero.extend(
        base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            p.jwk.n.as_deref().unwrap_or_default(),
        )
        .expect("n"),
    );
    c.loads(
        "modulus_leading_zero",
        "n with a leading zero octet (tolerated: the value, and so the size, is unchanged).",
        set_text(&[jwk_with(&p.jwk, &[("n", &json_str(&b64(&n_zero)))])]),
        tok.clone(),
        None,
    );
    let mut n_even = n_zero[1..].to_vec();
    *n_even.last_mut().expect("n") &= 0xFE;
    c.loads(
        "modulus_even",
        "n made even (no RSA modulus is): refused as a weak key, not tried.",
        set_text(&[jwk_with(&p.jwk, &[("n", &json_str(&b64(&n_even)))])]),
        tok.clone(),
        Some(WeakKey),
    );

    // Entries that do not qualify are filtered out, so their kid is unknown.
    for (name, desc, extra) in [
        ("wrong_use", "use \"enc\".", ("use", "\"enc\"")),
        ("wrong_alg_rs512", "alg \"RS512\".", ("alg", "\"RS512\"")),
        ("wrong_alg_ps256", "alg \"PS256\".", ("alg", "\"PS256\"")),
        ("wrong_alg_none", "alg \"none\".", ("alg", "\"none\"")),
        (
            "key_ops_without_verify",
            "key_ops [\"sign\"] (no verify).",
            ("key_ops", r#"["sign","encrypt"]"#),
        ),
        ("wrong_kty", "kty \"EC\" on RSA members.", ("kty", "\"EC\"")),
    ] {
        c.loads(
            name,
            &format!("A key with {desc} is not an RS256 verification key: its kid is unknown."),
            set_text(&[jwk_with(&p.jwk, &[extra]), rotated.clone()]),
            tok.clone(),
            Some(UnknownKid),
        );
    }

    let no_kid = jwk_text(&Jwk {
        kid: None,
        ..p.jwk.clone()
    });
    c.loads(
        "no_kid_in_set_token_kid",
        "The only key has no kid; a token with a kid finds none.",
        set_text(std::slice::from_ref(&no_kid)),
        tok.clone(),
        Some(UnknownKid),
    );
    c.loads(
        "no_kid_in_set_token_no_kid",
        "The only key has no kid; a token without kid uses it.",
        set_text(&[no_kid]),
        c.token(p, None),
        None,
    );

    let filler = |i: usize| {
        jwk_with(
            &k.rotated.jwk,
            &[("kid", &json_str(&format!("filler-{i:03}")))],
        )
    };
    let mut max: Vec<String> = (0..127).map(filler).collect();
    max.push(primary.clone());
    c.loads(
        "max_keys_128",
        "Exactly 128 keys is allowed.",
        set_text(&max),
        tok.clone(),
        None,
    );
    let mut over: Vec<String> = (0..128).map(filler).collect();
    over.push(primary.clone());
    c.invalid(
        "too_many_keys_129",
        "129 keys is over the limit of 128.",
        set_text(&over),
    );

    c.invalid(
        "invalid_json",
        "Not JSON.",
        format!("{{\"keys\":[{primary}]"),
    );
    c.invalid(
        "not_an_object",
        "The document is an array.",
        format!("[{primary}]"),
    );
    c.invalid("keys_missing", "No keys member.", r#"{"jwks":[]}"#.into());
    c.invalid(
        "keys_not_array",
        "keys is an object.",
        format!(r#"{{"keys":{primary}}}"#),
    );
    c.invalid(
        "keys_empty",
        "An empty keys array has no usable key.",
        r#"{"keys":[]}"#.into(),
    );
    c.invalid(
        "key_not_object",
        "A key that is a string.",
        set_text(&["\"RSA\"".into(), primary.clone()]),
    );
    c.invalid("only_non_rsa_keys", "Only an OKP key: no RS256 key at all.", set_text(&[r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"ed"}"#.into()]));
    c.invalid(
        "duplicate_member_top",
        "keys twice at the top level.",
        format!(r#"{{"keys":[{primary}],"keys":[{rotated}]}}"#),
    );
    c.invalid(
        "duplicate_member_in_key",
        "n twice inside a key.",
        set_text(&[jwk_with(&p.jwk, &[]).replacen(
            '{',
            &format!(
                "{{\"n\":{},",
                json_str(k.rotated.jwk.n.as_deref().unwrap_or_default())
            ),
            1,
        )]),
    );
    c.invalid(
        "modulus_padded",
        "n with base64 padding.",
        set_text(&[jwk_with(
            &p.jwk,
            &[(
                "n",
                &json_str(&format!("{}==", p.jwk.n.as_deref().unwrap_or_default())),
            )],
        )]),
    );
    c.invalid(
        "modulus_std_alphabet",
        "n in the standard base64 alphabet.",
        set_text(&[jwk_with(
            &p.jwk,
            &[(
                "n",
                &json_str(
                    &p.jwk
                        .n
                        .as_deref()
                        .unwrap_or_default()
                        .replace('-', "+")
                        .replace('_', "/"),
                ),
            )],
        )]),
    );
    c.invalid(
        "modulus_missing",
        "An RSA key without n.",
        set_text(&[format!(r#"{{"kty":"RSA","kid":"{}","e":"AQAB"}}"#, p.kid)]),
    );
    c.invalid(
        "modulus_not_string",
        "n as a number.",
        set_text(&[jwk_with(&p.jwk, &[("n", "12345")])]),
    );
    c.invalid(
        "kid_not_string",
        "kid as a number.",
        set_text(&[jwk_with(&p.jwk, &[("kid", "7")])]),
    );
    c.loads(
        "malformed_other_kty_skipped",
        "An EC entry with a non-string alg beside the RSA key: ignored (RFC 7517 §5), the RSA key works.",
        set_text(&[
            r#"{"kty":"EC","alg":5,"kid":"ec-odd"}"#.into(),
            primary.clone(),
        ]),
        tok.clone(),
        None,
    );
    c.loads(
        "kty_missing_skipped_beside_rsa",
        "An entry without kty beside the RSA key: ignored, the RSA key works.",
        set_text(&[r#"{"kid":"no-kty","x":"1"}"#.into(), primary.clone()]),
        tok.clone(),
        None,
    );
    c.invalid(
        "kty_missing",
        "A key without kty (and so no RS256 key in the set).",
        set_text(&[format!(
            r#"{{"kid":"{}","n":"{}","e":"AQAB"}}"#,
            p.kid,
            p.jwk.n.as_deref().unwrap_or_default()
        )]),
    );
    c.invalid(
        "key_ops_not_array",
        "key_ops as a string.",
        set_text(&[jwk_with(&p.jwk, &[("key_ops", "\"verify\"")])]),
    );
    c.invalid(
        "use_not_string",
        "use as an array.",
        set_text(&[jwk_with(&p.jwk, &[("use", r#"["sig"]"#)])]),
    );

    assert!(c.out.iter().all(|case| !case.jwks.is_empty()));
    let _ = c.k;
    JwksVectors {
        description:
            "Key-set vectors. Load `jwks` (text, parsed strictly); `expect` is `ok` or \
            `invalid_jwks`. When it loads, verify `token` with the clock at `now` and issuer \
            `issuer`; `tokenExpect` is `valid` or the TokenErrorCode string. See vectors/README.md.",
        now: NOW,
        issuer: ISSUER.into(),
        cases: c.out,
    }
}
