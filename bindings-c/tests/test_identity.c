/* Identity through the generic call (issue 19 item 3) against a running grantex-server.
 * SCIM: a fresh live account creates a SCIM token (GRANTEX_OP_SCIM_*; the secret shown once), a
 * second client keyed with that token provisions, lists, patches and deletes users, a duplicate
 * userName is 409, deprovisioning revokes the user's grant at once, and a revoked token is 401.
 * SSO: an OIDC connection is created (its secret never read back), listed, updated and tested
 * (an IdP that does not resolve: 422), enforcement is switched on and off, the
 * session list is empty, and the connection is deleted. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

/* Expects a refusal with HTTP status `status` (GRANTEX_AUTH for 401, GRANTEX_API otherwise). */
static void call_status(const grantex_client *c, const char *op, const char *json,
                        uint16_t status) {
  char *out = NULL;
  uint16_t got = 0;
  CHECK_RC(grantex_client_call(c, op, json, &out), status == 401 ? GRANTEX_AUTH : GRANTEX_API);
  CHECK(out == NULL);
  CHECK_OK(grantex_last_error_http_status(&got));
  CHECK(got == status);
}

static void call_void(const grantex_client *c, const char *op, const char *json) {
  char *out = NULL;
  CHECK_OK(grantex_client_call(c, op, json, &out));
  grantex_string_free(out);
}

/* A grant for `principal` (live mode: consent approved through the API); returns its token. */
static char *grant_for(const grantex_client *c, const char *principal) {
  grantex_response *agent = NULL, *auth = NULL, *approved = NULL, *tok = NULL;
  char input[512], *agent_id = NULL, *req = NULL, *code = NULL, *token = NULL;
  agent = call_ok(c, GRANTEX_OP_AGENTS_REGISTER,
                  "{\"name\":\"provisioned\",\"description\":\"c\",\"scopes\":[\"calendar:read\"]}");
  if (!agent) goto done;
  agent_id = dup_str(agent, "agentId");
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"principalId\":\"%s\",\"scopes\":[\"calendar:read\"]}", agent_id,
           principal);
  auth = call_ok(c, GRANTEX_OP_AUTHORIZE, input);
  if (!auth) goto done;
  req = dup_str(auth, "authRequestId");
  snprintf(input, sizeof input, "{\"authRequestId\":\"%s\"}", req);
  approved = call_ok(c, GRANTEX_OP_CONSENT_APPROVE, input);
  if (!approved) goto done;
  code = dup_str(approved, "code");
  snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
  tok = call_ok(c, GRANTEX_OP_TOKENS_EXCHANGE, input);
  if (tok) token = dup_str(tok, "grantToken");
done:
  grantex_response_free(agent);
  grantex_response_free(auth);
  grantex_response_free(approved);
  grantex_response_free(tok);
  free(agent_id);
  free(req);
  free(code);
  return token;
}

static bool token_valid(const grantex_client *c, const char *token) {
  char input[4096];
  bool valid = false;
  grantex_response *r;
  snprintf(input, sizeof input, "{\"token\":\"%s\"}", token);
  r = call_ok(c, GRANTEX_OP_TOKENS_VERIFY, input);
  if (r) CHECK_OK(grantex_response_bool(r, "valid", &valid));
  grantex_response_free(r);
  return valid;
}

static void scim_flow(const char *base_url, const grantex_client *dev) {
  grantex_client *idp = NULL;
  grantex_response *tok = NULL, *tokens = NULL, *alice = NULL, *bob = NULL, *page = NULL;
  grantex_response *patched = NULL;
  char *secret = NULL, *token_id = NULL, *alice_id = NULL, *bob_id = NULL, *grant = NULL;
  char input[1024];
  size_t n = 0;
  bool active = true;

  tok = call_ok(dev, GRANTEX_OP_SCIM_CREATE_TOKEN, "{\"label\":\"c-idp\"}");
  if (!tok) goto done;
  secret = dup_str(tok, "token");
  token_id = dup_str(tok, "id");
  CHECK(strlen(secret) >= 32);
  check_str(tok, "label", "c-idp");
  tokens = call_ok(dev, GRANTEX_OP_SCIM_LIST_TOKENS, "{}");
  if (tokens && CHECK_OK(grantex_response_len(tokens, "tokens", &n))) CHECK(n == 1);
  if (!CHECK_OK(grantex_client_new(secret, base_url, 10000, 0, &idp))) goto done;

  alice = call_ok(idp, GRANTEX_OP_SCIM_CREATE_USER,
                  "{\"userName\":\"alice@example.com\",\"displayName\":\"Alice\","
                  "\"emails\":[{\"value\":\"alice@example.com\",\"primary\":true}]}");
  bob = call_ok(idp, GRANTEX_OP_SCIM_CREATE_USER, "{\"userName\":\"bob@example.com\"}");
  if (!alice || !bob) goto done;
  alice_id = dup_str(alice, "id");
  bob_id = dup_str(bob, "id");
  check_str(alice, "/meta/resourceType", "User");
  check_str(alice, "/emails/0/value", "alice@example.com");
  call_status(idp, GRANTEX_OP_SCIM_CREATE_USER, "{\"userName\":\"ALICE@example.com\"}", 409);
  page = call_ok(idp, GRANTEX_OP_SCIM_LIST_USERS, "{\"startIndex\":2,\"count\":1}");
  if (page) {
    check_str(page, "/Resources/0/id", bob_id);
    if (CHECK_OK(grantex_response_len(page, "Resources", &n))) CHECK(n == 1);
  }

  grant = grant_for(dev, alice_id);
  if (grant) CHECK(token_valid(dev, grant));
  snprintf(input, sizeof input,
           "{\"userId\":\"%s\",\"Operations\":[{\"op\":\"replace\",\"path\":\"active\","
           "\"value\":false}]}",
           alice_id);
  patched = call_ok(idp, GRANTEX_OP_SCIM_UPDATE_USER, input);
  if (patched && CHECK_OK(grantex_response_bool(patched, "active", &active))) CHECK(!active);
  if (grant) CHECK(!token_valid(dev, grant)); /* deprovisioned: revoked in the same request */

  snprintf(input, sizeof input, "{\"userId\":\"%s\"}", bob_id);
  call_void(idp, GRANTEX_OP_SCIM_DELETE_USER, input);
  call_status(idp, GRANTEX_OP_SCIM_GET_USER, input, 404);
  call_status(dev, GRANTEX_OP_SCIM_LIST_USERS, "{}", 401); /* an API key is not a SCIM token */

  snprintf(input, sizeof input, "{\"tokenId\":\"%s\"}", token_id);
  call_void(dev, GRANTEX_OP_SCIM_REVOKE_TOKEN, input);
  call_status(idp, GRANTEX_OP_SCIM_LIST_USERS, "{}", 401);
  call_fails(dev, GRANTEX_OP_SCIM_REVOKE_TOKEN, input, 404, "NOT_FOUND");

done:
  grantex_response_free(tok);
  grantex_response_free(tokens);
  grantex_response_free(alice);
  grantex_response_free(bob);
  grantex_response_free(page);
  grantex_response_free(patched);
  grantex_client_free(idp);
  free(secret);
  free(token_id);
  free(alice_id);
  free(bob_id);
  free(grant);
}

static void sso_flow(const grantex_client *dev, const char *developer_id) {
  grantex_response *conn = NULL, *got = NULL, *list = NULL, *updated = NULL;
  grantex_response *enforced = NULL, *sessions = NULL;
  char *conn_id = NULL;
  char input[1024];
  size_t n = 9;
  bool flag = false;

  conn = call_ok(dev, GRANTEX_OP_SSO_CREATE_CONNECTION,
                 "{\"name\":\"C Okta\",\"protocol\":\"oidc\",\"issuerUrl\":\"https://idp.invalid\","
                 "\"clientId\":\"c-rp\",\"clientSecret\":\"c-rp-secret\",\"domains\":[\"example.com\"],"
                 "\"groupMappings\":{\"admins\":[\"calendar:write\"]},\"defaultScopes\":[\"calendar:read\"]}");
  if (!conn) goto done;
  conn_id = dup_str(conn, "id");
  check_str(conn, "protocol", "oidc");
  check_str(conn, "developerId", developer_id);
  check_str(conn, "/groupMappings/admins/0", "calendar:write");
  snprintf(input, sizeof input, "{\"id\":\"%s\"}", conn_id);
  got = call_ok(dev, GRANTEX_OP_SSO_GET_CONNECTION, input);
  if (got) {
    const char *shown = NULL;
    grantex_result rc = grantex_response_string(got, "clientSecret", &shown);
    CHECK(rc != GRANTEX_OK || shown == NULL); /* write-only */
    check_str(got, "clientId", "c-rp");
  }
  list = call_ok(dev, GRANTEX_OP_SSO_LIST_CONNECTIONS, "{}");
  if (list && CHECK_OK(grantex_response_len(list, "connections", &n))) CHECK(n == 1);
  snprintf(input, sizeof input, "{\"id\":\"%s\",\"name\":\"C Okta (renamed)\"}", conn_id);
  updated = call_ok(dev, GRANTEX_OP_SSO_UPDATE_CONNECTION, input);
  check_str(updated, "name", "C Okta (renamed)");
  snprintf(input, sizeof input, "{\"id\":\"%s\"}", conn_id);
  /* An IdP that does not resolve: 422 (success: false), as the reference. */
  call_status(dev, GRANTEX_OP_SSO_TEST_CONNECTION, input, 422);

  enforced = call_ok(dev, GRANTEX_OP_SSO_SET_ENFORCEMENT, "{\"enforce\":true}");
  if (enforced && CHECK_OK(grantex_response_bool(enforced, "enforce", &flag))) CHECK(flag);
  grantex_response_free(enforced);
  enforced = call_ok(dev, GRANTEX_OP_SSO_SET_ENFORCEMENT, "{\"enforce\":false}");
  if (enforced && CHECK_OK(grantex_response_bool(enforced, "enforce", &flag))) CHECK(!flag);
  sessions = call_ok(dev, GRANTEX_OP_SSO_LIST_SESSIONS, "{}");
  if (sessions && CHECK_OK(grantex_response_len(sessions, "sessions", &n))) CHECK(n == 0);
  call_status(dev, GRANTEX_OP_SSO_CREATE_CONNECTION, "{\"name\":\"x\",\"protocol\":\"oidc\"}", 400);

  call_void(dev, GRANTEX_OP_SSO_DELETE_CONNECTION, input);
  call_status(dev, GRANTEX_OP_SSO_GET_CONNECTION, input, 404);

done:
  grantex_response_free(conn);
  grantex_response_free(got);
  grantex_response_free(list);
  grantex_response_free(updated);
  grantex_response_free(enforced);
  grantex_response_free(sessions);
  free(conn_id);
}

void test_identity_flow(const char *base_url) {
  grantex_client *dev = NULL;
  grantex_response *signup = NULL;
  char *key = NULL, *developer_id = NULL, *out = NULL;

  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C identity\",\"mode\":\"live\"}", &out)))
    return;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  if (!signup) return;
  key = dup_str(signup, "apiKey");
  developer_id = dup_str(signup, "developerId");
  if (CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &dev))) {
    scim_flow(base_url, dev);
    sso_flow(dev, developer_id);
  }
  grantex_client_free(dev);
  grantex_response_free(signup);
  free(key);
  free(developer_id);
}
