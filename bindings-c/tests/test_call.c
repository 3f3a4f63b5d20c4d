/* The generic call, grantex_client_call() / grantex_call_unauthenticated(), with the
 * GRANTEX_OP_* names of the generated grantex_operations.h: argument errors without a server,
 * then against a running grantex-server a fresh account (signup) through me, update_settings,
 * agents, authorize + consent + exchange, online verification, grants, the audit log and a
 * signed checkpoint; input errors refused before anything is sent, API errors with their
 * details, and grants.verify agreeing with the typed grantex_grants_verify(). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

static const char *BAD_UTF8 = "\xc3\x28";

/* Whether the last error's message contains `part` (printed when it does not). */
static int message_has(const char *part) {
  const char *m = last_message();
  if (strstr(m, part) != NULL) return 1;
  fprintf(stderr, "  last error \"%s\" lacks \"%s\"\n", m, part);
  return 0;
}

/* Runs `op` with `json` and expects `want`; on success returns the result parsed into a
 * response handle (NULL otherwise). The JSON text itself is freed here. */
static grantex_response *call(const grantex_client *client, const char *op, const char *json,
                              grantex_result want) {
  char *out = NULL;
  grantex_response *r = NULL;
  if (!CHECK_RC(grantex_client_call(client, op, json, &out), want) || want != GRANTEX_OK) {
    CHECK(out == NULL); /* written only on success */
    grantex_string_free(out);
    return NULL;
  }
  if (CHECK(out != NULL)) CHECK_OK(grantex_response_from_json(out, &r));
  grantex_string_free(out);
  return r;
}

/* A copy of the string at `path` ("" when absent; a failed check is recorded). */
static char *str(const grantex_response *r, const char *path) {
  const char *s = NULL;
  char *copy;
  if (!CHECK_OK(grantex_response_string(r, path, &s)) || !s) s = "";
  copy = strdup(s);
  if (!copy) abort();
  return copy;
}

/* The number of elements of the array at `path` (0 when absent; a failed check is recorded). */
static size_t len(const grantex_response *r, const char *path) {
  size_t n = 0;
  CHECK_OK(grantex_response_len(r, path, &n));
  return n;
}

/* The raw JSON text `op` answers for `json` (NULL on failure), freed by the caller. */
static char *call_text(const grantex_client *client, const char *op, const char *json) {
  char *out = NULL;
  CHECK_OK(grantex_client_call(client, op, json, &out));
  return out;
}

void test_call_offline(void) {
  grantex_client *client = NULL;
  char *out = (char *)"untouched";

  /* Port 9 is never contacted: every failure here happens before a request. */
  if (!CHECK_OK(grantex_client_new("gx_test_x", "http://127.0.0.1:9", 500, 0, &client))) return;

  CHECK_RC(grantex_client_call(NULL, GRANTEX_OP_ME, NULL, &out), GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("client is NULL"));
  CHECK_RC(grantex_client_call(client, NULL, NULL, &out), GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("operation is NULL"));
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_ME, NULL, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("json_out is NULL"));
  CHECK_RC(grantex_client_call(client, BAD_UTF8, NULL, &out), GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("operation is not valid UTF-8"));
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_ME, BAD_UTF8, &out), GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("json_in is not valid UTF-8"));
  CHECK_STR(out, "untouched");

  /* Unknown operation, malformed JSON, not an object. */
  CHECK_RC(grantex_client_call(client, "agents.fly", "{}", &out), GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("unknown operation \"agents.fly\""));
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_AGENTS_GET, "{\"agentId\":", &out),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("json_in is not valid JSON"));
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_AGENTS_GET, "[\"ag_1\"]", &out),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("agents.get: the input must be a JSON object, got a list"));
  /* A no-key operation through the API-key entry point, and the reverse. */
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_SIGNUP, "{\"name\":\"x\"}", &out),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("grantex_call_unauthenticated"));
  CHECK_RC(grantex_call_unauthenticated("http://127.0.0.1:9", GRANTEX_OP_ME, NULL, &out),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("\"me\" is not an operation that runs without an API key"));
  CHECK_RC(grantex_call_unauthenticated("http://127.0.0.1:9", NULL, NULL, &out),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("operation is NULL"));
  CHECK_RC(grantex_call_unauthenticated("http://127.0.0.1:9", GRANTEX_OP_SIGNUP, NULL, NULL),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("json_out is NULL"));
  CHECK_RC(grantex_call_unauthenticated("ftp://127.0.0.1:9", GRANTEX_OP_SIGNUP, "{\"name\":\"x\"}",
                                        &out),
           GRANTEX_CONFIG);
  CHECK_STR(out, "untouched");

  /* With a valid input the request is made: connection refused (NULL and "" both mean {}). */
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_ME, NULL, &out), GRANTEX_NETWORK);
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_ME, "", &out), GRANTEX_NETWORK);
  CHECK_RC(grantex_client_call(client, GRANTEX_OP_ME, " {} ", &out), GRANTEX_NETWORK);
  CHECK_STR(out, "untouched");

  /* Parsing JSON text into a response handle. */
  {
    grantex_response *r = (grantex_response *)0x1;
    CHECK_RC(grantex_response_from_json("{\"a\":", &r), GRANTEX_INVALID_ARGUMENT);
    CHECK(message_has("json is not valid JSON"));
    CHECK_RC(grantex_response_from_json(NULL, &r), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_response_from_json("{}", NULL), GRANTEX_INVALID_ARGUMENT);
    CHECK(r == (grantex_response *)0x1);
  }
  grantex_client_free(client);
}

/* Input errors are refused before sending: the account's agent count does not change. */
static void input_errors(const grantex_client *client) {
  grantex_response *before = call(client, GRANTEX_OP_AGENTS_LIST, NULL, GRANTEX_OK);
  grantex_response *after = NULL;

  call(client, GRANTEX_OP_AGENTS_REGISTER, "{\"name\":\"typo\",\"scopse\":[\"a\"]}",
       GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("agents.register: unknown member `scopse`"));
  call(client, GRANTEX_OP_AGENTS_REGISTER, "{\"name\":42}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("agents.register: `name` must be a string, got a number"));
  call(client, GRANTEX_OP_AGENTS_REGISTER, "{\"name\":\"x\",\"scopes\":[\"a\",7]}",
       GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("`scopes[1]` must be a string"));
  call(client, GRANTEX_OP_AGENTS_REGISTER, "{\"description\":\"no name\"}",
       GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("agents.register: `name` is required"));
  call(client, GRANTEX_OP_AGENTS_REGISTER, "{\"name\":\"x\"", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("json_in is not valid JSON"));
  call(client, GRANTEX_OP_AGENTS_GET, "{}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("agents.get: `agentId` (agent id) is required"));
  call(client, GRANTEX_OP_AGENTS_GET, "{\"agentId\":5}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("`agentId` (agent id) must be a string, got a number"));
  call(client, GRANTEX_OP_AGENTS_GET, "{\"agentId\":\"\"}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("agent id must not be empty"));
  call(client, GRANTEX_OP_AGENTS_GET, "{\"agentId\":\"ag_1\",\"name\":\"x\"}",
       GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("unknown member `name`"));
  call(client, GRANTEX_OP_UPDATE_SETTINGS, "{\"fidoRequired\":\"no\"}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("`fidoRequired` must be a boolean, got a string"));
  call(client, GRANTEX_OP_GRANTS_LIST, "{\"page\":\"two\"}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("`page` must be an integer"));
  call(client, GRANTEX_OP_TOKENS_VERIFY, "{}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("tokens.verify: `token` (token) is required"));
  call(client, "agents.registr", "{\"name\":\"x\"}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("unknown operation \"agents.registr\""));

  after = call(client, GRANTEX_OP_AGENTS_LIST, NULL, GRANTEX_OK);
  if (before && after) CHECK(len(before, "agents") == len(after, "agents"));
  grantex_response_free(before);
  grantex_response_free(after);
}

/* Server answers: the API code family with HTTP status, server code and body. */
static void api_errors(const grantex_client *client, const char *base_url) {
  grantex_client *bad = NULL;
  uint16_t status = 0;
  char code[64];
  char *body = NULL;

  call(client, GRANTEX_OP_AGENTS_GET, "{\"agentId\":\"ag_does_not_exist\"}", GRANTEX_API);
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 404);
  CHECK_OK(grantex_last_error_api_code(code, sizeof code, NULL));
  CHECK_STR(code, "NOT_FOUND");
  CHECK_OK(grantex_last_error_body(&body));
  CHECK(body && strstr(body, "NOT_FOUND") != NULL);
  grantex_string_free(body);
  /* update_settings with nothing to change: the server's 400. */
  call(client, GRANTEX_OP_UPDATE_SETTINGS, "{}", GRANTEX_API);
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 400);
  CHECK(message_has("Provide at least one of"));

  CHECK_OK(grantex_client_new("gx_live_wrong_key", base_url, 5000, 0, &bad));
  call(bad, GRANTEX_OP_ME, NULL, GRANTEX_AUTH);
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 401);
  grantex_client_free(bad);
}

/* grants.verify: the generic call's JSON (the core's VerifiedGrant, mapped from the server's
 * answer) holds what the typed grantex_grants_verify() handle holds. */
static void grants_verify_as_typed(const grantex_client *client, const char *grant_token) {
  grantex_verified_grant *typed = NULL;
  grantex_response *generic = NULL;
  char input[2048];
  const char *s = NULL;
  int64_t i = 0;
  uint32_t depth = 99;
  static const struct {
    const char *member;
    grantex_result (*get)(const grantex_verified_grant *, const char **);
  } fields[] = {
      {"tokenId", grantex_verified_grant_token_id},
      {"grantId", grantex_verified_grant_grant_id},
      {"principalId", grantex_verified_grant_principal_id},
      {"agentDid", grantex_verified_grant_agent_did},
      {"developerId", grantex_verified_grant_developer_id},
      {"issuer", grantex_verified_grant_issuer},
  };
  size_t k;

  snprintf(input, sizeof input, "{\"token\":\"%s\"}", grant_token);
  generic = call(client, GRANTEX_OP_GRANTS_VERIFY, input, GRANTEX_OK);
  if (!CHECK_OK(grantex_grants_verify(client, grant_token, &typed)) || !generic) goto done;
  for (k = 0; k < sizeof fields / sizeof fields[0]; k++) {
    char *value = str(generic, fields[k].member);
    s = NULL;
    CHECK_OK(fields[k].get(typed, &s));
    CHECK(strlen(value) > 0);
    CHECK_STR(value, s);
    free(value);
  }
  CHECK_OK(grantex_response_int(generic, "expiresAt", &i));
  {
    int64_t exp = 0;
    CHECK_OK(grantex_verified_grant_expires_at(typed, &exp));
    CHECK(i == exp && i > 0);
  }
  /* A root token has no depth claim: the JSON leaves it out (as the reference SDKs do), the
   * typed accessor reads 0. */
  CHECK_RC(grantex_response_int(generic, "delegationDepth", &i), GRANTEX_NOT_FOUND);
  CHECK_OK(grantex_verified_grant_delegation_depth(typed, &depth));
  CHECK(depth == 0);
  CHECK(len(generic, "scopes") == 1);
  CHECK_OK(grantex_response_string(generic, "/scopes/0", &s));
  CHECK_STR(s, "calendar:read");
done:
  grantex_verified_grant_free(typed);
  grantex_response_free(generic);
}

/* Log one audit entry for the grant; returns its response (entryId, hash). */
static grantex_response *log_entry(const grantex_client *client, const char *agent_id,
                                   const char *agent_did, const char *grant_id) {
  char input[1024];
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"agentDid\":\"%s\",\"grantId\":\"%s\",\"principalId\":"
           "\"usr_carol\",\"action\":\"calendar.read\",\"metadata\":{\"via\":\"generic\"},"
           "\"status\":\"success\"}",
           agent_id, agent_did, grant_id);
  return call(client, GRANTEX_OP_AUDIT_LOG, input, GRANTEX_OK);
}

/* A fresh account has no chain to sign yet (the server audits token issues itself, so this
 * runs before the first exchange). */
static void empty_checkpoint(const grantex_client *client) {
  uint16_t status = 0;
  char code[64];

  call(client, GRANTEX_OP_AUDIT_CHECKPOINT, NULL, GRANTEX_API);
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 409);
  CHECK_OK(grantex_last_error_api_code(code, sizeof code, NULL));
  CHECK_STR(code, "AUDIT_CHAIN_EMPTY");
  call(client, GRANTEX_OP_AUDIT_CHECKPOINT, "{\"entryId\":\"x\"}", GRANTEX_INVALID_ARGUMENT);
  CHECK(message_has("audit.checkpoint: unknown member `entryId`"));
}

/* How many entries of the list at "entries" have `action`. */
static size_t count_action(const grantex_response *list, const char *action) {
  size_t i, n = 0, total = len(list, "entries");
  for (i = 0; i < total; i++) {
    char path[64];
    const char *a = NULL;
    snprintf(path, sizeof path, "/entries/%zu/action", i);
    if (grantex_response_string(list, path, &a) == GRANTEX_OK && a && strcmp(a, action) == 0) n++;
  }
  return n;
}

static void checkpoint(const grantex_client *client, const char *agent_id, const char *agent_did,
                       const char *grant_id) {
  grantex_response *entry = NULL, *ckpt = NULL, *list = NULL;

  entry = log_entry(client, agent_id, agent_did, grant_id);
  if (!CHECK(entry != NULL)) return;
  ckpt = call(client, GRANTEX_OP_AUDIT_CHECKPOINT, "{}", GRANTEX_OK);
  if (CHECK(ckpt != NULL)) {
    char *entry_id = str(entry, "entryId"), *hash = str(entry, "hash");
    char *head = str(ckpt, "headEntryId"), *head_hash = str(ckpt, "headHash");
    char *id = str(ckpt, "checkpointId"), *signed_jws = str(ckpt, "signedCheckpoint");
    int64_t count = 0;
    bool witness = true;
    const char *dot, *dot2 = NULL;
    CHECK_STR(head, entry_id);
    CHECK_STR(head_hash, hash);
    /* Ours and the server's own grantex.token.issued entry of the exchange. */
    CHECK_OK(grantex_response_int(ckpt, "entryCount", &count));
    CHECK(count == 2);
    CHECK_OK(grantex_response_bool(ckpt, "witnessRequired", &witness));
    CHECK(strncmp(id, "ckpt_", 5) == 0);
    /* A compact JWS: three dot-separated parts. */
    dot = strchr(signed_jws, '.');
    if (dot) dot2 = strchr(dot + 1, '.');
    CHECK(dot != NULL && dot2 != NULL && strchr(dot2 + 1, '.') == NULL);
    free(entry_id);
    free(hash);
    free(head);
    free(head_hash);
    free(id);
    free(signed_jws);
  }
  /* The chain the checkpoint signed, read back with a query filter. */
  {
    char input[256];
    snprintf(input, sizeof input, "{\"grantId\":\"%s\"}", grant_id);
    list = call(client, GRANTEX_OP_AUDIT_LIST, input, GRANTEX_OK);
    if (list) {
      CHECK(count_action(list, "calendar.read") == 1);
      CHECK(count_action(list, "grantex.token.issued") == 1);
    }
  }
  grantex_response_free(list);
  grantex_response_free(ckpt);
  grantex_response_free(entry);
}

/* The rate-limit headers of the client's last response and of a failed call's response. */
static void rate_limits(const grantex_client *client, const char *base_url, const char *api_key) {
  grantex_rate_limit rl, untouched;
  grantex_client *fresh = NULL;
  char *out = NULL;

  memset(&untouched, 0xab, sizeof untouched);
  rl = untouched;
  CHECK_RC(grantex_client_last_rate_limit(NULL, &rl), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_client_last_rate_limit(client, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_last_error_rate_limit(NULL), GRANTEX_INVALID_ARGUMENT);
  /* No response yet. */
  if (CHECK_OK(grantex_client_new(api_key, base_url, 10000, 2, &fresh))) {
    CHECK_RC(grantex_client_last_rate_limit(fresh, &rl), GRANTEX_NOT_FOUND);
    CHECK(memcmp(&rl, &untouched, sizeof rl) == 0);
    grantex_client_free(fresh);
  }
  /* A successful call: the developer's per-route window (no Retry-After). */
  grantex_response_free(call(client, GRANTEX_OP_ME, NULL, GRANTEX_OK));
  if (CHECK_OK(grantex_client_last_rate_limit(client, &rl))) {
    CHECK(rl.limit > 0 && rl.remaining < rl.limit);
    CHECK(rl.reset >= 1 && rl.reset <= 60);
    CHECK(!rl.has_retry_after && rl.retry_after == 0);
  }
  /* The JWKS route carries no rate-limit headers: the last response has none. */
  if (CHECK_OK(grantex_client_call(client, GRANTEX_OP_JWKS, NULL, &out))) {
    rl = untouched;
    CHECK_RC(grantex_client_last_rate_limit(client, &rl), GRANTEX_NOT_FOUND);
    CHECK(memcmp(&rl, &untouched, sizeof rl) == 0);
  }
  grantex_string_free(out);
  /* A failed call: the headers of its response, in the last error too. */
  call(client, GRANTEX_OP_AGENTS_GET, "{\"agentId\":\"ag_does_not_exist\"}", GRANTEX_API);
  rl = untouched;
  if (CHECK_OK(grantex_last_error_rate_limit(&rl))) {
    CHECK(rl.limit > 0 && rl.remaining < rl.limit && rl.reset <= 60);
  }
  CHECK_OK(grantex_client_last_rate_limit(client, &rl));
  /* A failure without a response has none. */
  call(client, GRANTEX_OP_AGENTS_GET, "{}", GRANTEX_INVALID_ARGUMENT);
  rl = untouched;
  CHECK_RC(grantex_last_error_rate_limit(&rl), GRANTEX_NOT_FOUND);
  CHECK(memcmp(&rl, &untouched, sizeof rl) == 0);
}

void test_call_flow(const char *base_url) {
  grantex_client *client = NULL;
  grantex_response *signup = NULL, *me = NULL, *settings = NULL, *agent = NULL, *got = NULL;
  grantex_response *auth = NULL, *approval = NULL, *tok = NULL, *verified = NULL, *grants = NULL;
  char *api_key = NULL, *developer_id = NULL, *agent_id = NULL, *agent_did = NULL;
  char *request_id = NULL, *code = NULL, *grant_token = NULL, *grant_id = NULL;
  char input[2048];
  bool flag = false;

  /* A fresh live account through the unauthenticated entry point. */
  {
    char *out = NULL;
    if (!CHECK_OK(grantex_call_unauthenticated(
            base_url, GRANTEX_OP_SIGNUP, "{\"name\":\"C generic developer\",\"mode\":\"live\"}",
            &out)))
      return;
    CHECK_OK(grantex_response_from_json(out, &signup));
    grantex_string_free(out);
    out = (char *)"untouched";
    CHECK_RC(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP, "{\"mode\":\"live\"}", &out),
             GRANTEX_INVALID_ARGUMENT);
    CHECK(message_has("signup: `name` is required"));
    CHECK_RC(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                          "{\"name\":\"x\",\"mode\":\"test\"}", &out),
             GRANTEX_INVALID_ARGUMENT);
    CHECK(message_has("`mode` must be one of \"live\", \"sandbox\""));
    CHECK_STR(out, "untouched");
  }
  if (!signup) return;
  api_key = str(signup, "apiKey");
  developer_id = str(signup, "developerId");
  if (!CHECK_OK(grantex_client_new(api_key, base_url, 10000, 2, &client))) goto done;
  empty_checkpoint(client);
  rate_limits(client, base_url, api_key);

  /* me, then update_settings (PATCH /v1/me) and its effect. */
  me = call(client, GRANTEX_OP_ME, NULL, GRANTEX_OK);
  if (me) {
    char *dev = str(me, "developerId"), *mode = str(me, "mode");
    const char *none = NULL;
    CHECK_STR(dev, developer_id);
    CHECK_STR(mode, "live");
    CHECK_RC(grantex_response_string(me, "fidoRpName", &none), GRANTEX_NOT_FOUND);
    free(dev);
    free(mode);
  }
  grantex_response_free(me);
  me = NULL;
  {
    char *text = call_text(client, GRANTEX_OP_UPDATE_SETTINGS, "{\"fidoRpName\":\"x\"}");
    CHECK_STR(text, "{\"updated\":true}");
    grantex_string_free(text);
  }
  settings = call(client, GRANTEX_OP_UPDATE_SETTINGS, "{\"name\":\"C generic, renamed\"}",
                  GRANTEX_OK);
  CHECK_OK(grantex_response_bool(settings, "updated", &flag));
  CHECK(flag);
  me = call(client, GRANTEX_OP_ME, "{}", GRANTEX_OK);
  if (me) {
    char *rp = str(me, "fidoRpName"), *name = str(me, "name");
    CHECK_STR(rp, "x");
    CHECK_STR(name, "C generic, renamed");
    free(rp);
    free(name);
  }

  /* agents.register and agents.get. */
  agent = call(client, GRANTEX_OP_AGENTS_REGISTER,
               "{\"name\":\"c-generic-agent\",\"description\":\"registered through "
               "grantex_client_call\",\"scopes\":[\"calendar:read\",\"email:send\"]}",
               GRANTEX_OK);
  if (!CHECK(agent != NULL)) goto done;
  agent_id = str(agent, "agentId");
  agent_did = str(agent, "did");
  CHECK(strncmp(agent_id, "ag_", 3) == 0);
  CHECK(len(agent, "scopes") == 2);
  snprintf(input, sizeof input, "{\"agentId\":\"%s\"}", agent_id);
  got = call(client, GRANTEX_OP_AGENTS_GET, input, GRANTEX_OK);
  if (got) {
    char *did = str(got, "did"), *desc = str(got, "description");
    CHECK_STR(did, agent_did);
    CHECK_STR(desc, "registered through grantex_client_call");
    free(did);
    free(desc);
  }

  /* The typed functions are entry points to the same call: their arguments become members. */
  {
    grantex_params *p = NULL;
    grantex_response *r = NULL;
    CHECK_OK(grantex_params_from_json("{\"agentId\":\"ag_other\",\"name\":\"n\"}", &p));
    CHECK_RC(grantex_agents_update(client, agent_id, p, &r), GRANTEX_INVALID_ARGUMENT);
    CHECK(message_has("`agentId` is the agent_id argument"));
    CHECK_RC(grantex_agents_update(client, agent_id, NULL, &r), GRANTEX_INVALID_ARGUMENT);
    CHECK(message_has("params is NULL"));
    CHECK_OK(grantex_params_remove(p, "agentId"));
    CHECK_OK(grantex_params_set_string(p, "nmae", "typo"));
    CHECK_RC(grantex_agents_update(client, agent_id, p, &r), GRANTEX_INVALID_ARGUMENT);
    CHECK(message_has("agents.update: unknown member `nmae`"));
    CHECK(r == NULL);
    grantex_params_free(p);
  }

  /* authorize (with the userId alias) -> consent.approve -> tokens.exchange. */
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"userId\":\"usr_carol\",\"scopes\":[\"calendar:read\"]}",
           agent_id);
  auth = call(client, GRANTEX_OP_AUTHORIZE, input, GRANTEX_OK);
  if (!CHECK(auth != NULL)) goto done;
  request_id = str(auth, "authRequestId");
  CHECK_OK(grantex_response_has(auth, "code", &flag));
  CHECK(!flag); /* live account: the code comes from the human's approval */
  snprintf(input, sizeof input, "{\"authRequestId\":\"%s\"}", request_id);
  approval = call(client, GRANTEX_OP_CONSENT_APPROVE, input, GRANTEX_OK);
  if (!CHECK(approval != NULL)) goto done;
  code = str(approval, "code");
  snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
  tok = call(client, GRANTEX_OP_TOKENS_EXCHANGE, input, GRANTEX_OK);
  if (!CHECK(tok != NULL)) goto done;
  grant_token = str(tok, "grantToken");
  grant_id = str(tok, "grantId");
  CHECK(len(tok, "scopes") == 1);

  /* Online verification and the grant list (a query operation). */
  snprintf(input, sizeof input, "{\"token\":\"%s\"}", grant_token);
  verified = call(client, GRANTEX_OP_TOKENS_VERIFY, input, GRANTEX_OK);
  CHECK_OK(grantex_response_bool(verified, "valid", &flag));
  CHECK(flag);
  snprintf(input, sizeof input, "{\"agentId\":\"%s\",\"status\":\"active\"}", agent_id);
  grants = call(client, GRANTEX_OP_GRANTS_LIST, input, GRANTEX_OK);
  if (grants) {
    char *gid = str(grants, "/grants/0/grantId");
    CHECK(len(grants, "grants") == 1);
    CHECK_STR(gid, grant_id);
    free(gid);
  }

  checkpoint(client, agent_id, agent_did, grant_id);
  input_errors(client);
  api_errors(client, base_url);
  grants_verify_as_typed(client, grant_token);

  /* Codes are single-use: the second exchange is the server's refusal, and a replayed code
   * revokes the grant issued from it (RFC 9700 reuse detection). */
  {
    grantex_response *again = NULL;
    snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
    call(client, GRANTEX_OP_TOKENS_EXCHANGE, input, GRANTEX_API);
    snprintf(input, sizeof input, "{\"token\":\"%s\"}", grant_token);
    again = call(client, GRANTEX_OP_TOKENS_VERIFY, input, GRANTEX_OK);
    CHECK_OK(grantex_response_bool(again, "valid", &flag));
    CHECK(!flag);
    grantex_response_free(again);
  }

  /* A no-content operation answers "null"; the agent is gone afterwards. */
  {
    char *text;
    snprintf(input, sizeof input, "{\"agentId\":\"%s\"}", agent_id);
    text = call_text(client, GRANTEX_OP_AGENTS_DELETE, input);
    CHECK_STR(text, "null");
    grantex_string_free(text);
    call(client, GRANTEX_OP_AGENTS_GET, input, GRANTEX_API);
  }

done:
  grantex_response_free(grants);
  grantex_response_free(verified);
  grantex_response_free(tok);
  grantex_response_free(approval);
  grantex_response_free(auth);
  grantex_response_free(got);
  grantex_response_free(agent);
  grantex_response_free(me);
  grantex_response_free(settings);
  grantex_response_free(signup);
  grantex_client_free(client);
  free(api_key);
  free(developer_id);
  free(agent_id);
  free(agent_did);
  free(request_id);
  free(code);
  free(grant_token);
  free(grant_id);
}
