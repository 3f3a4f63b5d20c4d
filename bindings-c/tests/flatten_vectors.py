#!/usr/bin/env python3
"""Flattens the shared vectors (vectors/*.json) into a line format the C tests read without a
JSON parser. One `key value` pair per line; every text value is hex-encoded UTF-8 (tokens may
hold newlines), numbers are decimal, `-` marks an absent optional value.

    now <int>                 issuer <hex>                set <name> <hex jwks json>
    tcase <name>              token <hex>                 expect <code>
    jwks <set name>           oiss <hex>                  oaud <hex>
    oscope <hex> (repeated)   otol <int>                  odepth <int>
    osbx 0|1 (allow sandbox tokens; always given, so the environment never decides)
    oprin <hex>               oagent <hex> (expected principal / agent DID; hex "" is empty)
    oref <hex name> <hex value json> (a reference option set by name; repeated)
    c.<field> <hex|int|->     c.scope <hex> (repeated)    c.aud <hex> (repeated)
    kcase <name>              kjwks <hex>                 kexpect ok|invalid_jwks
    ktoken <hex>              ktexpect <code>             know <int>   kiss <hex>
    icase <hex uri> <hex issuer>
    vtoken <hex>              (the plain valid token the accepted verify options are tried on)
    vopt <hex name> <hex js name> <hex value json> <0|1 accepted> <verify outcome|->
    end                       (closes a tcase / kcase)

Usage: flatten_vectors.py <vectors dir> <output file>

The enforce vectors go to `<output file>.enforce` (JSON values hex-encoded, `-` for empty):

    emanifest <hex manifest json>
    ecase <name> <hex config json> <hex call json> <allowed 0|1> <hex reasonCode|-> <hex subReason|->
    mcase <name> <hex manifest text> <hex expected message part | "valid">
"""

import json
import sys


def h(text):
    return text.encode("utf-8").hex()


def hx(text):
    return h(text) if text else "-"


def flatten_enforce(src, dst):
    v = json.load(open(f"{src}/enforce-vectors.json", encoding="utf-8"))
    compact = lambda value: json.dumps(value, separators=(",", ":"))
    out = [f"emanifest {h(compact(m))}" for m in v["manifests"]]
    for case in v["cases"]:
        config = {**v["config"], **case.get("config", {})}
        call = {**case["call"], "grantToken": case["token"]}
        e = case["expect"]
        out.append(f"ecase {case['name']} {h(compact(config))} {h(compact(call))} "
                   f"{int(e['allowed'])} {hx(e['reasonCode'])} {hx(e['subReason'])}")
    for case in v["manifestCases"]:
        text = case["text"] if "text" in case else compact(case["document"])
        out.append(f"mcase {case['name']} {h(text)} {h(case['expect'])}")
    with open(dst + ".enforce", "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    src, dst = sys.argv[1], sys.argv[2]
    flatten_enforce(src, dst)
    tokens = json.load(open(f"{src}/token-vectors.json", encoding="utf-8"))
    keysets = json.load(open(f"{src}/jwks-vectors.json", encoding="utf-8"))
    issuers = json.load(open(f"{src}/issuer-vectors.json", encoding="utf-8"))
    options = json.load(open(f"{src}/verify-option-vectors.json", encoding="utf-8"))
    out = []
    put = out.append

    put(f"now {int(tokens['now'])}")
    put(f"issuer {h(tokens['issuer'])}")
    put(f"set default {h(json.dumps(tokens['jwks'], separators=(',', ':')))}")
    for name, jwks in tokens["jwksSets"].items():
        put(f"set {name} {h(json.dumps(jwks, separators=(',', ':')))}")

    for case in tokens["cases"]:
        opts = case["options"]
        put(f"tcase {case['name']}")
        put(f"token {h(case['token'])}")
        put(f"expect {case['expect']}")
        put(f"jwks {opts.get('jwks', 'default')}")
        if "issuer" in opts:
            put(f"oiss {h(opts['issuer'])}")
        if "audience" in opts:
            put(f"oaud {h(opts['audience'])}")
        for scope in opts.get("requiredScopes", []):
            put(f"oscope {h(scope)}")
        if "clockTolerance" in opts:
            put(f"otol {int(opts['clockTolerance'])}")
        if "maxDelegationDepth" in opts:
            put(f"odepth {int(opts['maxDelegationDepth'])}")
        put(f"osbx {int(opts.get('allowSandbox', False))}")
        if "expectedPrincipalId" in opts:
            put(f"oprin {h(opts['expectedPrincipalId'])}")
        if "expectedAgentDid" in opts:
            put(f"oagent {h(opts['expectedAgentDid'])}")
        for ref in opts.get("referenceOptions", []):
            put(f"oref {h(ref['name'])} {h(json.dumps(ref['value'], separators=(',', ':')))}")
        unknown = set(opts) - {"jwks", "issuer", "audience", "requiredScopes", "clockTolerance",
                               "maxDelegationDepth", "allowSandbox", "expectedPrincipalId",
                               "expectedAgentDid", "referenceOptions"}
        if unknown:
            sys.exit(f"{case['name']}: option(s) the C runner does not know: {sorted(unknown)}")
        claims = case.get("claims")
        if case["expect"] == "valid":
            if not claims:
                sys.exit(f"{case['name']}: a valid case without claims")
            for key in ("tokenId", "grantId", "principalId", "agentDid", "developerId", "issuer"):
                put(f"c.{key} {h(claims[key])}")
            for key in ("parentAgentDid", "parentGrantId"):
                put(f"c.{key} {'-' if claims[key] is None else h(claims[key])}")
            for key in ("issuedAt", "expiresAt"):
                put(f"c.{key} {int(claims[key])}")
            # The C grant reports the depth as 0 when the token has no depth claim, and `aud`
            # as a list (a single string is a list of one).
            put(f"c.delegationDepth {int(claims['delegationDepth'] or 0)}")
            put(f"c.budget {'-' if claims['budget'] is None else repr(float(claims['budget']))}")
            put(f"c.nscopes {len(claims['scopes'])}")
            for scope in claims["scopes"]:
                put(f"c.scope {h(scope)}")
            audience = claims["audience"]
            audience = [] if audience is None else [audience] if isinstance(audience, str) else audience
            put(f"c.naud {len(audience)}")
            for aud in audience:
                put(f"c.aud {h(aud)}")
        put("end")

    for case in keysets["cases"]:
        put(f"kcase {case['name']}")
        put(f"kjwks {h(case['jwks'])}")
        put(f"kexpect {case['expect']}")
        put(f"know {int(keysets['now'])}")
        put(f"kiss {h(keysets['issuer'])}")
        if case.get("token") is not None:
            put(f"ktoken {h(case['token'])}")
            put(f"ktexpect {case['tokenExpect']}")
        put("end")

    for case in issuers["cases"]:
        put(f"icase {h(case['jwksUri'])} {h(case['issuer'])}")

    plain = next(c for c in tokens["cases"] if c["expect"] == "valid" and not c.get("options"))
    put(f"vtoken {h(plain['token'])}")
    for case in options["cases"]:
        value = json.dumps(case["value"], separators=(",", ":"))
        put(f"vopt {h(case['name'])} {h(case['jsName'])} {h(value)} {int(case['accepted'])} "
            f"{case.get('verify', '-')}")

    with open(dst, "w", encoding="ascii") as f:
        f.write("\n".join(out) + "\n")
    print(f"flattened {len(tokens['cases'])} token, {len(keysets['cases'])} key-set and "
          f"{len(issuers['cases'])} issuer and {len(options['cases'])} verify-option vectors into {dst}")


if __name__ == "__main__":
    main()
