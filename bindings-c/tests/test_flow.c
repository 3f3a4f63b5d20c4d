/* The full flow against a running grantex-server: agents, authorize, consent, exchange,
 * offline and online verification, delegation, refresh, audit log and chain, revocation
 * (cascading), API/auth errors with their details, the sandbox flow, signup and key rotation. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* A copy of the string at `path` ("" when absent; a failed check is recorded). */
static char *field(const grantex_response *r, const char *path) {
  const char *s = NULL;
  char *copy;
  if (!CHECK_OK(grantex_response_string(r, path, &s)) || !s) s = "";
  copy = strdup(s);
  if (!copy) abort();
  return copy;
}

static grantex_params *params_from(const char *json) {
  grantex_params *p = NULL;
  CHECK_OK(grantex_params_from_json(json, &p));
  return p;
}

static char *register_agent(grantex_client *client, const char *name, char **did) {
  grantex_params *p = NULL;
  grantex_response *agent = NULL;
  char *id;
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "name", name));
  CHECK_OK(grantex_params_set_string(p, "description", "C test agent"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "calendar:read"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "email:send"));
  CHECK_OK(grantex_agents_register(client, p, &agent));
  id = field(agent, "agentId");
  *did = field(agent, "did");
  CHECK(strncmp(id, "ag_", 3) == 0);
  CHECK(strncmp(*did, "did:", 4) == 0);
  grantex_response_free(agent);
  grantex_params_free(p);
  return id;
}

/* authorize -> (approve when live) -> code. */
static char *authorize_code(grantex_client *client, const char *agent_id, int approve) {
  grantex_params *p = NULL;
  grantex_response *auth = NULL, *consent = NULL, *approval = NULL;
  char *request_id, *code = NULL;
  bool has_code = true;

  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "agentId", agent_id));
  CHECK_OK(grantex_params_set_string(p, "userId", "usr_alice"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "calendar:read"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "email:send"));
  if (!CHECK_OK(grantex_authorize(client, p, &auth))) {
    grantex_params_free(p);
    return strdup("");
  }
  request_id = field(auth, "authRequestId");
  CHECK_OK(grantex_response_has(auth, "code", &has_code));
  if (approve) {
    CHECK(!has_code); /* live mode: only the human's approval yields a code */
    CHECK_OK(grantex_consent_get(client, request_id, &consent));
    if (consent) {
      size_t n = 0;
      char *status = field(consent, "status");
      CHECK_STR(status, "pending");
      CHECK_OK(grantex_response_len(consent, "scopeDescriptions", &n));
      CHECK(n == 2);
      free(status);
    }
    CHECK_OK(grantex_consent_approve(client, request_id, &approval));
    code = approval ? field(approval, "code") : strdup("");
  } else {
    CHECK(has_code); /* sandbox: the code comes back inline */
    code = field(auth, "code");
  }
  grantex_response_free(approval);
  grantex_response_free(consent);
  grantex_response_free(auth);
  grantex_params_free(p);
  free(request_id);
  return code;
}

static grantex_response *exchange(grantex_client *client, const char *code, const char *agent_id) {
  grantex_params *p = NULL;
  grantex_response *tok = NULL;
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "code", code));
  CHECK_OK(grantex_params_set_string(p, "agentId", agent_id));
  CHECK_OK(grantex_tokens_exchange(client, p, &tok));
  grantex_params_free(p);
  return tok;
}

static int online_valid(grantex_client *client, const char *token) {
  grantex_response *r = NULL;
  bool valid = true;
  CHECK_OK(grantex_tokens_verify(client, token, &r));
  CHECK_OK(grantex_response_bool(r, "valid", &valid));
  grantex_response_free(r);
  return valid ? 1 : 0;
}

static void test_api_errors(grantex_client *client, const char *base_url) {
  grantex_response *r = (grantex_response *)0x1;
  grantex_client *bad = NULL;
  uint16_t status = 0;
  char buf[256];
  size_t len = 0;
  char *body = NULL;

  /* 404 with the server's code, message and request id. */
  CHECK_RC(grantex_agents_get(client, "ag_does_not_exist", &r), GRANTEX_API);
  CHECK(r == (grantex_response *)0x1);
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 404);
  CHECK_OK(grantex_last_error_api_code(buf, sizeof buf, NULL));
  CHECK_STR(buf, "NOT_FOUND");
  CHECK_OK(grantex_last_error_request_id(buf, sizeof buf, &len));
  CHECK(len > 0 && strlen(buf) == len);
  CHECK_OK(grantex_last_error_body(&body));
  CHECK(body && strstr(body, "\"code\":\"NOT_FOUND\"") != NULL);
  grantex_string_free(body);
  CHECK(strstr(last_message(), "404") != NULL);

  /* 401 with a wrong key is the auth family. */
  CHECK_OK(grantex_client_new("gx_live_wrong_key", base_url, 5000, 0, &bad));
  CHECK_RC(grantex_me(bad, &r), GRANTEX_AUTH);
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 401);
  grantex_client_free(bad);
  CHECK(r == (grantex_response *)0x1);
}

/* DPoP (issue 13): an agent registered with the public half of its key gets tokens bound to it
 * (cnf.jkt); the dpop reference option checks a proof made with that key. */
static void test_dpop(grantex_client *client, grantex_verifier *verifier) {
  char *key = NULL, *pub = NULL, *jkt = NULL, *jkt_pub = NULL, *proof = NULL, *other = NULL;
  char *thief = NULL, *agent_id = NULL, *code = NULL, *token = NULL, *cnf = NULL, *opt = NULL;
  grantex_params *p = NULL;
  grantex_response *agent = NULL, *tok = NULL;
  grantex_verify_options *o = NULL;
  grantex_verified_grant *g = NULL;
  const char *url = "https://tools.example.com/v1/calendar/events?week=1";
  size_t n;

  CHECK_OK(grantex_dpop_generate_jwk(&key));
  CHECK_OK(grantex_dpop_public_jwk(key, &pub));
  CHECK_OK(grantex_jwk_thumbprint(key, &jkt));
  CHECK_OK(grantex_jwk_thumbprint(pub, &jkt_pub));
  if (!key || !pub || !jkt || !jkt_pub) goto out;
  CHECK_STR(jkt, jkt_pub);
  CHECK(strstr(pub, "\"d\"") == NULL && strstr(key, "\"d\"") != NULL);
  CHECK_RC(grantex_jwk_thumbprint("{\"kty\":\"EC\"}", &other), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_dpop_create_proof(pub, "GET", url, NULL, &other), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_dpop_create_proof(key, "G T", url, NULL, &other), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_dpop_create_proof(key, "GET", NULL, NULL, &other), GRANTEX_INVALID_ARGUMENT);

  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "name", "c-dpop"));
  CHECK_OK(grantex_params_set_string(p, "description", "C DPoP agent"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "calendar:read"));
  CHECK_OK(grantex_params_add_string(p, "scopes", "email:send"));
  CHECK_OK(grantex_params_set_json(p, "publicJwk", pub));
  if (!CHECK_OK(grantex_agents_register(client, p, &agent))) goto out;
  agent_id = field(agent, "agentId");
  code = authorize_code(client, agent_id, 1);
  tok = exchange(client, code, agent_id);
  if (!tok) goto out;
  token = field(tok, "grantToken");

  /* The token's cnf.jkt, read without verifying. */
  CHECK_OK(grantex_decode_jwt_payload(token, &cnf));
  if (cnf) CHECK(strstr(cnf, jkt) != NULL);

  CHECK_OK(grantex_dpop_create_proof(key, "GET", url, token, &proof));
  if (!proof) goto out;
  n = strlen(proof) + strlen(url) + 64;
  opt = malloc(n);
  if (!opt) abort();
  snprintf(opt, n, "{\"proof\":\"%s\",\"method\":\"GET\",\"url\":\"%s\"}", proof, url);
  CHECK_OK(grantex_verify_options_new(&o));
  CHECK_OK(grantex_verify_options_set_reference_option(o, "require_proof_of_possession", "true"));
  CHECK_OK(grantex_verify_options_set_reference_option(o, "dpop", opt));
  if (CHECK_OK(grantex_verify(verifier, token, o, &g))) grantex_verified_grant_free(g);
  g = NULL;
  /* The same proof again is a replay. */
  CHECK_RC(grantex_verify(verifier, token, o, &g), GRANTEX_TOKEN_INVALID_PROOF);
  CHECK_STR(grantex_result_name(GRANTEX_TOKEN_INVALID_PROOF), "invalid_proof");
  free(opt);
  opt = NULL;

  /* A proof made with another key. */
  CHECK_OK(grantex_dpop_generate_jwk(&thief));
  CHECK_OK(grantex_dpop_create_proof(thief, "GET", url, token, &other));
  if (other) {
    n = strlen(other) + strlen(url) + 64;
    opt = malloc(n);
    if (!opt) abort();
    snprintf(opt, n, "{\"proof\":\"%s\",\"method\":\"GET\",\"url\":\"%s\"}", other, url);
    CHECK_OK(grantex_verify_options_set_reference_option(o, "dpop", opt));
    CHECK_RC(grantex_verify(verifier, token, o, &g), GRANTEX_TOKEN_PROOF_MISMATCH);
  }
  /* A value that is not {proof, method, url}. */
  CHECK_RC(grantex_verify_options_set_reference_option(o, "dpop", "{\"proof\":\"a.b.c\"}"), GRANTEX_CONFIG);

out:
  grantex_verify_options_free(o);
  grantex_response_free(tok);
  grantex_response_free(agent);
  grantex_params_free(p);
  grantex_string_free(key);
  grantex_string_free(pub);
  grantex_string_free(jkt);
  grantex_string_free(jkt_pub);
  grantex_string_free(proof);
  grantex_string_free(other);
  grantex_string_free(thief);
  grantex_string_free(cnf);
  free(opt);
  free(agent_id);
  free(code);
  free(token);
}

static void test_sandbox_signup_rotate(const char *base_url, const char *sandbox_key) {
  grantex_client *sandbox = NULL, *fresh = NULL, *rotated = NULL;
  grantex_response *tok = NULL, *rot = NULL, *me = NULL, *signup = NULL;
  grantex_params *p = NULL;
  char *agent_id, *did, *code, *new_key, *api_key, *dev;

  /* Sandbox keys get the code inline from authorize. */
  CHECK_OK(grantex_client_new(sandbox_key, base_url, 10000, 2, &sandbox));
  agent_id = register_agent(sandbox, "c-sandbox-agent", &did);
  code = authorize_code(sandbox, agent_id, 0);
  tok = exchange(sandbox, code, agent_id);
  CHECK(tok != NULL);

  /* Signup needs no key: a new developer account with its own key. */
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "name", "C test developer"));
  CHECK_OK(grantex_params_set_string(p, "mode", "sandbox"));
  CHECK_OK(grantex_signup(base_url, p, &signup));
  api_key = signup ? field(signup, "apiKey") : strdup("");
  dev = signup ? field(signup, "developerId") : strdup("");
  CHECK_OK(grantex_client_new(api_key, base_url, 10000, 2, &fresh));
  CHECK_OK(grantex_me(fresh, &me));
  if (me) {
    char *me_dev = field(me, "developerId");
    CHECK_STR(me_dev, dev);
    free(me_dev);
  }
  grantex_response_free(me);
  me = NULL;

  /* Rotating that account's key: the old key stops working at once, the new one works. */
  CHECK_OK(grantex_rotate_key(fresh, &rot));
  new_key = rot ? field(rot, "apiKey") : strdup("");
  CHECK(strcmp(new_key, api_key) != 0);
  CHECK_RC(grantex_me(fresh, &me), GRANTEX_AUTH);
  CHECK_OK(grantex_client_new(new_key, base_url, 10000, 2, &rotated));
  CHECK_OK(grantex_me(rotated, &me));

  grantex_response_free(me);
  grantex_response_free(signup);
  grantex_response_free(rot);
  grantex_response_free(tok);
  grantex_params_free(p);
  grantex_client_free(rotated);
  grantex_client_free(fresh);
  grantex_client_free(sandbox);
  free(agent_id);
  free(did);
  free(code);
  free(new_key);
  free(api_key);
  free(dev);
}

void test_flow(const char *base_url, const char *api_key, const char *sandbox_key,
               const char *vectors_path) {
  grantex_client *client = NULL;
  grantex_response *r = NULL, *tok = NULL, *child = NULL, *refreshed = NULL, *entry = NULL;
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  grantex_verified_grant *grant = NULL, *online = NULL, *child_grant = NULL;
  grantex_params *p = NULL;
  const char *s = NULL;
  char *jwks_uri = NULL, *agent_id, *agent_did, *sub_id, *sub_did, *code;
  char *grant_token = NULL, *grant_id = NULL, *refresh_token = NULL, *child_token = NULL;
  char *child_grant_id = NULL, *new_token = NULL, *jti = NULL;
  size_t n = 0;
  uint32_t depth = 99;
  bool valid = false;

  if (!CHECK_OK(grantex_client_new(api_key, base_url, 10000, 2, &client))) return;
  CHECK_OK(grantex_client_base_url(client, &s));
  CHECK_STR(s, base_url);
  CHECK_OK(grantex_health(client, &r));
  if (r) {
    char *status = field(r, "status");
    CHECK_STR(status, "healthy");
    free(status);
  }
  grantex_response_free(r);
  r = NULL;

  /* Agents: register, get, list, update. */
  agent_id = register_agent(client, "c-travel-assistant", &agent_did);
  sub_id = register_agent(client, "c-calendar-reader", &sub_did);
  CHECK_OK(grantex_agents_get(client, agent_id, &r));
  if (r) {
    char *did = field(r, "did");
    CHECK_STR(did, agent_did);
    free(did);
  }
  grantex_response_free(r);
  r = NULL;
  CHECK_OK(grantex_agents_list(client, &r));
  CHECK_OK(grantex_response_len(r, "agents", &n));
  CHECK(n >= 2);
  grantex_response_free(r);
  r = NULL;
  p = params_from("{\"description\":\"updated from C\"}");
  CHECK_OK(grantex_agents_update(client, sub_id, p, &r));
  if (r) {
    char *d = field(r, "description");
    CHECK_STR(d, "updated from C");
    free(d);
  }
  grantex_response_free(r);
  r = NULL;
  grantex_params_free(p);

  /* Authorize, the human approves, exchange. */
  code = authorize_code(client, agent_id, 1);
  tok = exchange(client, code, agent_id);
  if (!CHECK(tok != NULL)) goto done;
  grant_token = field(tok, "grantToken");
  grant_id = field(tok, "grantId");
  refresh_token = field(tok, "refreshToken");
  CHECK_OK(grantex_response_len(tok, "scopes", &n));
  CHECK(n == 2);
  /* Decoding only (no verification): the payload and the token info of the real token; a
   * forged signature decodes the same; garbage is GRANTEX_TOKEN_MALFORMED. */
  {
    char *payload = NULL, *info = NULL, *forged = NULL;
    size_t len = strlen(grant_token);
    const char *dot = strrchr(grant_token, '.');
    if (CHECK_OK(grantex_decode_jwt_payload(grant_token, &payload))) {
      CHECK(strstr(payload, grant_id) != NULL);
      CHECK(strstr(payload, "\"scp\":[") != NULL);
    }
    if (CHECK_OK(grantex_get_token_info(grant_token, &info))) {
      CHECK(strstr(info, "\"expired\":false") != NULL);
      CHECK(strstr(info, "\"grantId\":") != NULL && strstr(info, grant_id) != NULL);
    }
    forged = malloc(len + 8);
    if (CHECK(forged != NULL && dot != NULL)) {
      size_t keep = (size_t)(dot - grant_token) + 1;
      memcpy(forged, grant_token, keep);
      strcpy(forged + keep, "AAAA");
      char *again = NULL;
      if (CHECK_OK(grantex_decode_jwt_payload(forged, &again))) CHECK_STR(again, payload);
      grantex_string_free(again);
    }
    char *none = NULL;
    CHECK_RC(grantex_decode_jwt_payload("a.!!!.c", &none), GRANTEX_TOKEN_MALFORMED);
    CHECK_RC(grantex_get_token_info("not a token", &none), GRANTEX_TOKEN_MALFORMED);
    CHECK_RC(grantex_decode_jwt_payload(NULL, &none), GRANTEX_INVALID_ARGUMENT);
    CHECK(none == NULL);
    free(forged);
    grantex_string_free(payload);
    grantex_string_free(info);
  }
  /* A code is single-use, and a replayed code revokes the grant issued from it (RFC 9700):
   * shown on a grant of its own, so the flow below keeps its grant. */
  {
    char *spare_code = authorize_code(client, agent_id, 1);
    grantex_response *spare = exchange(client, spare_code, agent_id);
    grantex_params *again = NULL;
    grantex_response *second = NULL;
    CHECK(spare != NULL);
    CHECK_OK(grantex_params_new(&again));
    CHECK_OK(grantex_params_set_string(again, "code", spare_code));
    CHECK_OK(grantex_params_set_string(again, "agentId", agent_id));
    CHECK(grantex_tokens_exchange(client, again, &second) == GRANTEX_API);
    CHECK(second == NULL);
    if (spare) {
      char *spare_token = field(spare, "grantToken");
      grantex_response *online = NULL;
      bool valid = true;
      CHECK_OK(grantex_tokens_verify(client, spare_token, &online));
      CHECK_OK(grantex_response_bool(online, "valid", &valid));
      CHECK(!valid);
      grantex_response_free(online);
      free(spare_token);
    }
    grantex_params_free(again);
    grantex_response_free(spare);
    free(spare_code);
  }

  /* Offline verification against the server's JWKS. */
  CHECK_OK(grantex_client_jwks_uri(client, &jwks_uri));
  CHECK_OK(grantex_verifier_new_remote(jwks_uri, &verifier));
  CHECK_OK(grantex_verifier_refresh(verifier));
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_OK(grantex_verify_options_add_required_scope(opts, "calendar:read"));
  if (CHECK_OK(grantex_verify(verifier, grant_token, opts, &grant))) {
    char *gid = NULL;
    CHECK_OK(grantex_verified_grant_principal_id(grant, &s));
    CHECK_STR(s, "usr_alice");
    CHECK_OK(grantex_verified_grant_agent_did(grant, &s));
    CHECK_STR(s, agent_did);
    CHECK_OK(grantex_verified_grant_grant_id(grant, &s));
    CHECK_STR(s, grant_id);
    CHECK_OK(grantex_verified_grant_issuer(grant, &s));
    CHECK_STR(s, base_url);
    CHECK_OK(grantex_verified_grant_delegation_depth(grant, &depth));
    CHECK(depth == 0);
    CHECK_RC(grantex_verified_grant_parent_grant_id(grant, &s), GRANTEX_NOT_FOUND);
    CHECK_OK(grantex_verified_grant_has_scope(grant, "email:send", &valid));
    CHECK(valid);
    CHECK_OK(grantex_verified_grant_token_id(grant, &s));
    jti = strdup(s);
    CHECK_OK(grantex_verified_grant_json(grant, &gid));
    CHECK(gid && strstr(gid, grant_id) != NULL);
    grantex_string_free(gid);
    dump_grant_json("live:root", grant);
  }
  /* Unmet requirements. */
  {
    grantex_verify_options *strict = NULL;
    grantex_verified_grant *none = NULL;
    CHECK_OK(grantex_verify_options_new(&strict));
    CHECK_OK(grantex_verify_options_add_required_scope(strict, "payments:initiate"));
    CHECK_RC(grantex_verify(verifier, grant_token, strict, &none), GRANTEX_TOKEN_MISSING_SCOPES);
    CHECK_OK(grantex_verify_options_clear_required_scopes(strict));
    CHECK_OK(grantex_verify_options_set_audience(strict, "https://other.example"));
    CHECK_RC(grantex_verify(verifier, grant_token, strict, &none), GRANTEX_TOKEN_WRONG_AUDIENCE);
    CHECK_OK(grantex_verify_options_set_audience(strict, NULL));
    CHECK_OK(grantex_verify_options_set_issuer(strict, "https://not-the-issuer.example"));
    CHECK_RC(grantex_verify(verifier, grant_token, strict, &none), GRANTEX_TOKEN_WRONG_ISSUER);
    CHECK(none == NULL);
    /* The tenant pin: our own developer passes, another is wrong_issuer, "" is a config error. */
    CHECK_OK(grantex_verify_options_set_issuer(strict, NULL));
    if (CHECK_OK(grantex_verify(verifier, grant_token, strict, &none))) {
      const char *dev = NULL;
      char *mine = NULL;
      CHECK_OK(grantex_verified_grant_developer_id(none, &dev));
      mine = strdup(dev);
      grantex_verified_grant_free(none);
      none = NULL;
      CHECK_OK(grantex_verify_options_set_expected_developer(strict, mine));
      CHECK_OK(grantex_verify(verifier, grant_token, strict, &none));
      grantex_verified_grant_free(none);
      none = NULL;
      free(mine);
    }
    CHECK_OK(grantex_verify_options_set_expected_developer(strict, "dev_someone_else"));
    CHECK_RC(grantex_verify(verifier, grant_token, strict, &none), GRANTEX_TOKEN_WRONG_ISSUER);
    CHECK_OK(grantex_verify_options_set_expected_developer(strict, ""));
    CHECK_RC(grantex_verify(verifier, grant_token, strict, &none), GRANTEX_CONFIG);
    CHECK_RC(grantex_verify_options_set_expected_developer(NULL, "x"), GRANTEX_INVALID_ARGUMENT);
    CHECK(none == NULL);
    grantex_verify_options_free(strict);
  }
  /* The shared-cache one-call form. */
  {
    grantex_verified_grant *g = NULL;
    CHECK_OK(grantex_verify_grant_token(grant_token, jwks_uri, NULL, &g));
    grantex_verified_grant_free(g);
  }
  /* A token signed by a key this server does not have: unknown kid (after the refetch). */
  if (vectors_path) {
    char *vtoken = NULL, *vjwks = NULL, *viss = NULL;
    long long vnow = 0;
    if (vectors_first_valid(vectors_path, &vtoken, &vjwks, &viss, &vnow) == 0) {
      grantex_verified_grant *g = NULL;
      CHECK_RC(grantex_verify(verifier, vtoken, NULL, &g), GRANTEX_TOKEN_UNKNOWN_KID);
      CHECK(g == NULL);
    }
    free(vtoken);
    free(vjwks);
    free(viss);
  }

  /* Online checks. */
  CHECK(online_valid(client, grant_token) == 1);
  CHECK_OK(grantex_grants_verify(client, grant_token, &online));
  if (online) {
    CHECK_OK(grantex_verified_grant_grant_id(online, &s));
    CHECK_STR(s, grant_id);
  }
  CHECK_OK(grantex_grants_get(client, grant_id, &r));
  if (r) {
    char *status = field(r, "status");
    CHECK_STR(status, "active");
    free(status);
  }
  grantex_response_free(r);
  r = NULL;
  p = params_from("{}");
  CHECK_OK(grantex_params_set_string(p, "agentId", agent_id));
  CHECK_OK(grantex_grants_list(client, p, &r));
  CHECK_OK(grantex_response_len(r, "grants", &n));
  CHECK(n >= 1);
  CHECK_OK(grantex_response_string(r, "/grants/0/agentId", &s));
  CHECK_STR(s, agent_id);
  grantex_response_free(r);
  r = NULL;
  grantex_params_free(p);

  /* Delegate a subset to the sub-agent. */
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "parentGrantToken", grant_token));
  CHECK_OK(grantex_params_set_string(p, "subAgentId", sub_id));
  CHECK_OK(grantex_params_add_string(p, "scopes", "calendar:read"));
  CHECK_OK(grantex_params_set_string(p, "expiresIn", "1h"));
  CHECK_OK(grantex_grants_delegate(client, p, &child));
  grantex_params_free(p);
  p = NULL;
  if (child) {
    child_token = field(child, "grantToken");
    child_grant_id = field(child, "grantId");
    CHECK_OK(grantex_verify(verifier, child_token, NULL, &child_grant));
    CHECK_OK(grantex_verified_grant_delegation_depth(child_grant, &depth));
    CHECK(depth == 1);
    CHECK_OK(grantex_verified_grant_agent_did(child_grant, &s));
    CHECK_STR(s, sub_did);
    CHECK_OK(grantex_verified_grant_parent_agent_did(child_grant, &s));
    CHECK_STR(s, agent_did);
    CHECK_OK(grantex_verified_grant_parent_grant_id(child_grant, &s));
    CHECK_STR(s, grant_id);
    dump_grant_json("live:delegated", child_grant);
    /* A depth limit of 0 refuses the delegated token. */
    {
      grantex_verify_options *flat = NULL;
      grantex_verified_grant *none = NULL;
      CHECK_OK(grantex_verify_options_new(&flat));
      CHECK_OK(grantex_verify_options_set_max_delegation_depth(flat, 0));
      CHECK_RC(grantex_verify(verifier, child_token, flat, &none), GRANTEX_TOKEN_DELEGATION_TOO_DEEP);
      grantex_verify_options_free(flat);
    }
  }

  /* Refresh: a new token for the same grant (with an explicit idempotency key). */
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "refreshToken", refresh_token));
  CHECK_OK(grantex_params_set_string(p, "agentId", agent_id));
  {
    /* Unique per run: the server remembers keys, and the suite runs several times per server. */
    char key[64];
    snprintf(key, sizeof key, "c-test-refresh-%ld-%ld", (long)getpid(), (long)time(NULL));
    CHECK_OK(grantex_params_set_string(p, "idempotencyKey", key));
  }
  CHECK_OK(grantex_tokens_refresh(client, p, &refreshed));
  grantex_params_free(p);
  p = NULL;
  if (refreshed) {
    grantex_verified_grant *g = NULL;
    new_token = field(refreshed, "grantToken");
    CHECK(strcmp(new_token, grant_token) != 0);
    CHECK_OK(grantex_verify(verifier, new_token, NULL, &g));
    grantex_verified_grant_free(g);
  }

  /* Audit log and its hash chain. */
  CHECK_OK(grantex_params_new(&p));
  CHECK_OK(grantex_params_set_string(p, "agentId", agent_id));
  CHECK_OK(grantex_params_set_string(p, "agentDid", agent_did));
  CHECK_OK(grantex_params_set_string(p, "grantId", grant_id));
  CHECK_OK(grantex_params_set_string(p, "principalId", "usr_alice"));
  CHECK_OK(grantex_params_set_string(p, "action", "calendar.read"));
  CHECK_OK(grantex_params_set_json(p, "metadata", "{\"events\":3,\"range\":\"week\"}"));
  CHECK_OK(grantex_params_set_string(p, "status", "success"));
  CHECK_OK(grantex_audit_log(client, p, &entry));
  CHECK_OK(grantex_params_set_string(p, "action", "email.send"));
  grantex_response_free(r);
  r = NULL;
  CHECK_OK(grantex_audit_log(client, p, &r));
  grantex_response_free(r);
  r = NULL;
  grantex_params_free(p);
  p = NULL;
  if (entry) {
    char *entry_id = field(entry, "entryId");
    char *hash = field(entry, "hash");
    char *computed = NULL;
    const char *entry_text = NULL;
    CHECK_OK(grantex_response_json(entry, &entry_text));
    CHECK_OK(grantex_audit_compute_hash(entry_text, &computed));
    CHECK_STR(computed, hash);
    CHECK_OK(grantex_audit_get(client, entry_id, &r));
    grantex_response_free(r);
    r = NULL;
    grantex_string_free(computed);
    free(entry_id);
    free(hash);
  }
  CHECK_OK(grantex_audit_list(client, NULL, &r));
  if (r) {
    const char *list_json = NULL;
    grantex_response *report = NULL;
    CHECK_OK(grantex_response_len(r, "entries", &n));
    CHECK(n >= 2);
    CHECK_OK(grantex_response_json(r, &list_json));
    CHECK_OK(grantex_audit_verify_chain(list_json, &report));
    CHECK_OK(grantex_response_bool(report, "valid", &valid));
    CHECK(valid);
    grantex_response_free(report);
    report = NULL;
    /* Altering one recorded action breaks the chain. */
    {
      char *copy = strdup(list_json);
      char *at = copy ? strstr(copy, "calendar.read") : NULL;
      if (CHECK(at != NULL)) {
        at[0] = 'C';
        CHECK_OK(grantex_audit_verify_chain(copy, &report));
        CHECK_OK(grantex_response_bool(report, "valid", &valid));
        CHECK(!valid);
        CHECK_OK(grantex_response_string(report, "reason", &s));
        CHECK_STR(s, "content");
      }
      grantex_response_free(report);
      free(copy);
    }
  }
  grantex_response_free(r);
  r = NULL;

  /* Principal session and a denied consent. */
  p = params_from("{\"principalId\":\"usr_alice\",\"expiresIn\":\"1h\"}");
  CHECK_OK(grantex_principal_sessions_create(client, p, &r));
  if (r) {
    char *url = field(r, "dashboardUrl");
    CHECK(strlen(url) > 0);
    free(url);
  }
  grantex_response_free(r);
  r = NULL;
  grantex_params_free(p);
  p = NULL;
  {
    grantex_params *ap = NULL;
    grantex_response *auth = NULL, *denial = NULL, *after = NULL;
    CHECK_OK(grantex_params_new(&ap));
    CHECK_OK(grantex_params_set_string(ap, "agentId", agent_id));
    CHECK_OK(grantex_params_set_string(ap, "principalId", "usr_bob"));
    CHECK_OK(grantex_params_add_string(ap, "scopes", "calendar:read"));
    CHECK_OK(grantex_authorize(client, ap, &auth));
    if (auth) {
      char *rid = field(auth, "authRequestId");
      CHECK_OK(grantex_consent_deny(client, rid, &denial));
      CHECK(grantex_consent_approve(client, rid, &after) != GRANTEX_OK);
      CHECK(after == NULL);
      free(rid);
    }
    grantex_response_free(denial);
    grantex_response_free(auth);
    grantex_params_free(ap);
  }

  /* Revoke the root grant: online verification fails for it and its delegate at once ... */
  CHECK_OK(grantex_grants_revoke(client, grant_id));
  CHECK(online_valid(client, grant_token) == 0);
  if (child_token) CHECK(online_valid(client, child_token) == 0);
  {
    grantex_verified_grant *none = NULL;
    CHECK_RC(grantex_grants_verify(client, grant_token, &none), GRANTEX_TOKEN_INACTIVE);
    CHECK(none == NULL);
  }
  /* ... while the offline verifier still accepts the signature until expiry, and still
   * rejects a forged one. */
  {
    grantex_verified_grant *g = NULL;
    char *forged = strdup(grant_token);
    size_t len = strlen(forged);
    CHECK_OK(grantex_verify(verifier, grant_token, NULL, &g));
    grantex_verified_grant_free(g);
    g = NULL;
    forged[len - 5] = forged[len - 5] == 'A' ? 'B' : 'A';
    CHECK_RC(grantex_verify(verifier, forged, NULL, &g), GRANTEX_TOKEN_BAD_SIGNATURE);
    free(forged);
  }
  /* Revoking one token by its jti. */
  if (jti && new_token) {
    grantex_verified_grant *g = NULL;
    const char *new_jti = NULL;
    CHECK_OK(grantex_verify(verifier, new_token, NULL, &g));
    CHECK_OK(grantex_verified_grant_token_id(g, &new_jti));
    if (new_jti) CHECK_OK(grantex_tokens_revoke(client, new_jti));
    CHECK(online_valid(client, new_token) == 0);
    grantex_verified_grant_free(g);
  }

  test_api_errors(client, base_url);

  /* Deleting an agent. */
  CHECK_OK(grantex_agents_delete(client, sub_id));
  CHECK_RC(grantex_agents_get(client, sub_id, &r), GRANTEX_API);

  /* Identity binding (issue 13): the expected principal and agent, and the current-authority
   * check with the server's online answer (grants.verify) for the same token. */
  if (grant && online && child_grant) {
    grantex_verify_options *bound = NULL;
    grantex_verified_grant *g2 = NULL;
    char *answer = NULL;
    CHECK_OK(grantex_verify_options_new(&bound));
    CHECK_OK(grantex_verify_options_set_expected_principal_id(bound, "usr_alice"));
    CHECK_OK(grantex_verify_options_set_expected_agent_did(bound, agent_did));
    CHECK_OK(grantex_verify(verifier, child_token, NULL, &g2));
    grantex_verified_grant_free(g2);
    g2 = NULL;
    CHECK_RC(grantex_verify(verifier, child_token, bound, &g2), GRANTEX_TOKEN_WRONG_AGENT);
    CHECK(g2 == NULL);
    CHECK_OK(grantex_verify_options_set_expected_agent_did(bound, sub_did));
    if (CHECK_OK(grantex_verify(verifier, child_token, bound, &g2))) grantex_verified_grant_free(g2);
    g2 = NULL;
    CHECK_OK(grantex_verify_options_set_expected_principal_id(bound, "usr_bob"));
    CHECK_RC(grantex_verify(verifier, child_token, bound, &g2), GRANTEX_TOKEN_WRONG_PRINCIPAL);
    CHECK_STR(grantex_result_name(GRANTEX_TOKEN_WRONG_PRINCIPAL), "wrong_principal");
    grantex_verify_options_free(bound);

    CHECK_OK(grantex_verified_grant_json(online, &answer));
    CHECK_OK(grantex_verified_grant_check_authority(grant, answer));
    grantex_string_free(answer);
    answer = NULL;
    CHECK_OK(grantex_verified_grant_json(child_grant, &answer));
    CHECK_RC(grantex_verified_grant_check_authority(grant, answer), GRANTEX_TOKEN_AUTHORITY_MISMATCH);
    grantex_string_free(answer);
    CHECK_RC(grantex_verified_grant_check_authority(grant, NULL), GRANTEX_TOKEN_AUTHORITY_MISMATCH);
    CHECK_RC(grantex_verified_grant_check_authority(grant, "not json"), GRANTEX_TOKEN_AUTHORITY_MISMATCH);
    CHECK_RC(grantex_verified_grant_check_authority(NULL, "{}"), GRANTEX_INVALID_ARGUMENT);
    /* The JSON-only form, and the option that announces the check (it needs an audience). */
    answer = NULL;
    CHECK_OK(grantex_verified_grant_json(online, &answer));
    CHECK_OK(grantex_check_current_authority(answer, answer));
    CHECK_RC(grantex_check_current_authority(answer, "{}"), GRANTEX_TOKEN_AUTHORITY_MISMATCH);
    CHECK_RC(grantex_check_current_authority(NULL, answer), GRANTEX_INVALID_ARGUMENT);
    grantex_string_free(answer);
    CHECK_OK(grantex_verify_options_new(&bound));
    CHECK_OK(grantex_verify_options_set_current_authority(bound, 1));
    CHECK_RC(grantex_verify(verifier, child_token, bound, &g2), GRANTEX_TOKEN_AUTHORITY_MISMATCH);
    CHECK_RC(grantex_verify_options_set_current_authority(bound, 2), GRANTEX_INVALID_ARGUMENT);
    grantex_verify_options_free(bound);
  }

  /* The reference options by name (issue 13): standard claims only on the server's tokens,
   * proof of possession on an unbound token, and a did:web issuer for which this server stands
   * in (the explicit development mode). */
  if (grant && child_token) {
    grantex_verify_options *ref = NULL;
    grantex_verified_grant *g3 = NULL;
    const char *iss = NULL, *parent = NULL, *port = strrchr(base_url, ':');
    uint32_t d = 0;
    char did[160];
    CHECK_OK(grantex_verify_options_new(&ref));
    CHECK_OK(grantex_verify_options_set_reference_option(ref, "legacy_claims", "false"));
    if (CHECK_OK(grantex_verify(verifier, child_token, ref, &g3))) {
      CHECK_OK(grantex_verified_grant_delegation_depth(g3, &d));
      CHECK(d == 1);
      CHECK_OK(grantex_verified_grant_parent_agent_did(g3, &parent));
      CHECK_STR(parent, agent_did);
    }
    grantex_verified_grant_free(g3);
    g3 = NULL;
    CHECK_OK(grantex_verify_options_set_reference_option(ref, "proofJkt", "\"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs\""));
    CHECK_RC(grantex_verify(verifier, child_token, ref, &g3), GRANTEX_TOKEN_NOT_KEY_BOUND);
    CHECK_STR(grantex_result_name(GRANTEX_TOKEN_NOT_KEY_BOUND), "not_key_bound");
    CHECK_OK(grantex_verify_options_set_reference_option(ref, "proof_jkt", NULL));
    CHECK_OK(grantex_verify_options_set_reference_option(ref, "require_proof_of_possession", "true"));
    CHECK_RC(grantex_verify(verifier, child_token, ref, &g3), GRANTEX_TOKEN_PROOF_REQUIRED);
    grantex_verify_options_free(ref);

    ref = NULL;
    snprintf(did, sizeof did, "\"did:web:localhost%%3A%s\"", port ? port + 1 : "");
    CHECK_OK(grantex_verified_grant_issuer(grant, &iss));
    CHECK_OK(grantex_verify_options_new(&ref));
    CHECK_RC(grantex_verify_options_set_reference_option(ref, "issuer_did", did), GRANTEX_CONFIG);
    CHECK_RC(grantex_verify_grant_token(child_token, NULL, ref, &g3), GRANTEX_INVALID_ARGUMENT);
    setenv("GRANTEX_DID_WEB_ALLOW_LOCALHOST", "1", 1);
    CHECK_OK(grantex_verify_options_set_reference_option(ref, "issuerDid", did));
    CHECK_OK(grantex_verify_options_set_issuer(ref, iss));
    /* No JWKS URI: the DID names where the keys are; one elsewhere is not used. */
    if (CHECK_OK(grantex_verify_grant_token(child_token, NULL, ref, &g3))) grantex_verified_grant_free(g3);
    g3 = NULL;
    if (CHECK_OK(grantex_verify_grant_token(child_token, "http://127.0.0.1:9/.well-known/jwks.json", ref, &g3)))
      grantex_verified_grant_free(g3);
    g3 = NULL;
    /* The DID's location is expected when no issuer is given; these tokens name the server's. */
    CHECK_OK(grantex_verify_options_set_issuer(ref, NULL));
    CHECK_RC(grantex_verify_grant_token(child_token, NULL, ref, &g3), GRANTEX_TOKEN_WRONG_ISSUER);
    unsetenv("GRANTEX_DID_WEB_ALLOW_LOCALHOST");
    grantex_verify_options_free(ref);
  }

  test_dpop(client, verifier);
  test_sandbox_signup_rotate(base_url, sandbox_key);

done:
  grantex_response_free(r);
  grantex_response_free(tok);
  grantex_response_free(child);
  grantex_response_free(refreshed);
  grantex_response_free(entry);
  grantex_verified_grant_free(grant);
  grantex_verified_grant_free(online);
  grantex_verified_grant_free(child_grant);
  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);
  grantex_params_free(p);
  grantex_client_free(client);
  grantex_string_free(jwks_uri);
  free(agent_id);
  free(agent_did);
  free(sub_id);
  free(sub_did);
  free(code);
  free(grant_token);
  free(grant_id);
  free(refresh_token);
  free(child_token);
  free(child_grant_id);
  free(new_token);
  free(jti);
}
