"""The product-page flow, end to end, against a Grantex server.

register agents -> authorize -> the human approves -> exchange -> verify offline ->
delegate to a sub-agent -> revoke -> online verification fails (offline still checks signatures).

Reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as written by grantex-server to server.json).
Run: GRANTEX_BASE_URL=http://127.0.0.1:PORT GRANTEX_API_KEY=gx_live_... python quickstart.py
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


def main() -> int:
    with Grantex() as grantex:  # GRANTEX_API_KEY / GRANTEX_BASE_URL
        print(f"[python] server: {grantex.base_url}")

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
        print(f"[python] 0. registered agents {agent.id} and {sub_agent.id}")

        # 1. Request a grant: the human sees the consent URL.
        auth = grantex.authorize(agent_id=agent.id, user_id="usr_alice", scopes=["calendar:read", "email:send"])
        print(f"[python] 1. consent URL: {auth.consent_url}")

        # 2. The human approves (here through the endpoint the consent page's Approve button calls).
        code = auth.code or grantex.consent.approve(auth.request_id).code
        print("[python] 2. approved; authorization code received")

        # 3. Exchange the code for a grant token.
        token = grantex.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))
        print(f"[python] 3. grant token issued for grant {token.grant_id}, scopes {list(token.scopes)}")

        # 4. Any service verifies it offline against the JWKS.
        options = VerifyGrantTokenOptions(jwks_uri=grantex.jwks_uri, required_scopes=["calendar:read"])
        grant = verify_grant_token(token.grant_token, options)
        print(f"[python] 4. verified offline: principal {grant.principal_id}, agent {grant.agent_did}")

        # 5. Delegate a narrower grant to a sub-agent.
        delegated = grantex.grants.delegate(
            parent_grant_token=token.grant_token, sub_agent_id=sub_agent.id, scopes=["calendar:read"]
        )
        sub_grant = verify_grant_token(delegated.grant_token, VerifyGrantTokenOptions(jwks_uri=grantex.jwks_uri))
        print(f"[python] 5. delegated to {sub_agent.id}: depth {sub_grant.delegation_depth}, scopes {list(sub_grant.scopes)}")

        # 6. Revoke the grant: it cascades to the sub-agent.
        grantex.grants.revoke(token.grant_id)
        print(f"[python] 6. revoked grant {token.grant_id}")

        # 7. Online verification now fails, for the grant and its delegation.
        online = grantex.tokens.verify(token.grant_token)
        try:
            grantex.grants.verify(delegated.grant_token)
            sub_active = True
        except GrantexTokenError as err:
            sub_active = False
            print(f"[python] 7. online: grant valid={online.valid}; delegated grant rejected ({err.code})")
        if online.valid or sub_active:
            print("[python] FAILED: a revoked grant still verifies online", file=sys.stderr)
            return 1

        # The offline verifier cannot see revocation, but it still checks signatures.
        tampered = token.grant_token[:-2] + ("AA" if not token.grant_token.endswith("AA") else "BB")
        try:
            verify_grant_token(tampered, options)
            print("[python] FAILED: a tampered token verified offline", file=sys.stderr)
            return 1
        except GrantexTokenError as err:
            print(f"[python] 8. offline verifier rejects a tampered token ({err.code})")
    print("[python] done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GrantexError as err:
        print(f"[python] quickstart failed: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
