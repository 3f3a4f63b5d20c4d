/* The product-page flow in C, end to end, against a Grantex server, in the eight steps every
 * language's quickstart prints:
 *
 *   1 register agents, 2 authorize, 3 consent, 4 exchange, 5 verify offline, 6 delegate,
 *   7 revoke (cascades to the sub-agent), 8 a tampered token is refused offline.
 *
 * C also puts another agent's A2A guard in front of the sub-agent's call: it accepts the call
 * after step 6 and refuses it (401 revoked) after step 7.
 *
 * Reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as written by grantex-server to server.json). With
 * the live key authorize waits for consent, which step 3 gives through the endpoint the consent
 * page's Approve button calls; with the sandbox key authorize returns the code at once.
 * Build: make PKG_CONFIG_PATH=<prefix>/lib/pkgconfig    Run: ./quickstart */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grantex.h>

/* Stops with the failing call's code and the library's explanation. */
static void fail(const char *what, grantex_result rc) {
  char message[512] = "";
  grantex_last_error_message(message, sizeof message, NULL);
  fprintf(stderr, "[c] %s failed: %s (%u): %s\n", what, grantex_result_name(rc), (unsigned)rc,
          message);
  exit(1);
}

#define TRY(call)                                \
  do {                                           \
    grantex_result rc_ = (call);                 \
    if (rc_ != GRANTEX_OK) fail(#call, rc_);     \
  } while (0)

/* A copy of a string field of a response (the response keeps ownership of its own). */
static char *get(const grantex_response *r, const char *field) {
  const char *s = NULL;
  char *copy;
  TRY(grantex_response_string(r, field, &s));
  copy = malloc(strlen(s) + 1);
  if (!copy) exit(1);
  strcpy(copy, s);
  return copy;
}

static grantex_response *register_agent(grantex_client *client, const char *name,
                                        const char *description, const char *scopes[], int n) {
  grantex_params *p = NULL;
  grantex_response *agent = NULL;
  int i;
  TRY(grantex_params_new(&p));
  TRY(grantex_params_set_string(p, "name", name));
  TRY(grantex_params_set_string(p, "description", description));
  for (i = 0; i < n; i++) TRY(grantex_params_add_string(p, "scopes", scopes[i]));
  TRY(grantex_agents_register(client, p, &agent));
  grantex_params_free(p);
  return agent;
}

/* Prints a response's "scopes" array as "a, b". */
static void print_response_scopes(const grantex_response *r) {
  size_t i, n = 0;
  char path[32];
  const char *scope = NULL;
  TRY(grantex_response_len(r, "scopes", &n));
  for (i = 0; i < n; i++) {
    snprintf(path, sizeof path, "/scopes/%zu", i);
    TRY(grantex_response_string(r, path, &scope));
    printf("%s%s", i ? ", " : "", scope);
  }
}

/* Prints a verified grant's scopes as "a, b". */
static void print_grant_scopes(const grantex_verified_grant *g) {
  size_t i, n = 0;
  const char *scope = NULL;
  TRY(grantex_verified_grant_scopes_len(g, &n));
  for (i = 0; i < n; i++) {
    TRY(grantex_verified_grant_scope(g, i, &scope));
    printf("%s%s", i ? ", " : "", scope);
  }
}

static int online_valid(grantex_client *client, const char *token) {
  grantex_response *r = NULL;
  bool valid = true;
  TRY(grantex_tokens_verify(client, token, &r));
  TRY(grantex_response_bool(r, "valid", &valid));
  grantex_response_free(r);
  return valid;
}

int main(void) {
  const char *both[] = {"calendar:read", "email:send"};
  const char *read_only[] = {"calendar:read"};
  grantex_client *client = NULL;
  grantex_response *agent, *sub_agent, *auth, *approval = NULL, *token, *child;
  grantex_params *p = NULL;
  grantex_verifier *jwks = NULL;
  grantex_verify_options *options = NULL;
  grantex_verified_grant *grant = NULL, *child_grant = NULL, *none = NULL, *called = NULL;
  grantex_a2a_policy *policy = NULL;
  grantex_a2a_guard *guard = NULL;
  grantex_a2a_rejection *rejection = NULL;
  char *authorization;
  const char *base_url = NULL, *principal = NULL, *agent_did = NULL;
  char *jwks_uri = NULL, *agent_id, *sub_agent_id, *request_id, *code, *grant_token, *grant_id;
  char *child_token, *child_grant_id, *consent_url;
  uint32_t depth = 0;
  bool has_code = false;
  grantex_result rc;

  /* Line-buffered even into a pipe, so progress and errors (stderr) stay in order. */
  setvbuf(stdout, NULL, _IOLBF, 0);

  /* API key and base URL come from GRANTEX_API_KEY / GRANTEX_BASE_URL. */
  TRY(grantex_client_new(NULL, NULL, GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client));
  TRY(grantex_client_base_url(client, &base_url));
  printf("[c] server: %s (%s)\n", base_url, grantex_version());

  /* 1. Register the agent and the sub-agent it will delegate to. */
  agent = register_agent(client, "travel-assistant", "Books trips and sends confirmations", both, 2);
  sub_agent = register_agent(client, "calendar-reader", "Reads the calendar for the travel assistant",
                             read_only, 1);
  agent_id = get(agent, "agentId");
  sub_agent_id = get(sub_agent, "agentId");
  printf("[c] 1. register: agents %s (travel-assistant) and %s (calendar-reader)\n", agent_id,
         sub_agent_id);

  /* 2. Ask the user for a grant: the human sees the consent URL. */
  TRY(grantex_params_new(&p));
  TRY(grantex_params_set_string(p, "agentId", agent_id));
  TRY(grantex_params_set_string(p, "userId", "usr_alice"));
  TRY(grantex_params_add_string(p, "scopes", "calendar:read"));
  TRY(grantex_params_add_string(p, "scopes", "email:send"));
  TRY(grantex_authorize(client, p, &auth));
  grantex_params_free(p);
  consent_url = get(auth, "consentUrl");
  request_id = get(auth, "authRequestId");
  printf("[c] 2. authorize: consent URL %s\n", consent_url);

  /* 3. The human approves (here through the endpoint the consent page's Approve button calls);
   *    a sandbox key gets the code straight away. */
  TRY(grantex_response_has(auth, "code", &has_code));
  if (has_code) {
    code = get(auth, "code");
    printf("[c] 3. consent: sandbox key, authorize returned the code (no consent step)\n");
  } else {
    TRY(grantex_consent_approve(client, request_id, &approval));
    code = get(approval, "code");
    printf("[c] 3. consent: approved; authorization code received\n");
  }

  /* 4. Exchange the code for a grant token. */
  TRY(grantex_params_new(&p));
  TRY(grantex_params_set_string(p, "code", code));
  TRY(grantex_params_set_string(p, "agentId", agent_id));
  TRY(grantex_tokens_exchange(client, p, &token));
  grantex_params_free(p);
  grant_token = get(token, "grantToken");
  grant_id = get(token, "grantId");
  printf("[c] 4. exchange: grant token for %s, scopes ", grant_id);
  print_response_scopes(token);
  printf("\n");

  /* 5. Any service verifies it offline against the published JWKS. A sandbox key's tokens
   *    (approved without a human) are accepted only when asked for. */
  TRY(grantex_client_jwks_uri(client, &jwks_uri));
  TRY(grantex_verifier_new_remote(jwks_uri, &jwks));
  TRY(grantex_verify_options_new(&options));
  TRY(grantex_verify_options_add_required_scope(options, "calendar:read"));
  TRY(grantex_verify_options_set_allow_sandbox(options, has_code ? 1 : 0));
  TRY(grantex_verify(jwks, grant_token, options, &grant));
  TRY(grantex_verified_grant_principal_id(grant, &principal));
  TRY(grantex_verified_grant_agent_did(grant, &agent_did));
  printf("[c] 5. verify offline: principal %s, agent %s, scopes ", principal, agent_did);
  print_grant_scopes(grant);
  printf("\n");

  /* 6. Delegate a subset to the sub-agent. */
  TRY(grantex_params_new(&p));
  TRY(grantex_params_set_string(p, "parentGrantToken", grant_token));
  TRY(grantex_params_set_string(p, "subAgentId", sub_agent_id));
  TRY(grantex_params_add_string(p, "scopes", "calendar:read"));
  TRY(grantex_params_set_string(p, "expiresIn", "1h"));
  TRY(grantex_grants_delegate(client, p, &child));
  grantex_params_free(p);
  child_token = get(child, "grantToken");
  child_grant_id = get(child, "grantId");
  TRY(grantex_verify(jwks, child_token, options, &child_grant));
  TRY(grantex_verified_grant_agent_did(child_grant, &agent_did));
  TRY(grantex_verified_grant_delegation_depth(child_grant, &depth));
  printf("[c] 6. delegate: grant %s to %s (depth %u, scopes ", child_grant_id, agent_did,
         (unsigned)depth);
  print_grant_scopes(child_grant);
  printf(")\n");

  /* The sub-agent calls agent B over A2A. B's guard wants calendar:read, accepts one hop of
   * delegation and asks the server about revocation (the API key of the tokens' owner). */
  TRY(grantex_a2a_policy_new_remote(jwks_uri, &policy));
  TRY(grantex_a2a_policy_add_required_scope(policy, "calendar:read"));
  TRY(grantex_a2a_policy_set_delegation(policy, true, 1));
  TRY(grantex_a2a_policy_set_revocation_online(policy, base_url, getenv("GRANTEX_API_KEY"), 0));
  TRY(grantex_a2a_guard_new(policy, &guard));
  authorization = malloc(strlen(child_token) + 8);
  if (!authorization) exit(1);
  sprintf(authorization, "Bearer %s", child_token);
  TRY(grantex_a2a_guard_check(guard, authorization, "tasks/send", &called, &rejection));
  TRY(grantex_verified_grant_agent_did(called, &agent_did));
  printf("[c]    agent B's A2A guard accepts tasks/send from %s\n", agent_did);

  /* 7. Revoke the root grant: the cascade reaches the sub-agent at once, and B's guard now
   *    answers the sub-agent's call with the refusal to send back. */
  TRY(grantex_grants_revoke(client, grant_id));
  {
    int parent_valid = online_valid(client, grant_token);
    int child_valid = online_valid(client, child_token);
    uint16_t status = 0;
    const char *reason = "";
    char *body = NULL;
    printf("[c] 7. revoke: grant %s; online verify: grant valid=%s, delegated grant valid=%s\n",
           grant_id, parent_valid ? "true" : "false", child_valid ? "true" : "false");
    if (parent_valid || child_valid) {
      fprintf(stderr, "[c] FAILED: a revoked grant still verifies online\n");
      return 1;
    }
    rc = grantex_a2a_guard_check(guard, authorization, "tasks/send", &none, &rejection);
    if (rc != GRANTEX_A2A_REJECTED) fail("the A2A guard after revocation", rc);
    TRY(grantex_a2a_rejection_status(rejection, &status));
    TRY(grantex_a2a_rejection_reason(rejection, &reason));
    TRY(grantex_a2a_rejection_body(rejection, "1", &body));
    printf("[c]    agent B answers HTTP %u (%s): %s\n", (unsigned)status, reason, body);
    grantex_string_free(body);
    if (status != 401 || strcmp(reason, "revoked") != 0) {
      fprintf(stderr, "[c] FAILED: expected 401 revoked from the guard\n");
      return 1;
    }
  }

  /* 8. Offline verification cannot see revocation (use short lifetimes or the online check),
   *    but it still checks the signature: a tampered token is refused. */
  {
    char *signature = strrchr(grant_token, '.') + 1;
    signature[0] = signature[0] == 'A' ? 'B' : 'A';
    rc = grantex_verify(jwks, grant_token, NULL, &none);
    if (rc != GRANTEX_TOKEN_BAD_SIGNATURE) {
      fprintf(stderr, "[c] FAILED: a tampered token gave %s, expected bad_signature\n",
              grantex_result_name(rc));
      return 1;
    }
    printf("[c] 8. tamper: the offline verifier refuses a forged signature: %s\n",
           grantex_result_name(rc));
  }

  printf("[c] done\n");
  grantex_a2a_rejection_free(rejection);
  grantex_verified_grant_free(called);
  grantex_a2a_guard_free(guard);
  grantex_a2a_policy_free(policy);
  free(authorization);
  grantex_verified_grant_free(child_grant);
  grantex_verified_grant_free(grant);
  grantex_verify_options_free(options);
  grantex_verifier_free(jwks);
  grantex_response_free(child);
  grantex_response_free(token);
  grantex_response_free(approval);
  grantex_response_free(auth);
  grantex_response_free(sub_agent);
  grantex_response_free(agent);
  grantex_client_free(client);
  grantex_string_free(jwks_uri);
  free(agent_id);
  free(sub_agent_id);
  free(request_id);
  free(consent_url);
  free(code);
  free(grant_token);
  free(grant_id);
  free(child_token);
  free(child_grant_id);
  grantex_shutdown();
  return 0;
}
