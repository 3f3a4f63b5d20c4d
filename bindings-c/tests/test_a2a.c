/* The A2A bridge through the C ABI. Offline: NULL arguments, NULL frees, out-parameters
 * untouched, policy validation, the body peek, a static-JWKS policy over the shared vectors
 * (expired token -> 401 "expired"), an unreachable key set (503). Against a running
 * grantex-server: a server-issued token passes the guard; missing / malformed header, wrong
 * audience, under-scoped (per method), delegated without permission, delegated too deep and
 * revoked (online check) tokens are refused with the right status, reason, JSON-RPC body and
 * WWW-Authenticate value; one guard shared by several threads. Against a running
 * grantex-a2a-agent (agent B: tasks:send, one hop of delegation, online revocation): the A2A
 * client's preflight, tasks/send, tasks/get, tasks/cancel and raw calls, and its failures
 * (preflight, the agent's refusals with status and reason, card, network); the agent card
 * (fetched, or given in the options) and the client options (pinned key set, issuer,
 * audience, extra scopes, clock tolerance). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

static const char *BAD_UTF8 = "\xc3\x28";
static const char *AUDIENCE = "https://agent-b.example";

/* Runs a check that must be refused; verifies status, reason, JSON-RPC code and (when not
 * NULL) the WWW-Authenticate value, and that no grant was written. Returns 1 when all held. */
static int expect_rejection_impl(const grantex_a2a_guard *guard, const char *authorization,
                                 const char *method, uint16_t want_status,
                                 const char *want_reason, const char *want_www, int line) {
  grantex_verified_grant *grant = (grantex_verified_grant *)0x1;
  grantex_a2a_rejection *rejection = NULL;
  const char *reason = NULL, *www = NULL, *message = NULL;
  uint16_t status = 0, last_status = 0;
  int64_t rpc = 0;
  int ok = 1;

  ok &= check_rc_impl(grantex_a2a_guard_check(guard, authorization, method, &grant, &rejection),
                      GRANTEX_A2A_REJECTED, __FILE__, line, "grantex_a2a_guard_check");
  ok &= check_impl(grant == (grantex_verified_grant *)0x1, __FILE__, line, "grant untouched");
  if (!check_impl(rejection != NULL, __FILE__, line, "rejection written")) return 0;
  /* The last error mirrors the rejection. */
  ok &= check_impl(grantex_last_error_code() == GRANTEX_A2A_REJECTED, __FILE__, line,
                   "last error code is a2a_rejected");
  ok &= check_impl(grantex_last_error_http_status(&last_status) == GRANTEX_OK &&
                       last_status == want_status,
                   __FILE__, line, "last error HTTP status");
  ok &= check_impl(grantex_a2a_rejection_status(rejection, &status) == GRANTEX_OK &&
                       status == want_status,
                   __FILE__, line, "rejection status");
  ok &= check_impl(grantex_a2a_rejection_reason(rejection, &reason) == GRANTEX_OK, __FILE__, line,
                   "rejection reason");
  ok &= check_str_impl(reason, want_reason, __FILE__, line, "reason");
  ok &= check_impl(grantex_a2a_rejection_message(rejection, &message) == GRANTEX_OK && message &&
                       strlen(message) > 0,
                   __FILE__, line, "rejection message");
  ok &= check_impl(grantex_a2a_rejection_rpc_code(rejection, &rpc) == GRANTEX_OK &&
                       rpc == (want_status == 403 ? -32003 : want_status == 503 ? -32005 : -32001),
                   __FILE__, line, "JSON-RPC code");
  if (want_www) {
    ok &= check_impl(grantex_a2a_rejection_www_authenticate(rejection, &www) == GRANTEX_OK,
                     __FILE__, line, "WWW-Authenticate");
    ok &= check_str_impl(www, want_www, __FILE__, line, "WWW-Authenticate");
  } else {
    www = "untouched";
    ok &= check_impl(grantex_a2a_rejection_www_authenticate(rejection, &www) == GRANTEX_NOT_FOUND &&
                         strcmp(www, "untouched") == 0,
                     __FILE__, line, "no WWW-Authenticate for a 503");
  }
  {
    char *body = NULL;
    char want[128];
    ok &= check_impl(grantex_a2a_rejection_body(rejection, "42", &body) == GRANTEX_OK && body,
                     __FILE__, line, "JSON-RPC body");
    snprintf(want, sizeof want, "\"reason\":\"%s\"", want_reason);
    ok &= check_impl(body && strstr(body, want) && strstr(body, "\"id\":42") &&
                         strstr(body, "\"jsonrpc\":\"2.0\""),
                     __FILE__, line, "body has id, jsonrpc and data.reason");
    grantex_string_free(body);
  }
  grantex_a2a_rejection_free(rejection);
  return ok;
}
#define EXPECT_REJECTION(guard, auth, method, status, reason, www) \
  expect_rejection_impl((guard), (auth), (method), (status), (reason), (www), __LINE__)

static const char *WWW_MISSING = "Bearer realm=\"grantex\"";
static const char *WWW_INVALID = "Bearer realm=\"grantex\", error=\"invalid_token\"";
static const char *WWW_SCOPE = "Bearer realm=\"grantex\", error=\"insufficient_scope\"";

/* "Bearer <token>" in a malloc'ed buffer. */
static char *bearer(const char *token) {
  size_t n = strlen(token) + 8;
  char *h = malloc(n);
  if (!h) abort();
  snprintf(h, n, "Bearer %s", token);
  return h;
}

static void test_null_arguments(void) {
  grantex_a2a_policy *policy = (grantex_a2a_policy *)0x1;
  grantex_a2a_guard *guard = (grantex_a2a_guard *)0x1;
  grantex_verified_grant *grant = (grantex_verified_grant *)0x1;
  grantex_a2a_rejection *rejection = (grantex_a2a_rejection *)0x1;
  const char *borrowed = "untouched";
  char *owned = (char *)0x1, *owned2 = (char *)0x1;
  uint16_t status = 7;
  int64_t rpc = 7;
  const char *scopes[2] = {"a", NULL};

  CHECK_RC(grantex_a2a_policy_new_remote(NULL, &policy), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_new_remote(BAD_UTF8, &policy), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_new_remote("http://127.0.0.1:9/jwks.json", NULL),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_new_from_json(NULL, &policy), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_new_from_json("{\"keys\":[]}", NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK(policy == (grantex_a2a_policy *)0x1);
  CHECK_RC(grantex_a2a_policy_set_issuer(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_audience(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_add_required_scope(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_clear_required_scopes(NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_method_scopes(NULL, "m", scopes, 1), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_remove_method_scopes(NULL, "m"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_delegation(NULL, true, 1), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_clock_tolerance(NULL, 5), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_revocation_online(NULL, "http://127.0.0.1:9", "k", 0),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_revocation_offline(NULL), GRANTEX_INVALID_ARGUMENT);

  CHECK_OK(grantex_a2a_policy_new_remote("http://127.0.0.1:9/.well-known/jwks.json", &policy));
  CHECK_RC(grantex_a2a_policy_add_required_scope(policy, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_add_required_scope(policy, BAD_UTF8), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_issuer(policy, BAD_UTF8), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_method_scopes(policy, NULL, scopes, 1),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_method_scopes(policy, "m", NULL, 1), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_method_scopes(policy, "m", scopes, 2), GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "scopes[1]") != NULL);
  CHECK_OK(grantex_a2a_policy_set_method_scopes(policy, "m", NULL, 0));
  CHECK_RC(grantex_a2a_policy_remove_method_scopes(policy, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_delegation(policy, true, 1LL << 40), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_revocation_online(policy, NULL, "k", 0),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_policy_set_revocation_online(policy, "http://127.0.0.1:9", NULL, 0),
           GRANTEX_INVALID_ARGUMENT);

  CHECK_RC(grantex_a2a_guard_new(NULL, &guard), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_guard_new(policy, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK(guard == (grantex_a2a_guard *)0x1);
  guard = NULL;
  CHECK_OK(grantex_a2a_guard_new(policy, &guard));
  CHECK_RC(grantex_a2a_guard_check(NULL, "Bearer a.b.c", "m", &grant, &rejection),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_guard_check(guard, "Bearer a.b.c", "m", NULL, &rejection),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_guard_check(guard, "Bearer a.b.c", "m", &grant, NULL),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_guard_check(guard, BAD_UTF8, "m", &grant, &rejection),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "authorization") != NULL);
  CHECK_RC(grantex_a2a_guard_check(guard, "Bearer a.b.c", BAD_UTF8, &grant, &rejection),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(grant == (grantex_verified_grant *)0x1);
  CHECK(rejection == (grantex_a2a_rejection *)0x1);
  CHECK_RC(grantex_a2a_guard_issuer(NULL, &owned), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_guard_issuer(guard, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK(owned == (char *)0x1);
  if (CHECK_OK(grantex_a2a_guard_issuer(guard, &owned))) {
    CHECK_STR(owned, "http://127.0.0.1:9");
    grantex_string_free(owned);
  }
  owned = (char *)0x1;

  CHECK_RC(grantex_a2a_rejection_status(NULL, &status), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_rejection_reason(NULL, &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_rejection_message(NULL, &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_rejection_rpc_code(NULL, &rpc), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_rejection_www_authenticate(NULL, &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_rejection_body(NULL, "1", &owned), GRANTEX_INVALID_ARGUMENT);
  CHECK(status == 7 && rpc == 7 && owned == (char *)0x1);
  CHECK_STR(borrowed, "untouched");

  /* A real rejection (no header), then its accessors' NULL outs and bad ids. */
  rejection = NULL;
  CHECK_RC(grantex_a2a_guard_check(guard, NULL, NULL, &grant, &rejection), GRANTEX_A2A_REJECTED);
  if (CHECK(rejection != NULL)) {
    CHECK_RC(grantex_a2a_rejection_status(rejection, NULL), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_a2a_rejection_reason(rejection, NULL), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_a2a_rejection_body(rejection, "1", NULL), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_a2a_rejection_body(rejection, "{\"a\":1}", &owned), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_a2a_rejection_body(rejection, "not json", &owned), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_a2a_rejection_body(rejection, BAD_UTF8, &owned), GRANTEX_INVALID_ARGUMENT);
    CHECK(owned == (char *)0x1);
    if (CHECK_OK(grantex_a2a_rejection_body(rejection, NULL, &owned))) {
      CHECK(strstr(owned, "\"id\":null") != NULL);
      grantex_string_free(owned);
    }
    if (CHECK_OK(grantex_a2a_rejection_body(rejection, "\"req-1\"", &owned))) {
      CHECK(strstr(owned, "\"id\":\"req-1\"") != NULL);
      CHECK(strstr(owned, "\"code\":-32001") != NULL);
      grantex_string_free(owned);
    }
  }
  grantex_a2a_rejection_free(rejection);
  CHECK(grant == (grantex_verified_grant *)0x1);

  owned = (char *)0x1;
  CHECK_RC(grantex_a2a_peek_request(NULL, 3, &owned, &owned2), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_peek_request((const uint8_t *)"{}", 2, NULL, &owned2),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_peek_request((const uint8_t *)"{}", 2, &owned, NULL),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(owned == (char *)0x1 && owned2 == (char *)0x1);

  grantex_a2a_guard_free(guard);
  grantex_a2a_policy_free(policy);
}

static void test_free_null(void) {
  /* Every destructor accepts NULL; reaching the next line is the test. */
  grantex_a2a_policy_free(NULL);
  grantex_a2a_guard_free(NULL);
  grantex_a2a_rejection_free(NULL);
  CHECK(1);
}

static void test_peek(void) {
  char *method = (char *)0x1, *id = (char *)0x1;
  const char *rpc = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/send\",\"params\":{}}";
  const char *string_id = "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tasks/get\"}";
  const char *odd = "{\"id\":{\"x\":1},\"method\":5}";

  if (CHECK_OK(grantex_a2a_peek_request((const uint8_t *)rpc, strlen(rpc), &method, &id))) {
    CHECK_STR(method, "tasks/send");
    CHECK_STR(id, "7");
    grantex_string_free(method);
    grantex_string_free(id);
  }
  method = id = (char *)0x1;
  if (CHECK_OK(grantex_a2a_peek_request((const uint8_t *)string_id, strlen(string_id), &method,
                                        &id))) {
    CHECK_STR(method, "tasks/get");
    CHECK_STR(id, "\"abc\"");
    grantex_string_free(method);
    grantex_string_free(id);
  }
  /* Not JSON, an empty body, and members of the wrong type: both absent, still success. */
  method = id = (char *)0x1;
  CHECK_OK(grantex_a2a_peek_request((const uint8_t *)"\xff\xfe{", 3, &method, &id));
  CHECK(method == NULL && id == NULL);
  method = id = (char *)0x1;
  CHECK_OK(grantex_a2a_peek_request(NULL, 0, &method, &id));
  CHECK(method == NULL && id == NULL);
  method = id = (char *)0x1;
  CHECK_OK(grantex_a2a_peek_request((const uint8_t *)odd, strlen(odd), &method, &id));
  CHECK(method == NULL && id == NULL);
}

static void test_policy_validation(const char *vectors_path) {
  grantex_a2a_policy *policy = (grantex_a2a_policy *)0x1;
  grantex_a2a_guard *guard = (grantex_a2a_guard *)0x1;

  CHECK_RC(grantex_a2a_policy_new_remote("ftp://example.com/jwks", &policy), GRANTEX_CONFIG);
  CHECK_RC(grantex_a2a_policy_new_remote("not a url", &policy), GRANTEX_CONFIG);
  CHECK_RC(grantex_a2a_policy_new_from_json("{\"keys\":", &policy), GRANTEX_TOKEN_INVALID_JWKS);
  CHECK_RC(grantex_a2a_policy_new_from_json("{\"keys\":[]}", &policy),
           GRANTEX_TOKEN_INVALID_JWKS);
  CHECK(policy == (grantex_a2a_policy *)0x1);

  /* Online revocation settings are checked when the guard is made. */
  policy = NULL;
  CHECK_OK(grantex_a2a_policy_new_remote("http://127.0.0.1:9/jwks.json", &policy));
  CHECK_OK(grantex_a2a_policy_set_revocation_online(policy, "http://127.0.0.1:9", "k", 301));
  CHECK_RC(grantex_a2a_guard_new(policy, &guard), GRANTEX_CONFIG);
  CHECK(strstr(last_message(), "5 minutes") != NULL);
  CHECK_OK(grantex_a2a_policy_set_revocation_online(policy, "http://127.0.0.1:9", "  ", 0));
  CHECK_RC(grantex_a2a_guard_new(policy, &guard), GRANTEX_CONFIG);
  /* A base URL that is not http(s) is a configuration error, like a bad JWKS URI. */
  CHECK_OK(grantex_a2a_policy_set_revocation_online(policy, "mailto:x@example.com", "k", 0));
  CHECK_RC(grantex_a2a_guard_new(policy, &guard), GRANTEX_CONFIG);
  CHECK(strstr(last_message(), "base URL") != NULL);
  CHECK(guard == (grantex_a2a_guard *)0x1);
  CHECK_OK(grantex_a2a_policy_set_revocation_offline(policy));
  guard = NULL;
  CHECK_OK(grantex_a2a_guard_new(policy, &guard));
  grantex_a2a_guard_free(guard);
  grantex_a2a_policy_free(policy);

  /* The shared vectors' key set: needs an issuer; the vector token is long expired. */
  {
    char *token = NULL, *jwks = NULL, *issuer = NULL, *header = NULL, *got = NULL;
    long long now = 0;
    if (!CHECK(vectors_first_valid(vectors_path, &token, &jwks, &issuer, &now) == 0)) return;
    policy = NULL;
    guard = (grantex_a2a_guard *)0x1;
    CHECK_OK(grantex_a2a_policy_new_from_json(jwks, &policy));
    CHECK_RC(grantex_a2a_guard_new(policy, &guard), GRANTEX_CONFIG);
    CHECK(strstr(last_message(), "issuer") != NULL);
    CHECK(guard == (grantex_a2a_guard *)0x1);
    CHECK_OK(grantex_a2a_policy_set_issuer(policy, issuer));
    guard = NULL;
    CHECK_OK(grantex_a2a_guard_new(policy, &guard));
    /* The guard took a copy: freeing the policy now changes nothing. */
    grantex_a2a_policy_free(policy);
    if (CHECK_OK(grantex_a2a_guard_issuer(guard, &got))) CHECK_STR(got, issuer);
    grantex_string_free(got);
    header = bearer(token);
    EXPECT_REJECTION(guard, header, "tasks/send", 401, "expired", WWW_INVALID);
    /* A clock tolerance over an hour (enough to reach back to the vectors' fixed clock) is a
       configuration error, not a way to accept expired tokens; exactly an hour is allowed. */
    {
      grantex_a2a_policy *lenient = NULL;
      grantex_a2a_guard *lenient_guard = NULL;
      CHECK_OK(grantex_a2a_policy_new_from_json(jwks, &lenient));
      CHECK_OK(grantex_a2a_policy_set_issuer(lenient, issuer));
      CHECK_OK(grantex_a2a_policy_set_clock_tolerance(
          lenient, (uint64_t)((long long)time(NULL) - now + 86400)));
      CHECK_RC(grantex_a2a_guard_new(lenient, &lenient_guard), GRANTEX_CONFIG);
      CHECK(lenient_guard == NULL);
      CHECK(strstr(last_message(), "over an hour") != NULL);
      CHECK_OK(grantex_a2a_policy_set_clock_tolerance(lenient, 3600));
      CHECK_OK(grantex_a2a_guard_new(lenient, &lenient_guard));
      EXPECT_REJECTION(lenient_guard, header, "tasks/send", 401, "expired", WWW_INVALID);
      grantex_a2a_guard_free(lenient_guard);
      grantex_a2a_policy_free(lenient);
    }
    /* Header shapes the bearer parser refuses, before any key is looked at. */
    EXPECT_REJECTION(guard, NULL, "tasks/send", 401, "missing_token", WWW_MISSING);
    EXPECT_REJECTION(guard, "Basic dXNlcjpwdw==", "tasks/send", 401,
                     "invalid_authorization_header", WWW_INVALID);
    EXPECT_REJECTION(guard, "Bearer", NULL, 401, "invalid_authorization_header", WWW_INVALID);
    EXPECT_REJECTION(guard, "Bearer not-a-jwt", NULL, 401, "malformed", WWW_INVALID);
    grantex_a2a_guard_free(guard);
    free(header);
    free(token);
    free(jwks);
    free(issuer);
  }

  /* Key set unreachable: fails closed with 503 and no WWW-Authenticate. */
  {
    char *header = bearer("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.AAAA");
    policy = NULL;
    guard = NULL;
    CHECK_OK(grantex_a2a_policy_new_remote("http://127.0.0.1:9/a2a-jwks.json", &policy));
    CHECK_OK(grantex_a2a_guard_new(policy, &guard));
    EXPECT_REJECTION(guard, header, "tasks/send", 503, "jwks_fetch", NULL);
    grantex_a2a_guard_free(guard);
    grantex_a2a_policy_free(policy);
    free(header);
  }
}

void test_a2a_offline(const char *vectors_path) {
  CHECK_STR(grantex_result_name(GRANTEX_A2A_REJECTED), "a2a_rejected");
  CHECK(GRANTEX_A2A_REJECTED == 8000);
  CHECK(!grantex_result_is_token_error(GRANTEX_A2A_REJECTED));
  test_free_null();
  test_null_arguments();
  test_peek();
  if (vectors_path) test_policy_validation(vectors_path);
}

/* ------------------------------------------------------------------ against the server */

/* A copy of the string at `path` of `r` ("" when absent; a failed check is recorded). */
static char *field(const grantex_response *r, const char *path) {
  const char *s = NULL;
  char *copy;
  if (!r || !CHECK_OK(grantex_response_string(r, path, &s)) || !s) s = "";
  copy = strdup(s);
  if (!copy) abort();
  return copy;
}

static char *register_agent(grantex_client *client, const char *name, char **did) {
  grantex_params *p = NULL;
  grantex_response *agent = NULL;
  char *id;
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "name", name));
  CHECK_OK(grantex_params_add_string(p, "scopes", "tasks:send"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "tasks:cancel"));
  CHECK_OK(grantex_agents_register(client, p, &agent));
  id = field(agent, "agentId");
  *did = field(agent, "did");
  grantex_response_free(agent);
  grantex_params_free(p);
  return id;
}

/* authorize (with an audience) -> approve -> exchange; the token response. */
static grantex_response *grant_for(grantex_client *client, const char *agent_id) {
  grantex_params *p = NULL;
  grantex_response *auth = NULL, *approval = NULL, *tok = NULL;
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "agentId", agent_id));
  CHECK_OK(grantex_params_set_string(p, "principalId", "usr_carol"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "tasks:send"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "tasks:cancel"));
  CHECK_OK(grantex_params_set_string(p, "audience", AUDIENCE));
  if (CHECK_OK(grantex_authorize(client, p, &auth))) {
    char *request_id = field(auth, "authRequestId");
    if (CHECK_OK(grantex_consent_approve(client, request_id, &approval))) {
      char *code = field(approval, "code");
      grantex_params *x = NULL;
      CHECK_OK(grantex_params_new(&x));
      CHECK_OK(grantex_params_set_string(x, "code", code));
      CHECK_OK(grantex_params_set_string(x, "agentId", agent_id));
      CHECK_OK(grantex_tokens_exchange(client, x, &tok));
      grantex_params_free(x);
      free(code);
    }
    free(request_id);
  }
  grantex_response_free(approval);
  grantex_response_free(auth);
  grantex_params_free(p);
  return tok;
}

/* Delegates `scope` of `parent_token` to `sub_agent_id`; the new token (malloc'ed, "" on
 * failure). */
static char *delegate(grantex_client *client, const char *parent_token, const char *sub_agent_id) {
  grantex_params *p = NULL;
  grantex_response *child = NULL;
  char *token;
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "parentGrantToken", parent_token));
  CHECK_OK(grantex_params_set_string(p, "subAgentId", sub_agent_id));
  CHECK_OK(grantex_params_add_string(p, "scopes", "tasks:send"));
  CHECK_OK(grantex_params_set_string(p, "expiresIn", "1h"));
  CHECK_OK(grantex_grants_delegate(client, p, &child));
  token = field(child, "grantToken");
  grantex_response_free(child);
  grantex_params_free(p);
  return token;
}

/* Accepts `header` for `method`; returns the grant (caller frees) or NULL. */
static grantex_verified_grant *accept_impl(const grantex_a2a_guard *guard, const char *header,
                                           const char *method, int line) {
  grantex_verified_grant *grant = NULL;
  grantex_a2a_rejection *rejection = (grantex_a2a_rejection *)0x1;
  check_rc_impl(grantex_a2a_guard_check(guard, header, method, &grant, &rejection), GRANTEX_OK,
                __FILE__, line, "grantex_a2a_guard_check");
  check_impl(grant != NULL, __FILE__, line, "grant written");
  check_impl(rejection == (grantex_a2a_rejection *)0x1, __FILE__, line, "rejection untouched");
  return grant;
}
#define ACCEPT(guard, header, method) accept_impl((guard), (header), (method), __LINE__)

struct guard_thread {
  const grantex_a2a_guard *guard;
  const char *header;
  int ok;
};

/* 25 checks on a shared guard: 24 accepted, then one missing header refused. */
static void *check_many(void *p) {
  struct guard_thread *arg = p;
  int i, ok = 1;
  for (i = 0; i < 25 && ok; i++) {
    grantex_verified_grant *grant = NULL;
    grantex_a2a_rejection *rejection = NULL;
    const char *header = i == 24 ? NULL : arg->header;
    grantex_result rc = grantex_a2a_guard_check(arg->guard, header, "tasks/send", &grant,
                                                &rejection);
    if (i < 24) {
      ok = rc == GRANTEX_OK && grant != NULL && rejection == NULL;
    } else {
      uint16_t status = 0;
      ok = rc == GRANTEX_A2A_REJECTED && grant == NULL && rejection != NULL &&
           grantex_a2a_rejection_status(rejection, &status) == GRANTEX_OK && status == 401;
    }
    grantex_verified_grant_free(grant);
    grantex_a2a_rejection_free(rejection);
  }
  arg->ok = ok;
  return NULL;
}

/* A client for `agent_url` with `token` (NULL on failure, recorded). */
static grantex_a2a_client *client_for(const char *agent_url, const char *token) {
  grantex_a2a_client *c = NULL;
  CHECK_OK(grantex_a2a_client_new(agent_url, token, 10000, &c));
  return c;
}

/* tasks/send with one text part; the response or NULL. Returns the call's code. */
static grantex_result send_text(const grantex_a2a_client *c, const char *text,
                                grantex_response **out) {
  grantex_params *p = NULL;
  grantex_result rc;
  char message[256];
  snprintf(message, sizeof message,
           "{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"%s\"}]}", text);
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_json(p, "message", message));
  rc = grantex_a2a_client_send_task(c, p, out);
  grantex_params_free(p);
  return rc;
}

/* Expects the last error to carry `status` and `reason` (api code) from the remote agent. */
static void expect_remote_impl(uint16_t want_status, const char *want_reason, int line) {
  uint16_t status = 0;
  char reason[64] = "";
  check_impl(grantex_last_error_http_status(&status) == GRANTEX_OK && status == want_status,
             __FILE__, line, "remote HTTP status in the last error");
  if (want_reason) {
    check_impl(grantex_last_error_api_code(reason, sizeof reason, NULL) == GRANTEX_OK, __FILE__,
               line, "remote reason in the last error");
    check_str_impl(reason, want_reason, __FILE__, line, "reason");
  }
}
#define EXPECT_REMOTE(status, reason) expect_remote_impl((status), (reason), __LINE__)

/* A client with `options` (NULL on failure, recorded). */
static grantex_a2a_client *client_with(const char *agent_url, const char *token,
                                       const grantex_a2a_client_options *options) {
  grantex_a2a_client *c = NULL;
  CHECK_OK(grantex_a2a_client_new_with_options(agent_url, token, 10000, options, &c));
  return c;
}

/* Preflight with `options`; returns its code (the grant, if any, is freed). */
static grantex_result preflight_with(const char *agent_url, const char *token,
                                     const grantex_a2a_client_options *options) {
  grantex_a2a_client *c = client_with(agent_url, token, options);
  grantex_verified_grant *grant = NULL;
  grantex_result rc = c ? grantex_a2a_client_preflight(c, &grant) : GRANTEX_UNKNOWN_ERROR;
  grantex_verified_grant_free(grant);
  grantex_a2a_client_free(c);
  return rc;
}

/* The agent card and the client options: card fetched and given, pinned key set, issuer,
 * audience, extra scopes, clock tolerance, and their failures. */
static void test_client_options(grantex_client *client, const char *agent_url,
                                const char *base_url, const char *token) {
  grantex_a2a_client_options *o = (grantex_a2a_client_options *)0x1;
  grantex_a2a_client *c = NULL, *given = (grantex_a2a_client *)0x1;
  grantex_response *card = (grantex_response *)0x1, *r = NULL;
  const char *s = NULL, *card_json = NULL;
  char jwks_uri[512], reason[64] = "";
  char *card_copy = NULL, *jwks = NULL;

  snprintf(jwks_uri, sizeof jwks_uri, "%s/.well-known/jwks.json", base_url);
  /* NULL arguments. */
  grantex_a2a_client_options_free(NULL);
  CHECK_RC(grantex_a2a_client_options_new(NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_set_card(NULL, "{}"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_set_jwks_uri(NULL, jwks_uri), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_set_jwks_json(NULL, "{}"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_set_issuer(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_set_audience(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_add_required_scope(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_clear_required_scopes(NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_options_set_clock_tolerance(NULL, 1), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_card(NULL, &card), GRANTEX_INVALID_ARGUMENT);
  CHECK(o == (grantex_a2a_client_options *)0x1 && card == (grantex_response *)0x1);
  CHECK_RC(grantex_a2a_client_new_with_options(agent_url, NULL, 0, NULL, &given),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(given == (grantex_a2a_client *)0x1);

  /* The card, fetched from the agent and kept. */
  c = client_for(agent_url, token);
  if (!c) return;
  CHECK_RC(grantex_a2a_client_card(c, NULL), GRANTEX_INVALID_ARGUMENT);
  card = NULL;
  if (CHECK_OK(grantex_a2a_client_card(c, &card))) {
    CHECK_OK(grantex_response_string(card, "/authentication/schemes/0/grantexConfig/jwksUri", &s));
    CHECK_STR(s, jwks_uri);
    CHECK_OK(grantex_response_string(card, "/authentication/schemes/0/grantexConfig/issuer", &s));
    CHECK_STR(s, base_url);
    CHECK_OK(grantex_response_string(card, "/authentication/schemes/0/grantexConfig/requiredScopes/0", &s));
    CHECK_STR(s, "tasks:send");
    CHECK_OK(grantex_response_string(card, "url", &s));
    CHECK_STR(s, agent_url);
    CHECK_OK(grantex_response_json(card, &card_json));
    card_copy = strdup(card_json ? card_json : "{}");
  }
  grantex_response_free(card);
  grantex_a2a_client_free(c);
  if (!card_copy) return;

  /* Empty options behave as grantex_a2a_client_new(). */
  CHECK_OK(grantex_a2a_client_options_new(&o));
  CHECK_OK(preflight_with(agent_url, token, o));
  CHECK_OK(preflight_with(agent_url, token, NULL));

  /* A given card is not fetched: a client for a closed port still has it and preflights
   * (the card's JWKS is the server's), but cannot send. */
  CHECK_RC(grantex_a2a_client_options_set_card(o, "{\"name\":1}"), GRANTEX_A2A_CARD);
  CHECK_RC(grantex_a2a_client_options_set_card(o, BAD_UTF8), GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_a2a_client_options_set_card(o, card_copy));
  c = client_with("http://127.0.0.1:9", token, o);
  if (c) {
    grantex_verified_grant *grant = NULL;
    card = NULL;
    if (CHECK_OK(grantex_a2a_client_card(c, &card))) {
      CHECK_OK(grantex_response_string(card, "url", &s));
      CHECK_STR(s, agent_url);
    }
    grantex_response_free(card);
    CHECK_OK(grantex_a2a_client_preflight(c, &grant));
    grantex_verified_grant_free(grant);
    CHECK_RC(send_text(c, "x", &r), GRANTEX_NETWORK);
    grantex_a2a_client_free(c);
  }
  CHECK_OK(grantex_a2a_client_options_set_card(o, NULL));

  /* The key set pinned: a URI (checked), or a document; not both. */
  CHECK_RC(grantex_a2a_client_options_set_jwks_uri(o, "ftp://keys.example/jwks.json"),
           GRANTEX_CONFIG);
  CHECK_RC(grantex_a2a_client_options_set_jwks_json(o, "{\"keys\":7}"),
           GRANTEX_TOKEN_INVALID_JWKS);
  CHECK_OK(grantex_a2a_client_options_set_jwks_uri(o, jwks_uri));
  CHECK_OK(preflight_with(agent_url, token, o));
  if (CHECK_OK(grantex_client_call(client, GRANTEX_OP_JWKS, NULL, &jwks))) {
    CHECK_OK(grantex_a2a_client_options_set_jwks_json(o, jwks));
    given = (grantex_a2a_client *)0x1;
    CHECK_RC(grantex_a2a_client_new_with_options(agent_url, token, 0, o, &given), GRANTEX_CONFIG);
    CHECK(given == (grantex_a2a_client *)0x1);
    CHECK_OK(grantex_a2a_client_options_set_jwks_uri(o, NULL));
    CHECK_OK(preflight_with(agent_url, token, o)); /* the document alone, never fetched */
    grantex_string_free(jwks);
  }
  CHECK_OK(grantex_a2a_client_options_set_jwks_json(o, NULL));

  /* An issuer the card does not name: the card is refused. */
  CHECK_OK(grantex_a2a_client_options_set_issuer(o, "https://issuer.example"));
  CHECK_RC(preflight_with(agent_url, token, o), GRANTEX_A2A_CARD);
  CHECK_OK(grantex_a2a_client_options_set_issuer(o, base_url));
  CHECK_OK(preflight_with(agent_url, token, o));
  CHECK_OK(grantex_a2a_client_options_set_issuer(o, NULL));

  /* Audience and extra scopes are checked on our own token before anything is sent. */
  CHECK_OK(grantex_a2a_client_options_set_audience(o, "https://someone-else.example"));
  CHECK_RC(preflight_with(agent_url, token, o), GRANTEX_A2A_PREFLIGHT);
  CHECK_OK(grantex_last_error_api_code(reason, sizeof reason, NULL));
  CHECK_STR(reason, "wrong_audience");
  CHECK_OK(grantex_a2a_client_options_set_audience(o, AUDIENCE));
  CHECK_OK(preflight_with(agent_url, token, o));
  CHECK_OK(grantex_a2a_client_options_add_required_scope(o, "payments:initiate"));
  CHECK_RC(preflight_with(agent_url, token, o), GRANTEX_A2A_PREFLIGHT);
  CHECK_OK(grantex_last_error_api_code(reason, sizeof reason, NULL));
  CHECK_STR(reason, "missing_scopes");
  CHECK_OK(grantex_a2a_client_options_clear_required_scopes(o));
  CHECK_OK(grantex_a2a_client_options_add_required_scope(o, "tasks:send"));
  CHECK_OK(preflight_with(agent_url, token, o));

  /* Clock tolerance: up to an hour. */
  CHECK_OK(grantex_a2a_client_options_set_clock_tolerance(o, 3601));
  given = (grantex_a2a_client *)0x1;
  CHECK_RC(grantex_a2a_client_new_with_options(agent_url, token, 0, o, &given), GRANTEX_CONFIG);
  CHECK(given == (grantex_a2a_client *)0x1);
  CHECK_OK(grantex_a2a_client_options_set_clock_tolerance(o, 30));

  /* The options are copied: freeing them leaves the client working. */
  c = client_with(agent_url, token, o);
  grantex_a2a_client_options_free(o);
  if (c) {
    r = NULL;
    if (CHECK_OK(send_text(c, "with options", &r))) {
      CHECK_OK(grantex_response_string(r, "/artifacts/0/parts/0/text", &s));
      CHECK_STR(s, "with options");
    }
    grantex_response_free(r);
    grantex_a2a_client_free(c);
  }
  free(card_copy);
}

/* The A2A client against agent B, with A's token, a forged one and a two-hop delegated one. */
static void test_client(const char *agent_url, const char *base_url, const char *token,
                        const char *grandchild, char **task_id) {
  grantex_a2a_client *c = (grantex_a2a_client *)0x1, *bad = NULL;
  grantex_response *r = (grantex_response *)0x1;
  grantex_verified_grant *grant = (grantex_verified_grant *)0x1;
  grantex_params *p = NULL;
  const char *s = NULL;
  char reason[64];

  grantex_a2a_client_free(NULL);
  CHECK_RC(grantex_a2a_client_new(NULL, token, 0, &c), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_new(agent_url, NULL, 0, &c), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_new(agent_url, BAD_UTF8, 0, &c), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_new(agent_url, "  ", 0, &c), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_new(agent_url, token, 86400001, &c), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_new("ftp://agent.example", token, 0, &c), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_new(agent_url, token, 0, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK(c == (grantex_a2a_client *)0x1);
  CHECK_RC(grantex_a2a_client_preflight(NULL, &grant), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(send_text(NULL, "x", &r), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_call(NULL, "tasks/get", NULL, &r), GRANTEX_INVALID_ARGUMENT);
  CHECK(r == (grantex_response *)0x1 && grant == (grantex_verified_grant *)0x1);

  c = client_for(agent_url, token);
  if (!c) return;
  CHECK_RC(grantex_a2a_client_send_task(c, NULL, &r), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(send_text(c, "x", NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_call(c, NULL, NULL, &r), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_a2a_client_call(c, "", NULL, &r), GRANTEX_INVALID_ARGUMENT);
  /* A typo in the params is refused before anything is sent. */
  p = NULL;
  CHECK_OK(grantex_params_from_json("{\"id\":\"t\",\"historyLenght\":2}", &p));
  CHECK_RC(grantex_a2a_client_get_task(c, p, &r), GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "historyLenght") != NULL);
  grantex_params_free(p);
  CHECK(r == (grantex_response *)0x1);

  /* Preflight: the card's JWKS, issuer and required scope, checked offline. */
  grant = NULL;
  if (CHECK_OK(grantex_a2a_client_preflight(c, &grant))) {
    CHECK_OK(grantex_verified_grant_principal_id(grant, &s));
    CHECK_STR(s, "usr_carol");
  }
  grantex_verified_grant_free(grant);

  /* tasks/send -> a completed task echoing the text; tasks/get finds it; tasks/cancel of a
   * finished task is the agent's JSON-RPC error -32011. */
  r = NULL;
  if (CHECK_OK(send_text(c, "hello B", &r))) {
    CHECK_OK(grantex_response_string(r, "/status/state", &s));
    CHECK_STR(s, "completed");
    CHECK_OK(grantex_response_string(r, "/artifacts/0/parts/0/text", &s));
    CHECK_STR(s, "hello B");
    CHECK_OK(grantex_response_string(r, "id", &s));
    *task_id = strdup(s ? s : "");
  }
  grantex_response_free(r);
  if (*task_id) {
    char json[256];
    snprintf(json, sizeof json, "{\"id\":\"%s\"}", *task_id);
    p = NULL;
    r = NULL;
    CHECK_OK(grantex_params_from_json(json, &p));
    if (CHECK_OK(grantex_a2a_client_get_task(c, p, &r))) {
      CHECK_OK(grantex_response_string(r, "id", &s));
      CHECK_STR(s, *task_id);
    }
    grantex_response_free(r);
    r = NULL;
    if (CHECK_OK(grantex_a2a_client_call(c, "tasks/get", p, &r))) {
      CHECK_OK(grantex_response_string(r, "/status/state", &s));
      CHECK_STR(s, "completed");
    }
    grantex_response_free(r);
    r = (grantex_response *)0x1;
    CHECK_RC(grantex_a2a_client_cancel_task(c, p, &r), GRANTEX_A2A_RPC);
    CHECK(r == (grantex_response *)0x1);
    {
      char *body = NULL;
      CHECK_OK(grantex_last_error_body(&body));
      CHECK(body && strstr(body, "-32011") != NULL);
      grantex_string_free(body);
    }
    grantex_params_free(p);
  }
  CHECK_RC(grantex_a2a_client_call(c, "tasks/unknown", NULL, &r), GRANTEX_A2A_RPC);

  /* A forged token never leaves: the preflight refuses it. */
  {
    char *forged = strdup(token);
    size_t len = strlen(forged);
    if (!forged) abort();
    forged[len - 5] = forged[len - 5] == 'A' ? 'B' : 'A';
    bad = client_for(agent_url, forged);
    CHECK_RC(send_text(bad, "forged", &r), GRANTEX_A2A_PREFLIGHT);
    CHECK_OK(grantex_last_error_api_code(reason, sizeof reason, NULL));
    CHECK_STR(reason, "bad_signature");
    {
      uint16_t status = 0;
      CHECK_RC(grantex_last_error_http_status(&status), GRANTEX_NOT_FOUND); /* nothing sent */
    }
    grantex_a2a_client_free(bad);
    free(forged);
  }
  /* Two hops of delegation: the card allows delegation, agent B's limit is one hop. */
  bad = client_for(agent_url, grandchild);
  CHECK_RC(send_text(bad, "too deep", &r), GRANTEX_A2A_RPC);
  EXPECT_REMOTE(403, "delegation_too_deep");
  grantex_a2a_client_free(bad);
  /* The Grantex server is no A2A agent: no card. A closed port: network error. */
  bad = client_for(base_url, token);
  CHECK_RC(send_text(bad, "x", &r), GRANTEX_A2A_CARD);
  grantex_a2a_client_free(bad);
  bad = client_for("http://127.0.0.1:9", token);
  CHECK_RC(send_text(bad, "x", &r), GRANTEX_NETWORK);
  grantex_a2a_client_free(bad);
  CHECK(r == (grantex_response *)0x1);
  grantex_a2a_client_free(c);
}

void test_a2a_flow(const char *base_url, const char *api_key, const char *agent_url) {
  grantex_client *client = NULL;
  grantex_response *tok = NULL;
  grantex_a2a_policy *policy = NULL;
  grantex_a2a_guard *guard = NULL, *strict = NULL, *no_deleg = NULL, *deleg1 = NULL,
                    *online = NULL, *other_aud = NULL, *other_dev = NULL,
                    *empty_dev = NULL;
  grantex_verified_grant *grant = NULL;
  char *jwks_uri = NULL, *a_id, *a_did, *c_id, *c_did, *d_id, *d_did;
  char *token = NULL, *grant_id = NULL, *child = NULL, *grandchild = NULL;
  char *h_token = NULL, *h_child = NULL, *h_grandchild = NULL, *jti = NULL, *task_id = NULL;
  const char *s = NULL;
  size_t n = 0;
  uint32_t depth = 99;
  bool has = false;
  const char *cancel_scopes[1] = {"payments:initiate"};
  const char *no_scopes[1] = {NULL};

  if (!CHECK_OK(grantex_client_new(api_key, base_url, 10000, 2, &client))) return;
  CHECK_OK(grantex_client_jwks_uri(client, &jwks_uri));
  a_id = register_agent(client, "c-a2a-agent-a", &a_did);
  c_id = register_agent(client, "c-a2a-agent-c", &c_did);
  d_id = register_agent(client, "c-a2a-agent-d", &d_did);
  tok = grant_for(client, a_id);
  if (!CHECK(tok != NULL)) goto done;
  token = field(tok, "grantToken");
  grant_id = field(tok, "grantId");
  h_token = bearer(token);

  /* B's policy: the server's JWKS (issuer derived from it), audience, a default scope, and a
   * stricter per-method scope for tasks/cancel. */
  CHECK_OK(grantex_a2a_policy_new_remote(jwks_uri, &policy));
  CHECK_OK(grantex_a2a_policy_set_audience(policy, AUDIENCE));
  CHECK_OK(grantex_a2a_policy_add_required_scope(policy, "tasks:send"));
  CHECK_OK(grantex_a2a_guard_new(policy, &guard));
  CHECK_OK(grantex_a2a_policy_set_method_scopes(policy, "tasks/cancel", cancel_scopes, 1));
  CHECK_OK(grantex_a2a_guard_new(policy, &strict));

  /* A valid token from the server passes, with every field of the grant. */
  grant = ACCEPT(guard, h_token, "tasks/send");
  if (grant) {
    CHECK_OK(grantex_verified_grant_principal_id(grant, &s));
    CHECK_STR(s, "usr_carol");
    CHECK_OK(grantex_verified_grant_agent_did(grant, &s));
    CHECK_STR(s, a_did);
    CHECK_OK(grantex_verified_grant_grant_id(grant, &s));
    CHECK_STR(s, grant_id);
    CHECK_OK(grantex_verified_grant_issuer(grant, &s));
    CHECK_STR(s, base_url);
    CHECK_OK(grantex_verified_grant_audience_len(grant, &n));
    CHECK(n == 1);
    CHECK_OK(grantex_verified_grant_audience(grant, 0, &s));
    CHECK_STR(s, AUDIENCE);
    CHECK_OK(grantex_verified_grant_has_scope(grant, "tasks:send", &has));
    CHECK(has);
    CHECK_OK(grantex_verified_grant_delegation_depth(grant, &depth));
    CHECK(depth == 0);
    CHECK_OK(grantex_verified_grant_token_id(grant, &s));
    jti = strdup(s ? s : "");
  }
  grantex_verified_grant_free(grant);
  /* The scheme is case-insensitive; the default scopes apply to an unknown method. */
  {
    char *lower = bearer(token);
    memcpy(lower, "bEaReR", 6);
    grantex_verified_grant_free(ACCEPT(guard, lower, NULL));
    free(lower);
  }

  /* Missing and malformed headers: 401. */
  EXPECT_REJECTION(guard, NULL, "tasks/send", 401, "missing_token", WWW_MISSING);
  EXPECT_REJECTION(guard, "Basic dXNlcjpwdw==", "tasks/send", 401,
                   "invalid_authorization_header", WWW_INVALID);
  {
    char *two_spaces = malloc(strlen(token) + 9);
    if (!two_spaces) abort();
    snprintf(two_spaces, strlen(token) + 9, "Bearer  %s", token);
    EXPECT_REJECTION(guard, two_spaces, "tasks/send", 401, "invalid_authorization_header",
                     WWW_INVALID);
    free(two_spaces);
  }
  EXPECT_REJECTION(guard, "Bearer abc.def.ghi", "tasks/send", 401, "malformed", WWW_INVALID);
  {
    char *forged = strdup(h_token);
    size_t len = strlen(forged);
    if (!forged) abort();
    forged[len - 5] = forged[len - 5] == 'A' ? 'B' : 'A';
    EXPECT_REJECTION(guard, forged, "tasks/send", 401, "bad_signature", WWW_INVALID);
    free(forged);
  }

  /* Under-scoped: the per-method list replaces the default for tasks/cancel only. */
  EXPECT_REJECTION(strict, h_token, "tasks/cancel", 403, "missing_scopes", WWW_SCOPE);
  grantex_verified_grant_free(ACCEPT(strict, h_token, "tasks/send"));
  /* A method with an empty list of its own needs nothing, even when the default does. */
  {
    grantex_a2a_guard *open_get = NULL;
    CHECK_OK(grantex_a2a_policy_add_required_scope(policy, "payments:initiate"));
    CHECK_OK(grantex_a2a_policy_set_method_scopes(policy, "tasks/get", no_scopes, 0));
    CHECK_OK(grantex_a2a_guard_new(policy, &open_get));
    EXPECT_REJECTION(open_get, h_token, "tasks/send", 403, "missing_scopes", WWW_SCOPE);
    grantex_verified_grant_free(ACCEPT(open_get, h_token, "tasks/get"));
    /* Removing the method's own list brings the (unmet) default back. */
    grantex_a2a_guard_free(open_get);
    open_get = NULL;
    CHECK_OK(grantex_a2a_policy_remove_method_scopes(policy, "tasks/get"));
    CHECK_OK(grantex_a2a_guard_new(policy, &open_get));
    EXPECT_REJECTION(open_get, h_token, "tasks/get", 403, "missing_scopes", WWW_SCOPE);
    grantex_a2a_guard_free(open_get);
    CHECK_OK(grantex_a2a_policy_clear_required_scopes(policy));
    CHECK_OK(grantex_a2a_policy_add_required_scope(policy, "tasks:send"));
  }

  /* Wrong audience: 401. */
  CHECK_OK(grantex_a2a_policy_set_audience(policy, "https://someone-else.example"));
  CHECK_OK(grantex_a2a_guard_new(policy, &other_aud));
  EXPECT_REJECTION(other_aud, h_token, "tasks/send", 401, "wrong_audience", WWW_INVALID);

  /* The tenant pin: another developer's id refuses the token (401 wrong_issuer). */
  CHECK_OK(grantex_a2a_policy_set_audience(policy, AUDIENCE));
  CHECK_OK(grantex_a2a_policy_set_expected_developer(policy, "dev_someone_else"));
  CHECK_OK(grantex_a2a_guard_new(policy, &other_dev));
  EXPECT_REJECTION(other_dev, h_token, "tasks/send", 401, "wrong_issuer", WWW_INVALID);
  CHECK_OK(grantex_a2a_policy_set_expected_developer(policy, ""));
  CHECK_RC(grantex_a2a_guard_new(policy, &empty_dev), GRANTEX_CONFIG);
  CHECK_OK(grantex_a2a_policy_set_expected_developer(policy, NULL));
  CHECK_OK(grantex_a2a_policy_set_audience(policy, "https://someone-else.example"));

  /* Delegation: A -> C (depth 1) -> D (depth 2). Delegated tokens carry no aud. */
  child = delegate(client, token, c_id);
  grandchild = delegate(client, child, d_id);
  h_child = bearer(child);
  h_grandchild = bearer(grandchild);
  CHECK_OK(grantex_a2a_policy_set_audience(policy, NULL));
  CHECK_OK(grantex_a2a_guard_new(policy, &no_deleg));
  EXPECT_REJECTION(no_deleg, h_child, "tasks/send", 403, "delegation_not_allowed", WWW_SCOPE);
  EXPECT_REJECTION(no_deleg, h_grandchild, "tasks/send", 403, "delegation_not_allowed",
                   WWW_SCOPE);
  grantex_verified_grant_free(ACCEPT(no_deleg, h_token, "tasks/send"));
  CHECK_OK(grantex_a2a_policy_set_delegation(policy, true, 1));
  CHECK_OK(grantex_a2a_guard_new(policy, &deleg1));
  grant = ACCEPT(deleg1, h_child, "tasks/send");
  if (grant) {
    CHECK_OK(grantex_verified_grant_delegation_depth(grant, &depth));
    CHECK(depth == 1);
    CHECK_OK(grantex_verified_grant_agent_did(grant, &s));
    CHECK_STR(s, c_did);
    CHECK_OK(grantex_verified_grant_parent_agent_did(grant, &s));
    CHECK_STR(s, a_did);
    CHECK_OK(grantex_verified_grant_parent_grant_id(grant, &s));
    CHECK_STR(s, grant_id);
  }
  grantex_verified_grant_free(grant);
  EXPECT_REJECTION(deleg1, h_grandchild, "tasks/send", 403, "delegation_too_deep", WWW_SCOPE);
  /* Delegated tokens have no aud: an audience-checking guard refuses them even when allowed. */
  EXPECT_REJECTION(strict, h_child, "tasks/send", 401, "wrong_audience", WWW_INVALID);

  /* One guard, four threads. */
  {
    pthread_t threads[4];
    struct guard_thread args[4];
    int i;
    for (i = 0; i < 4; i++) {
      args[i].guard = guard;
      args[i].header = h_token;
      args[i].ok = 0;
      CHECK(pthread_create(&threads[i], NULL, check_many, &args[i]) == 0);
    }
    for (i = 0; i < 4; i++) {
      pthread_join(threads[i], NULL);
      CHECK(args[i].ok);
    }
  }

  if (agent_url) {
    test_client(agent_url, base_url, token, grandchild, &task_id);
    test_client_options(client, agent_url, base_url, token);
  } else {
    fprintf(stderr, "FAIL: GRANTEX_A2A_AGENT_URL unset: A2A client tests not run\n");
    tests_failed++;
  }

  /* Online revocation: active first; after revoking the token by its jti (the existing C
   * client call) the online guard says 401 "revoked" while an offline one still accepts. A
   * revocation service that cannot be reached fails closed (503). */
  CHECK_OK(grantex_a2a_policy_set_audience(policy, AUDIENCE));
  CHECK_OK(grantex_a2a_policy_set_delegation(policy, false, -1));
  CHECK_OK(grantex_a2a_policy_set_revocation_online(policy, base_url, api_key, 0));
  CHECK_OK(grantex_a2a_guard_new(policy, &online));
  grantex_verified_grant_free(ACCEPT(online, h_token, "tasks/send"));
  if (jti && CHECK_OK(grantex_tokens_revoke(client, jti))) {
    EXPECT_REJECTION(online, h_token, "tasks/send", 401, "revoked", WWW_INVALID);
    grantex_verified_grant_free(ACCEPT(guard, h_token, "tasks/send"));
    /* Agent B checks online too: the client's call is refused with 401 "revoked". */
    if (agent_url) {
      grantex_a2a_client *c = client_for(agent_url, token);
      grantex_response *r = NULL;
      CHECK_RC(send_text(c, "after revocation", &r), GRANTEX_A2A_RPC);
      EXPECT_REMOTE(401, "revoked");
      CHECK(r == NULL);
      grantex_a2a_client_free(c);
    }
  }
  {
    grantex_a2a_guard *down = NULL;
    CHECK_OK(grantex_a2a_policy_set_revocation_online(policy, "http://127.0.0.1:9", api_key, 0));
    CHECK_OK(grantex_a2a_guard_new(policy, &down));
    EXPECT_REJECTION(down, h_token, "tasks/send", 503, "revocation_unavailable", NULL);
    grantex_a2a_guard_free(down);
  }

done:
  grantex_a2a_guard_free(guard);
  grantex_a2a_guard_free(strict);
  grantex_a2a_guard_free(no_deleg);
  grantex_a2a_guard_free(deleg1);
  grantex_a2a_guard_free(online);
  grantex_a2a_guard_free(other_aud);
  grantex_a2a_guard_free(other_dev);
  grantex_a2a_guard_free(empty_dev);
  grantex_a2a_policy_free(policy);
  grantex_response_free(tok);
  grantex_client_free(client);
  grantex_string_free(jwks_uri);
  free(a_id);
  free(a_did);
  free(c_id);
  free(c_did);
  free(d_id);
  free(d_did);
  free(token);
  free(grant_id);
  free(child);
  free(grandchild);
  free(h_token);
  free(h_child);
  free(h_grandchild);
  free(jti);
  free(task_id);
}
