"""Enterprise provisioning, end to end, against a Grantex server: what an identity provider's
SCIM connector (Okta, Azure AD, ...) does, and what it means for an agent's grant.

1 the developer creates a SCIM token for its identity provider (the secret is shown once),
2 the IdP provisions a user with it (SCIM 2.0, ``/scim/v2/Users``), 3 an agent gets a grant
for that user (the user's SCIM id is the grant's principal), 4 the IdP deactivates the user,
5 the grant is revoked in the same request (online verify says so), and no new grant can be
made for that user, 6 the IdP deletes the user and the developer revokes the SCIM token.

Reads GRANTEX_BASE_URL and GRANTEX_API_KEY (a live or sandbox developer key, as written by
grantex-server to server.json).
Run: pip install ./bindings-python && python examples/python/provisioning.py
"""

from __future__ import annotations

import sys
import uuid

from grantex import (
    CreateScimUserParams,
    ExchangeTokenParams,
    Grantex,
    GrantexApiError,
    GrantexAuthError,
    GrantexError,
    ScimEmail,
)


def fail(message: str) -> int:
    print(f"[provisioning] FAILED: {message}", file=sys.stderr)
    return 1


def main() -> int:
    with Grantex() as grantex:  # GRANTEX_API_KEY / GRANTEX_BASE_URL
        # 1. A SCIM token for the identity provider.
        token = grantex.scim.create_token("Okta (example)")
        print(f"[provisioning] 1. scim token: {token.id} (secret shown once, {len(token.token)} characters)")

        with Grantex(token.token, base_url=grantex.base_url) as idp:
            # 2. The identity provider provisions a user.
            email = f"dana.{uuid.uuid4().hex[:8]}@corp.example"
            user = idp.scim.create_user(
                CreateScimUserParams(user_name=email, display_name="Dana", emails=[ScimEmail(value=email, primary=True)])
            )
            print(f"[provisioning] 2. provisioned: user {user.id} ({user.user_name}, active={user.active})")

            # 3. An agent gets a grant for that user.
            agent = grantex.agents.register(
                name="expense-assistant", description="Files expense reports", scopes=["expenses:write"]
            )
            auth = grantex.authorize(agent_id=agent.id, user_id=user.id, scopes=["expenses:write"])
            code = auth.code or grantex.consent.approve(auth.request_id).code
            grant = grantex.tokens.exchange(ExchangeTokenParams(code=code, agent_id=agent.id))
            before = grantex.tokens.verify(grant.grant_token)
            print(f"[provisioning] 3. grant {grant.grant_id} for principal {user.id}: valid={before.valid}")
            if not before.valid:
                return fail("the new grant does not verify")

            # 4. The identity provider deactivates the user (what an offboarding does).
            off = idp.scim.update_user(user.id, [{"op": "replace", "path": "active", "value": False}])
            print(f"[provisioning] 4. deactivated: active={off.active}")

            # 5. Cut off at once: the grant is revoked, and no new one can be made.
            after = grantex.tokens.verify(grant.grant_token)
            print(f"[provisioning] 5. online verify after deactivation: valid={after.valid}")
            if after.valid:
                return fail("the grant of a deactivated user still verifies")
            try:
                grantex.authorize(agent_id=agent.id, user_id=user.id, scopes=["expenses:write"])
                return fail("a deactivated user got a new authorization")
            except GrantexApiError as e:
                print(f"[provisioning]    a new authorization is refused: {e.status_code} {e.code}")

            # 6. The user is deleted; the token is revoked and stops working at once.
            idp.scim.delete_user(user.id)
            grantex.scim.revoke_token(token.id)
            try:
                idp.scim.list_users()
                return fail("a revoked SCIM token still works")
            except GrantexAuthError:
                print("[provisioning] 6. user deleted; the revoked SCIM token is refused")
    print("[provisioning] done")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GrantexError as e:
        sys.exit(fail(f"{type(e).__name__}: {e}"))
