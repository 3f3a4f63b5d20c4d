#!/usr/bin/env python3
"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (Server), signing with
Debian's xmlsec1 (RSA-SHA256 / SHA-256), answering SP-initiated AuthnRequests (HTTP-Redirect
binding) with an HTTP-POST Response.

Two modes (run with the venv of scripts/lib/peer-saml.sh):

  saml_idp.py response --request-url URL [options]
      parses the AuthnRequest in URL (SAMLRequest, RelayState), prints the SAMLResponse (base64).
  saml_idp.py serve [--port 0] [options]
      an HTTP IdP on 127.0.0.1: prints `READY http://127.0.0.1:PORT` on stdout, then serves
        GET /sso?SAMLRequest=…&RelayState=…[&variant=V]   logs the configured user in and answers
            an HTML form auto-POSTing SAMLResponse and RelayState to the ACS;
        GET /metadata                                      the IdP's metadata.
      It stops when its stdin closes (or on SIGTERM).

Options: --idp-entity-id, --sp-entity-id, --acs-url, --key/--cert (the IdP's PEM key and
certificate), --other-key/--other-cert (for the `resigned` variant), the user (--name-id,
--name-id-format email|persistent, --email, --display-name, --groups a,b, --group-attribute),
--variant (default for every response; /sso's ?variant= overrides it).

Variants: see VARIANTS. Those after `good` build a response that the service provider must
refuse; the xsw_* ones post-process pysaml2's good XML (the original signature kept) into the
classic XML signature-wrapping shapes.
"""

import argparse
import base64
import html
import http.server
import sys
import threading
import urllib.parse
import warnings
from datetime import datetime, timedelta, timezone
from xml.dom import minidom

warnings.filterwarnings("ignore")  # cryptography's CFB deprecation, xmlschema noise

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp  # noqa: E402
from saml2.config import IdPConfig  # noqa: E402
from saml2.metadata import entity_descriptor  # noqa: E402
from saml2.s_utils import factory  # noqa: E402
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT, NameID  # noqa: E402
from saml2.server import Server  # noqa: E402
from saml2.sigver import get_xmlsec_binary, pre_signature_part, signed_instance_factory  # noqa: E402
from saml2.samlp import STATUS_REQUESTER  # noqa: E402
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256  # noqa: E402

NS_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_DSIG = "http://www.w3.org/2000/09/xmldsig#"

VARIANTS = {
    "good": "signed Response and Assertion (RSA-SHA256)",
    "assertion_signed": "only the Assertion signed",
    "response_signed": "only the Response signed",
    "unsigned": "no signature at all",
    "resigned": "signed with another key (whose certificate is in KeyInfo)",
    "sha1": "signed with RSA-SHA1 / SHA-1",
    "expired": "every instant two hours in the past, correctly signed",
    "wrong_audience": "the AudienceRestriction names another SP",
    "wrong_recipient": "SubjectConfirmationData Recipient is another URL",
    "wrong_in_response_to": "InResponseTo names another request",
    "wrong_issuer": "the Issuer is another IdP",
    "wrong_destination": "the Response's Destination is another URL",
    "status_error": "a signed Response with status Requester",
    "xsw_evil_first": "an evil unsigned Assertion inserted before the signed one (Response unsigned)",
    "xsw_evil_last": "an evil unsigned Assertion appended after the signed one (Response signature kept)",
    "xsw_extensions": "the signed Assertion moved into samlp:Extensions, an evil one in its place",
    "xsw_object": "the signed Assertion moved into its own ds:Signature/ds:Object, an evil one in its place",
    "tampered": "the signed Assertion's NameID edited after signing",
}


def metadata_sp(sp_entity_id, acs_url):
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="{html.escape(sp_entity_id)}">'
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" '
        'AuthnRequestsSigned="false" WantAssertionsSigned="true">'
        f"<md:NameIDFormat>{NAMEID_FORMAT_EMAILADDRESS}</md:NameIDFormat>"
        f'<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" '
        f'Location="{html.escape(acs_url)}" index="0" isDefault="true"/>'
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )


def make_idp(args, key, cert, sso_url):
    conf = IdPConfig()
    conf.load(
        {
            "entityid": args.idp_entity_id,
            "xmlsec_binary": get_xmlsec_binary(),
            "key_file": key,
            "cert_file": cert,
            "metadata": {"inline": [metadata_sp(args.sp_entity_id, args.acs_url)]},
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(sso_url, BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_PERSISTENT],
                    "sign_response": True,
                    "sign_assertion": True,
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 15},
                            "attribute_restrictions": None,
                            "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
                        }
                    },
                }
            },
        }
    )
    return Server(config=conf)


def saml_time(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def shift_times(resp, delta):
    """Moves every instant of the response object by delta."""

    def shift(value):
        if not value:
            return value
        dt = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
        return saml_time(dt + delta)

    resp.issue_instant = shift(resp.issue_instant)
    a = resp.assertion
    a.issue_instant = shift(a.issue_instant)
    if a.conditions is not None:
        a.conditions.not_before = shift(a.conditions.not_before)
        a.conditions.not_on_or_after = shift(a.conditions.not_on_or_after)
    for sc in a.subject.subject_confirmation:
        d = sc.subject_confirmation_data
        if d is not None:
            d.not_before = shift(d.not_before)
            d.not_on_or_after = shift(d.not_on_or_after)
    for st in a.authn_statement:
        st.authn_instant = shift(st.authn_instant)
        st.session_not_on_or_after = shift(st.session_not_on_or_after)


def sign(idp, resp, assertion=True, response=True, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256):
    """Signs a (mutated) unsigned Response object the way pysaml2 does: the Assertion first, then
    the Response enveloping it. Returns the XML string."""
    to_sign = []
    if assertion:
        resp.assertion.signature = pre_signature_part(
            resp.assertion.id, idp.sec.my_cert, 2, sign_alg=sign_alg, digest_alg=digest_alg
        )
        to_sign.append((f"{NS_ASSERTION}:Assertion", resp.assertion.id))
    if response:
        resp.signature = pre_signature_part(resp.id, idp.sec.my_cert, 1, sign_alg=sign_alg, digest_alg=digest_alg)
        to_sign.append((f"{NS_PROTOCOL}:Response", resp.id))
    return as_text(signed_instance_factory(resp, idp.sec, to_sign) if to_sign else resp)


def as_text(x):
    if isinstance(x, bytes):
        return x.decode()
    if isinstance(x, str):
        return x
    s = x.to_string()
    return s.decode() if isinstance(s, bytes) else s


# ── XML signature wrapping: DOM surgery on the signed XML, signatures untouched ───────────────


def children(node, ns, local):
    return [c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE and c.namespaceURI == ns and c.localName == local]


def evil_copy(assertion):
    """An unsigned copy of the assertion naming another user (a new ID, no Signature)."""
    evil = assertion.cloneNode(True)
    evil.setAttribute("ID", "_evil" + evil.getAttribute("ID").lstrip("_id"))
    for sig in children(evil, NS_DSIG, "Signature"):
        evil.removeChild(sig)
    for nid in evil.getElementsByTagNameNS(NS_ASSERTION, "NameID"):
        for t in list(nid.childNodes):
            nid.removeChild(t)
        nid.appendChild(evil.ownerDocument.createTextNode("mallory@evil.example"))
    for av in evil.getElementsByTagNameNS(NS_ASSERTION, "AttributeValue"):
        if av.firstChild is not None and av.firstChild.nodeType == av.TEXT_NODE and "@" in av.firstChild.data:
            av.firstChild.data = "mallory@evil.example"
    return evil


def wrap(xml, variant):
    doc = minidom.parseString(xml)
    root = doc.documentElement
    (signed,) = children(root, NS_ASSERTION, "Assertion")
    evil = evil_copy(signed)
    if variant == "xsw_evil_first":
        root.insertBefore(evil, signed)
    elif variant == "xsw_evil_last":
        root.appendChild(evil)
    elif variant == "xsw_extensions":
        root.replaceChild(evil, signed)
        ext = doc.createElementNS(NS_PROTOCOL, root.prefix + ":Extensions" if root.prefix else "Extensions")
        ext.appendChild(signed)
        # samlp:Extensions comes right after Issuer and Signature.
        after = [c for c in root.childNodes if c.nodeType == c.ELEMENT_NODE and c.localName in ("Issuer", "Signature")]
        anchor = after[-1].nextSibling if after else root.firstChild
        root.insertBefore(ext, anchor)
    elif variant == "xsw_object":
        root.replaceChild(evil, signed)
        (sig,) = children(signed, NS_DSIG, "Signature")
        sig_prefix = sig.prefix
        obj = doc.createElementNS(NS_DSIG, f"{sig_prefix}:Object" if sig_prefix else "Object")
        # The evil assertion carries the signature; the genuine one hides in its ds:Object.
        signed.removeChild(sig)
        obj.appendChild(signed)
        sig.appendChild(obj)
        issuer = children(evil, NS_ASSERTION, "Issuer")[0]
        evil.insertBefore(sig, issuer.nextSibling)
    elif variant == "tampered":
        for nid in signed.getElementsByTagNameNS(NS_ASSERTION, "NameID"):
            nid.firstChild.data = "mallory@evil.example"
    else:
        raise SystemExit(f"not a wrapping variant: {variant}")
    return doc.documentElement.toxml()


def strip_response_signature(xml):
    doc = minidom.parseString(xml)
    root = doc.documentElement
    for sig in children(root, NS_DSIG, "Signature"):
        root.removeChild(sig)
    return root.toxml()


# ── Responses ─────────────────────────────────────────────────────────────────────────────────


class Idp:
    def __init__(self, args, sso_url):
        self.args = args
        self.sso_url = sso_url
        self.idp = make_idp(args, args.key, args.cert, sso_url)
        self.other = make_idp(args, args.other_key, args.other_cert, sso_url) if args.other_key else None

    def identity(self):
        a = self.args
        ident = {}
        if a.email:
            ident["mail"] = [a.email]
        if a.display_name:
            ident["displayName"] = [a.display_name]
        if a.groups:
            ident[a.group_attribute] = [g for g in a.groups.split(",") if g]
        return ident

    def create(self, idp, authn_req, variant, **overrides):
        a = self.args
        resp_args = idp.response_args(authn_req)
        resp_args.update(overrides)
        fmt = NAMEID_FORMAT_EMAILADDRESS if a.name_id_format == "email" else NAMEID_FORMAT_PERSISTENT
        return idp.create_authn_response(
            self.identity(),
            userid=a.name_id,
            name_id=NameID(format=fmt, text=a.name_id),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            **resp_args,
        )

    def unsigned(self, authn_req, **overrides):
        r = self.create(self.idp, authn_req, None, sign_response=False, sign_assertion=False, **overrides)
        return samlp.response_from_string(as_text(r)) if not isinstance(r, samlp.Response) else r

    def response_xml(self, saml_request, variant):
        req = self.idp.parse_authn_request(saml_request, BINDING_HTTP_REDIRECT).message
        idp = self.idp
        if variant == "good":
            return as_text(self.create(idp, req, variant, sign_response=True, sign_assertion=True))
        if variant == "assertion_signed":
            return as_text(self.create(idp, req, variant, sign_response=False, sign_assertion=True))
        if variant == "response_signed":
            return as_text(self.create(idp, req, variant, sign_response=True, sign_assertion=False))
        if variant == "unsigned":
            return as_text(self.create(idp, req, variant, sign_response=False, sign_assertion=False))
        if variant == "resigned":
            if self.other is None:
                raise SystemExit("the resigned variant needs --other-key and --other-cert")
            return as_text(self.create(self.other, req, variant, sign_response=True, sign_assertion=True))
        if variant == "sha1":
            return as_text(
                self.create(
                    idp, req, variant, sign_response=True, sign_assertion=True, sign_alg=SIG_RSA_SHA1, digest_alg=DIGEST_SHA1
                )
            )
        if variant == "wrong_in_response_to":
            return as_text(self.create(idp, req, variant, in_response_to="_not-the-request", sign_response=True, sign_assertion=True))
        if variant in ("expired", "wrong_audience", "wrong_recipient", "wrong_issuer", "wrong_destination", "status_error"):
            resp = self.unsigned(req)
            a = resp.assertion
            if variant == "expired":
                shift_times(resp, timedelta(hours=-2))
            elif variant == "wrong_audience":
                for ar in a.conditions.audience_restriction:
                    for aud in ar.audience:
                        aud.text = "https://other-sp.example/saml"
            elif variant == "wrong_recipient":
                for sc in a.subject.subject_confirmation:
                    sc.subject_confirmation_data.recipient = "https://other-sp.example/acs"
            elif variant == "wrong_issuer":
                resp.issuer.text = "https://other-idp.example/saml"
                a.issuer.text = "https://other-idp.example/saml"
            elif variant == "wrong_destination":
                resp.destination = "https://other-sp.example/acs"
            elif variant == "status_error":
                resp.status = factory(samlp.Status, status_code=factory(samlp.StatusCode, value=STATUS_REQUESTER))
            return as_text(sign(idp, resp))
        if variant in ("xsw_evil_first", "xsw_extensions", "xsw_object"):
            # The classic shapes: the Assertion is signed, the Response is not.
            good = as_text(self.create(idp, req, variant, sign_response=False, sign_assertion=True))
            return wrap(good, variant)
        if variant in ("xsw_evil_last", "tampered"):
            good = as_text(self.create(idp, req, variant, sign_response=True, sign_assertion=True))
            return wrap(good, variant)
        raise SystemExit(f"unknown variant {variant!r}; one of: {', '.join(VARIANTS)}")

    def response_b64(self, saml_request, variant):
        xml = self.response_xml(saml_request, variant)
        return base64.b64encode(xml.encode()).decode()

    def metadata(self):
        return str(entity_descriptor(self.idp.config))


def query_of(url):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    if "SAMLRequest" not in q:
        raise SystemExit("the URL has no SAMLRequest")
    return q["SAMLRequest"][0], q.get("RelayState", [""])[0], q.get("variant", [None])[0]


def auto_post_form(acs_url, saml_response, relay_state):
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>SAML IdP</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{html.escape(acs_url)}">
<input type="hidden" name="SAMLResponse" value="{html.escape(saml_response)}">
<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
"""


def serve(args):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), None)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    idp = Idp(args, args.sso_url or f"{base}/sso")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            sys.stderr.write("saml-idp: " + (fmt % a) + "\n")

        def answer(self, status, body, ctype="text/html; charset=utf-8"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            if path == "/metadata":
                return self.answer(200, idp.metadata(), "application/samlmetadata+xml")
            if path == "/sso":
                try:
                    req, relay, variant = query_of(self.path)
                    with lock:  # pysaml2's Server is not meant to be shared between threads
                        b64 = idp.response_b64(req, variant or args.variant)
                except BaseException as e:  # noqa: BLE001 - a test peer answers every error
                    return self.answer(400, f"saml-idp: {type(e).__name__}: {html.escape(str(e))}\n", "text/plain")
                return self.answer(200, auto_post_form(args.acs_url, b64, relay))
            return self.answer(404, "not found\n", "text/plain")

    server.RequestHandlerClass = Handler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {base}", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or kills us)
    finally:
        server.shutdown()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["response", "serve", "variants"])
    p.add_argument("--request-url")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--sso-url", help="the IdP's SSO URL (default: the serve address's /sso)")
    p.add_argument("--variant", default="good")
    p.add_argument("--idp-entity-id", default="https://idp.test/saml")
    p.add_argument("--sp-entity-id", default="https://sp.test/saml")
    p.add_argument("--acs-url", default="http://127.0.0.1/acs")
    p.add_argument("--key")
    p.add_argument("--cert")
    p.add_argument("--other-key")
    p.add_argument("--other-cert")
    p.add_argument("--name-id", default="alice@example.com")
    p.add_argument("--name-id-format", choices=["email", "persistent"], default="email")
    p.add_argument("--email", default="alice@example.com")
    p.add_argument("--display-name", default="Alice Example")
    p.add_argument("--groups", default="admins,developers")
    p.add_argument("--group-attribute", default="groups")
    args = p.parse_args()
    if args.mode == "variants":
        for k, v in VARIANTS.items():
            print(f"{k}\t{v}")
        return
    if not args.key or not args.cert:
        p.error("--key and --cert are required")
    if args.mode == "serve":
        return serve(args)
    if not args.request_url:
        p.error("response needs --request-url")
    req, _relay, variant = query_of(args.request_url)
    idp = Idp(args, args.sso_url or args.request_url.split("?")[0])
    print(idp.response_b64(req, variant or args.variant))


if __name__ == "__main__":
    main()
