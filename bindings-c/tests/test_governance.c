/* Policies, webhooks, compliance and anomalies through the generic call (issue 15 item 1) against a running grantex-server: a fresh
 * live account creates, lists, updates and deletes policies (GRANTEX_OP_POLICIES_*), bad fields
 * are 422 VALIDATION_ERROR, an allow approves /v1/authorize at once, a matching deny refuses it
 * with 403 POLICY_DENIED whose body names the policy, and the dry run agrees. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "harness.h"

/* `op` with `json`, expecting success: the result as a response handle (NULL on failure). */
static grantex_response *ok_call(const grantex_client *c, const char *op, const char *json) {
  char *out = NULL;
  grantex_response *r = NULL;
  if (!CHECK_OK(grantex_client_call(c, op, json, &out))) return NULL;
  CHECK_OK(grantex_response_from_json(out, &r));
  grantex_string_free(out);
  return r;
}

/* `op` with `json`, expecting the API failure `rc` with HTTP `status` and server `code`. */
static void failing_call(const grantex_client *c, const char *op, const char *json,
                         grantex_result rc, uint16_t status, const char *code) {
  char *out = NULL;
  uint16_t got = 0;
  char buf[64];
  size_t n = 0;
  CHECK_RC(grantex_client_call(c, op, json, &out), rc);
  CHECK(out == NULL);
  CHECK_OK(grantex_last_error_http_status(&got));
  CHECK(got == status);
  if (CHECK_OK(grantex_last_error_api_code(buf, sizeof buf, &n))) CHECK_STR(buf, code);
}

static char *copy_str(const grantex_response *r, const char *path) {
  const char *s = NULL;
  char *copy;
  if (!CHECK_OK(grantex_response_string(r, path, &s)) || !s) s = "";
  copy = strdup(s);
  if (!copy) abort();
  return copy;
}

void test_policies_flow(const char *base_url) {
  grantex_client *client = NULL, *other = NULL;
  grantex_response *signup = NULL, *signup2 = NULL, *pol = NULL, *deny = NULL, *list = NULL;
  grantex_response *upd = NULL, *agent = NULL, *auth = NULL, *dry = NULL;
  char *key = NULL, *key2 = NULL, *pol_id = NULL, *deny_id = NULL, *agent_id = NULL;
  char *status = NULL, *body = NULL;
  char input[1024];
  int64_t n = 0;
  size_t count = 0;
  bool flag = false;
  char *out = NULL;

  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C policies\",\"mode\":\"live\"}", &out)))
    return;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  out = NULL;
  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C other\",\"mode\":\"live\"}", &out)))
    goto done;
  CHECK_OK(grantex_response_from_json(out, &signup2));
  grantex_string_free(out);
  out = NULL;
  if (!signup || !signup2) goto done;
  key = copy_str(signup, "apiKey");
  key2 = copy_str(signup2, "apiKey");
  if (!CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &client))) goto done;
  if (!CHECK_OK(grantex_client_new(key2, base_url, 10000, 0, &other))) goto done;

  /* CRUD. */
  pol = ok_call(client, GRANTEX_OP_POLICIES_CREATE,
                "{\"name\":\"alice calendars\",\"effect\":\"allow\",\"priority\":10,"
                "\"principalId\":\"alice\",\"scopes\":[\"calendar:read\"]}");
  if (!pol) goto done;
  pol_id = copy_str(pol, "id");
  CHECK(strncmp(pol_id, "pol_", 4) == 0);
  CHECK_OK(grantex_response_int(pol, "version", &n));
  CHECK(n == 1);
  list = ok_call(client, GRANTEX_OP_POLICIES_LIST, NULL);
  if (list) {
    CHECK_OK(grantex_response_int(list, "total", &n));
    CHECK(n == 1);
    CHECK_OK(grantex_response_len(list, "policies", &count));
    CHECK(count == 1);
  }
  snprintf(input, sizeof input, "{\"policyId\":\"%s\",\"name\":\"renamed\"}", pol_id);
  upd = ok_call(client, GRANTEX_OP_POLICIES_UPDATE, input);
  if (upd) {
    char *name = copy_str(upd, "name");
    CHECK_STR(name, "renamed");
    free(name);
    CHECK_OK(grantex_response_int(upd, "version", &n));
    CHECK(n == 2);
  }
  snprintf(input, sizeof input, "{\"policyId\":\"%s\"}", pol_id);
  failing_call(other, GRANTEX_OP_POLICIES_GET, input, GRANTEX_API, 404, "NOT_FOUND");
  failing_call(client, GRANTEX_OP_POLICIES_CREATE, "{\"name\":\"x\",\"effect\":\"maybe\"}",
               GRANTEX_API, 422, "VALIDATION_ERROR");
  failing_call(client, GRANTEX_OP_POLICIES_CREATE,
               "{\"name\":\"x\",\"effect\":\"deny\",\"cedar\":\"permit(principal, action, resource);\"}",
               GRANTEX_API, 422, "VALIDATION_ERROR");

  /* An allow approves at once; a matching deny refuses and names itself. */
  agent = ok_call(client, GRANTEX_OP_AGENTS_REGISTER,
                  "{\"name\":\"c-assistant\",\"scopes\":[\"calendar:read\",\"payments:transfer\"]}");
  if (!agent) goto done;
  agent_id = copy_str(agent, "agentId");
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"calendar:read\"]}", agent_id);
  auth = ok_call(client, GRANTEX_OP_AUTHORIZE, input);
  if (auth) {
    status = copy_str(auth, "status");
    CHECK_STR(status, "approved");
    CHECK_OK(grantex_response_bool(auth, "policyEnforced", &flag));
    CHECK(flag);
  }
  deny = ok_call(client, GRANTEX_OP_POLICIES_CREATE,
                 "{\"name\":\"no payments\",\"effect\":\"deny\",\"scopes\":[\"payments:transfer\"]}");
  if (!deny) goto done;
  deny_id = copy_str(deny, "id");
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"calendar:read\",\"payments:transfer\"]}",
           agent_id);
  failing_call(client, GRANTEX_OP_AUTHORIZE, input, GRANTEX_AUTH, 403, "POLICY_DENIED");
  if (CHECK_OK(grantex_last_error_body(&body))) CHECK(strstr(body, deny_id) != NULL);
  grantex_string_free(body);
  body = NULL;

  /* The dry run says the same, and names every match. */
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"payments:transfer\"]}",
           agent_id);
  dry = ok_call(client, GRANTEX_OP_POLICIES_EVALUATE, input);
  if (dry) {
    char *decision = copy_str(dry, "decision"), *by = copy_str(dry, "policyId");
    CHECK_STR(decision, "deny");
    CHECK_STR(by, deny_id);
    free(decision);
    free(by);
  }

  /* Delete: gone, and a second delete is a 404. */
  snprintf(input, sizeof input, "{\"policyId\":\"%s\"}", deny_id);
  if (CHECK_OK(grantex_client_call(client, GRANTEX_OP_POLICIES_DELETE, input, &out))) {
    grantex_string_free(out);
    out = NULL;
  }
  failing_call(client, GRANTEX_OP_POLICIES_DELETE, input, GRANTEX_API, 404, "NOT_FOUND");

done:
  grantex_response_free(signup);
  grantex_response_free(signup2);
  grantex_response_free(pol);
  grantex_response_free(deny);
  grantex_response_free(list);
  grantex_response_free(upd);
  grantex_response_free(agent);
  grantex_response_free(auth);
  grantex_response_free(dry);
  grantex_client_free(client);
  grantex_client_free(other);
  free(key);
  free(key2);
  free(pol_id);
  free(deny_id);
  free(agent_id);
  free(status);
}

/* Webhooks through the generic call: create (the secret once), list (no secret), an event
 * queued for an endpoint nobody listens on (a closed loopback port: the server runs with
 * --allow-private-webhooks) shows up in the delivery log as pending with its error, 422 on an
 * unknown event type, 404 after delete. */
void test_webhooks_flow(const char *base_url, const char *api_key) {
  grantex_client *client = NULL;
  grantex_response *hook = NULL, *list = NULL, *log = NULL, *agent = NULL;
  char *hook_id = NULL, *secret = NULL;
  char input[512];
  char *out = NULL;
  size_t n = 0;
  const char *absent = NULL;

  if (!CHECK_OK(grantex_client_new(api_key, base_url, 10000, 0, &client))) return;
  hook = ok_call(client, GRANTEX_OP_WEBHOOKS_CREATE,
                 "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"agent.created\"]}");
  if (!hook) goto done;
  hook_id = copy_str(hook, "id");
  secret = copy_str(hook, "secret");
  CHECK(strncmp(secret, "whsec_", 6) == 0);
  list = ok_call(client, GRANTEX_OP_WEBHOOKS_LIST, NULL);
  if (list) {
    CHECK_OK(grantex_response_len(list, "webhooks", &n));
    CHECK(n >= 1);
    CHECK_RC(grantex_response_string(list, "/webhooks/0/secret", &absent), GRANTEX_NOT_FOUND);
  }
  agent = ok_call(client, GRANTEX_OP_AGENTS_REGISTER, "{\"name\":\"c-hooked\",\"scopes\":[\"read\"]}");
  snprintf(input, sizeof input, "{\"webhookId\":\"%s\"}", hook_id);
  {
    /* The first attempt fails at once (connection refused); the log says so. */
    int tries;
    for (tries = 0; tries < 200; tries++) {
      int64_t attempts = 0;
      grantex_response_free(log);
      log = ok_call(client, GRANTEX_OP_WEBHOOKS_DELIVERIES, input);
      if (log && grantex_response_int(log, "/deliveries/0/attempts", &attempts) == GRANTEX_OK &&
          attempts >= 1)
        break;
      {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
      }
    }
    if (log) {
      char *status = copy_str(log, "/deliveries/0/status"), *type = copy_str(log, "/deliveries/0/eventType");
      char *err = copy_str(log, "/deliveries/0/lastError");
      CHECK_STR(status, "pending");
      CHECK_STR(type, "agent.created");
      CHECK(strstr(err, "could not deliver") != NULL);
      free(status);
      free(type);
      free(err);
    }
  }
  failing_call(client, GRANTEX_OP_WEBHOOKS_CREATE,
               "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"grant.exploded\"]}", GRANTEX_API,
               422, "VALIDATION_ERROR");
  if (CHECK_OK(grantex_client_call(client, GRANTEX_OP_WEBHOOKS_DELETE, input, &out))) {
    grantex_string_free(out);
    out = NULL;
  }
  failing_call(client, GRANTEX_OP_WEBHOOKS_DELIVERIES, input, GRANTEX_API, 404, "NOT_FOUND");

done:
  grantex_response_free(hook);
  grantex_response_free(list);
  grantex_response_free(log);
  grantex_response_free(agent);
  grantex_client_free(client);
  free(hook_id);
  free(secret);
}

/* Compliance and anomalies through the generic call, on a fresh sandbox account: the summary
 * counts what was done, the grants export agrees, the evidence pack's chain verifies, and a
 * first high-risk scope is one anomaly, acknowledged once. */
void test_compliance_flow(const char *base_url) {
  grantex_client *client = NULL;
  grantex_response *signup = NULL, *agent = NULL, *sum = NULL, *exp = NULL, *pack = NULL;
  grantex_response *found = NULL, *acked = NULL;
  char *key = NULL, *agent_id = NULL, *anomaly_id = NULL;
  char input[512];
  char *out = NULL;
  int64_t n = 0;
  bool flag = false;
  const char *scopes[2] = {"read", "payments:initiate"};
  int i;

  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C compliance\",\"mode\":\"sandbox\"}", &out)))
    return;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  out = NULL;
  if (!signup) goto done;
  key = copy_str(signup, "apiKey");
  if (!CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &client))) goto done;
  agent = ok_call(client, GRANTEX_OP_AGENTS_REGISTER,
                  "{\"name\":\"c-compliance\",\"scopes\":[\"read\",\"payments:initiate\"]}");
  if (!agent) goto done;
  agent_id = copy_str(agent, "agentId");
  for (i = 0; i < 2; i++) {
    grantex_response *auth, *tok;
    char *code;
    snprintf(input, sizeof input, "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"%s\"]}",
             agent_id, scopes[i]);
    auth = ok_call(client, GRANTEX_OP_AUTHORIZE, input);
    if (!auth) goto done;
    code = copy_str(auth, "code");
    snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
    tok = ok_call(client, GRANTEX_OP_TOKENS_EXCHANGE, input);
    grantex_response_free(auth);
    grantex_response_free(tok);
    free(code);
  }
  sum = ok_call(client, GRANTEX_OP_COMPLIANCE_GET_SUMMARY, NULL);
  if (sum) {
    CHECK_OK(grantex_response_int(sum, "/grants/total", &n));
    CHECK(n == 2);
  }
  exp = ok_call(client, GRANTEX_OP_COMPLIANCE_EXPORT_GRANTS, "{\"status\":\"active\"}");
  if (exp) {
    CHECK_OK(grantex_response_int(exp, "total", &n));
    CHECK(n == 2);
  }
  pack = ok_call(client, GRANTEX_OP_COMPLIANCE_EVIDENCE_PACK, "{\"framework\":\"soc2\"}");
  if (pack) {
    CHECK_OK(grantex_response_bool(pack, "/chainIntegrity/valid", &flag));
    CHECK(flag);
  }
  failing_call(client, GRANTEX_OP_COMPLIANCE_EVIDENCE_PACK, "{\"framework\":\"hipaa\"}", GRANTEX_API, 400,
               "BAD_REQUEST");

  found = ok_call(client, GRANTEX_OP_ANOMALIES_DETECT, NULL);
  if (found) {
    char *type = copy_str(found, "/anomalies/0/type");
    CHECK_OK(grantex_response_int(found, "total", &n));
    CHECK(n == 1);
    CHECK_STR(type, "new_high_risk_scope");
    free(type);
    anomaly_id = copy_str(found, "/anomalies/0/id");
    snprintf(input, sizeof input, "{\"anomalyId\":\"%s\"}", anomaly_id);
    acked = ok_call(client, GRANTEX_OP_ANOMALIES_ACKNOWLEDGE, input);
    flag = false;
    if (acked && CHECK_OK(grantex_response_has(acked, "acknowledgedAt", &flag))) CHECK(flag);
  }

done:
  grantex_response_free(signup);
  grantex_response_free(agent);
  grantex_response_free(sum);
  grantex_response_free(exp);
  grantex_response_free(pack);
  grantex_response_free(found);
  grantex_response_free(acked);
  grantex_client_free(client);
  free(key);
  free(agent_id);
  free(anomaly_id);
}
