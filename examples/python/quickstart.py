"""The product-page flow, end to end, against a Grantex server, in the eight steps every
language's quickstart prints:

1 register agents, 2 authorize, 3 consent, 4 exchange, 5 verify offline, 6 delegate,
7 revoke (cascades to the sub-agent), 8 a tampered token is refused offline.

Reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as written by grantex-server to server.json). With
the live key authorize waits for consent, which step 3 gives through the endpoint the consent
page's Approve button calls; with the sandbox key authorize returns the code at once.
Run: pip install ./bindings-python && python examples/python/quickstart.py
"""

from __future__ import annotations

import sys

from grantex import (
    ExchangeTokenParams,
    Grantex,
    GrantexError,
    GrantexTokenError,
    VerifyGrantTokenOptions,
    verify_grant_token,
)


def fail(message: str) -> int:
    print(f"[python] FAILED: {message}", file=sys.stderr)
    return 1


def main() -> int:
    with Grantex() as grantex:  # GRANTEX_API_KEY / GRANTEX_BASE_URL
        print(f"[python] server: {grantex.base_url}")

        # 1. Register the agent and the sub-agent it will delegate to.
        agent = grantex.agents.register(
            name="travel-assistant",
            description="Books trips and sends confirmations",
            scopes=["calendar:read", "email:send"],
        )
        sub_agent = grantex.agents.register(
            name="calendar-reader",
            description="Reads the calendar for the travel assistant",
            scopes=["calendar:read"],
        )
        print(f"[python] 1. register: agents {agent.id} (travel-assistant) and {sub_agent.id} (calendar-reader)")

        # 2. Ask the user for a grant: the human sees the consent URL.
        auth = grantex.authorize(agent_id=agent.id, user_id="usr_alice", scopes=["calendar:read", "email:send"])
        print(f"[python] 2. authorize: consent URL {auth.consent_url}")

        # 3. The human approves (here through the endpoint the consent page's Approve button calls);
        #    a sandbox key gets the code straight away.
        if auth.code:
            code = auth.code
            print("[python] 3. consent: sandbox key, authorize returned the code (no consent step)")
        else:
            code = grantex.consent.approve(auth.request_id).code
            print("[python] 3. consent: approved; authorization code received")

        # 4. Exchange the code for a grant token.
        token = grantex.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))
        print(f"[python] 4. exchange: grant token for {token.grant_id}, scopes {', '.join(token.scopes)}")

        # 5. Any service verifies it offline against the published JWKS. A sandbox key's tokens
        #    (approved without a human) are accepted only when asked for.
        sandbox = bool(auth.code)
        options = VerifyGrantTokenOptions(
            jwks_uri=grantex.jwks_uri, required_scopes=["calendar:read"], allow_sandbox=sandbox
        )
        grant = verify_grant_token(token.grant_token, options)
        print(
            f"[python] 5. verify offline: principal {grant.principal_id}, agent {grant.agent_did}, "
            f"scopes {', '.join(grant.scopes)}"
        )

        # 6. Delegate a subset to the sub-agent.
        delegated = grantex.grants.delegate(
            parent_grant_token=token.grant_token, sub_agent_id=sub_agent.id, scopes=["calendar:read"], expires_in="1h"
        )
        sub_grant = verify_grant_token(
            delegated.grant_token, VerifyGrantTokenOptions(jwks_uri=grantex.jwks_uri, allow_sandbox=sandbox)
        )
        print(
            f"[python] 6. delegate: grant {delegated.grant_id} to {sub_grant.agent_did} "
            f"(depth {sub_grant.delegation_depth}, scopes {', '.join(sub_grant.scopes)})"
        )

        # 7. Revoke the root grant: the cascade reaches the sub-agent at once.
        grantex.grants.revoke(token.grant_id)
        parent_status = grantex.tokens.verify(token.grant_token)
        child_status = grantex.tokens.verify(delegated.grant_token)
        print(
            f"[python] 7. revoke: grant {token.grant_id}; online verify: grant valid={str(parent_status.valid).lower()}, "
            f"delegated grant valid={str(child_status.valid).lower()}"
        )
        if parent_status.valid or child_status.valid:
            return fail("a revoked grant still verifies online")
        try:
            grantex.grants.verify(delegated.grant_token)
            return fail("grants.verify accepted a revoked delegated grant")
        except GrantexTokenError as err:
            print(f"[python]    grants.verify refuses the sub-agent's token: {err.code}")

        # 8. Offline verification cannot see revocation (use short lifetimes or the online check),
        #    but it still checks the signature: a tampered token is refused.
        rest, signature = token.grant_token.rsplit(".", 1)
        tampered = f"{rest}.{'B' if signature.startswith('A') else 'A'}{signature[1:]}"
        try:
            verify_grant_token(tampered, VerifyGrantTokenOptions(jwks_uri=grantex.jwks_uri))
            return fail("a tampered token verified offline")
        except GrantexTokenError as err:
            if err.code != "bad_signature":
                return fail(f"a tampered token failed with {err.code}, expected bad_signature")
            print(f"[python] 8. tamper: the offline verifier refuses a forged signature: {err.code}")
    print("[python] done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GrantexError as err:
        print(f"[python] quickstart failed: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
