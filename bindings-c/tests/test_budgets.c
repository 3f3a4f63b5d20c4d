/* Budgets and usage through the generic call (issue 16 items 2 and 4) against a running
 * grantex-server: a fresh live account gets a grant (authorize, consent, exchange), allocates a
 * budget (GRANTEX_OP_BUDGETS_*), debits exactly, is refused 402 INSUFFICIENT_BUDGET past it,
 * repeats an idempotency key without a second debit, refreshes a token whose `bdg` the C
 * verifier reads, and reads today's usage (GRANTEX_OP_USAGE_*). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

void test_budgets_flow(const char *base_url) {
  grantex_client *client = NULL;
  grantex_response *signup = NULL, *agent = NULL, *auth = NULL, *approval = NULL, *tok = NULL;
  grantex_response *alloc = NULL, *d1 = NULL, *d2 = NULL, *again = NULL, *bal = NULL;
  grantex_response *txs = NULL, *refreshed = NULL, *usage = NULL;
  grantex_verified_grant *grant = NULL;
  char *key = NULL, *agent_id = NULL, *req_id = NULL, *code = NULL, *grant_id = NULL;
  char *refresh = NULL, *token = NULL, *tx_id = NULL, *tx_again = NULL;
  char input[1024], jwks[512];
  char *out = NULL;
  int64_t n = 0;
  double budget = 0;

  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C budgets\",\"mode\":\"live\"}", &out)))
    return;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  out = NULL;
  if (!signup) goto done;
  key = dup_str(signup, "apiKey");
  if (!CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &client))) goto done;

  agent = call_ok(client, GRANTEX_OP_AGENTS_REGISTER, "{\"name\":\"c-spender\",\"scopes\":[\"pay\"]}");
  if (!agent) goto done;
  agent_id = dup_str(agent, "agentId");
  snprintf(input, sizeof input, "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"pay\"]}",
           agent_id);
  auth = call_ok(client, GRANTEX_OP_AUTHORIZE, input);
  if (!auth) goto done;
  req_id = dup_str(auth, "authRequestId");
  snprintf(input, sizeof input, "{\"authRequestId\":\"%s\"}", req_id);
  approval = call_ok(client, GRANTEX_OP_CONSENT_APPROVE, input);
  if (!approval) goto done;
  code = dup_str(approval, "code");
  snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
  tok = call_ok(client, GRANTEX_OP_TOKENS_EXCHANGE, input);
  if (!tok) goto done;
  grant_id = dup_str(tok, "grantId");
  refresh = dup_str(tok, "refreshToken");

  snprintf(input, sizeof input, "{\"grantId\":\"%s\",\"initialBudget\":10}", grant_id);
  alloc = call_ok(client, GRANTEX_OP_BUDGETS_ALLOCATE, input);
  check_str(alloc, "remainingBudget", "10.0000");
  check_str(alloc, "currency", "USD");
  call_fails(client, GRANTEX_OP_BUDGETS_ALLOCATE, input, 409, "CONFLICT");

  snprintf(input, sizeof input, "{\"grantId\":\"%s\",\"amount\":0.1,\"description\":\"c\"}", grant_id);
  d1 = call_ok(client, GRANTEX_OP_BUDGETS_DEBIT, input);
  check_str(d1, "remaining", "9.9000");
  /* The idempotency key travels as the Idempotency-Key header: a repeat answers the first debit. */
  snprintf(input, sizeof input,
           "{\"grantId\":\"%s\",\"amount\":2.9,\"idempotencyKey\":\"c-once\"}", grant_id);
  d2 = call_ok(client, GRANTEX_OP_BUDGETS_DEBIT, input);
  again = call_ok(client, GRANTEX_OP_BUDGETS_DEBIT, input);
  if (d2 && again) {
    tx_id = dup_str(d2, "transactionId");
    tx_again = dup_str(again, "transactionId");
    CHECK_STR(tx_again, tx_id);
  }
  check_str(again, "remaining", "7.0000");
  snprintf(input, sizeof input, "{\"grantId\":\"%s\",\"amount\":100}", grant_id);
  call_fails(client, GRANTEX_OP_BUDGETS_DEBIT, input, 402, "INSUFFICIENT_BUDGET");
  snprintf(input, sizeof input, "{\"grantId\":\"%s\",\"amount\":0}", grant_id);
  call_fails(client, GRANTEX_OP_BUDGETS_DEBIT, input, 400, "BAD_REQUEST");

  snprintf(input, sizeof input, "{\"grantId\":\"%s\"}", grant_id);
  bal = call_ok(client, GRANTEX_OP_BUDGETS_BALANCE, input);
  check_str(bal, "remainingBudget", "7.0000");
  snprintf(input, sizeof input, "{\"grantId\":\"%s\",\"pageSize\":1}", grant_id);
  txs = call_ok(client, GRANTEX_OP_BUDGETS_TRANSACTIONS, input);
  if (txs) {
    CHECK_OK(grantex_response_int(txs, "total", &n));
    CHECK(n == 2);
    check_str(txs, "/transactions/0/amount", "2.9000");
  }

  /* A refreshed token carries what is left, and the C verifier reads it. */
  snprintf(input, sizeof input, "{\"refreshToken\":\"%s\",\"agentId\":\"%s\"}", refresh, agent_id);
  refreshed = call_ok(client, GRANTEX_OP_TOKENS_REFRESH, input);
  if (refreshed) {
    token = dup_str(refreshed, "grantToken");
    snprintf(jwks, sizeof jwks, "%s/.well-known/jwks.json", base_url);
    if (CHECK_OK(grantex_verify_grant_token(token, jwks, NULL, &grant))) {
      CHECK_OK(grantex_verified_grant_budget(grant, &budget));
      CHECK(budget == 7.0);
    }
  }

  usage = call_ok(client, GRANTEX_OP_USAGE_CURRENT, NULL);
  if (usage) {
    CHECK_OK(grantex_response_int(usage, "authorizations", &n));
    CHECK(n == 1);
    CHECK_OK(grantex_response_int(usage, "tokenExchanges", &n));
    CHECK(n == 1);
  }
  call_fails(client, GRANTEX_OP_USAGE_HISTORY, "{\"days\":500}", 400, "BAD_REQUEST");

done:
  grantex_verified_grant_free(grant);
  grantex_response_free(signup);
  grantex_response_free(agent);
  grantex_response_free(auth);
  grantex_response_free(approval);
  grantex_response_free(tok);
  grantex_response_free(alloc);
  grantex_response_free(d1);
  grantex_response_free(d2);
  grantex_response_free(again);
  grantex_response_free(bal);
  grantex_response_free(txs);
  grantex_response_free(refreshed);
  grantex_response_free(usage);
  grantex_client_free(client);
  free(key);
  free(agent_id);
  free(req_id);
  free(code);
  free(grant_id);
  free(refresh);
  free(token);
  free(tx_id);
  free(tx_again);
}

/* The vault through the generic call (issue 16 item 1): store, list (no secret), the exchange
 * authenticated by the grant token in the `grantToken` member (GRANTEX_OP_VAULT_EXCHANGE), a
 * token without the scope refused 403, delete. */
void test_vault_flow(const char *base_url) {
  grantex_client *client = NULL;
  grantex_response *signup = NULL, *agent = NULL, *auth = NULL, *approval = NULL, *tok = NULL;
  grantex_response *stored = NULL, *list = NULL, *got = NULL;
  char *key = NULL, *agent_id = NULL, *req_id = NULL, *code = NULL, *token = NULL, *cred = NULL;
  char input[4096];
  char *out = NULL;
  size_t n = 0;
  const char *absent = NULL;

  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C vault\",\"mode\":\"live\"}", &out)))
    return;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  out = NULL;
  if (!signup) goto done;
  key = dup_str(signup, "apiKey");
  if (!CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &client))) goto done;

  stored = call_ok(client, GRANTEX_OP_VAULT_STORE,
                   "{\"principalId\":\"alice\",\"service\":\"github\",\"accessToken\":\"gho_c_secret\"}");
  if (!stored) goto done;
  cred = dup_str(stored, "id");
  list = call_ok(client, GRANTEX_OP_VAULT_LIST, "{\"principalId\":\"alice\"}");
  if (list) {
    CHECK_OK(grantex_response_len(list, "credentials", &n));
    CHECK(n == 1);
    CHECK_RC(grantex_response_string(list, "/credentials/0/accessToken", &absent), GRANTEX_NOT_FOUND);
  }

  agent = call_ok(client, GRANTEX_OP_AGENTS_REGISTER,
                  "{\"name\":\"c-vaulted\",\"scopes\":[\"vault:github:exchange\",\"read\"]}");
  if (!agent) goto done;
  agent_id = dup_str(agent, "agentId");
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"vault:github:exchange\"]}", agent_id);
  auth = call_ok(client, GRANTEX_OP_AUTHORIZE, input);
  if (!auth) goto done;
  req_id = dup_str(auth, "authRequestId");
  snprintf(input, sizeof input, "{\"authRequestId\":\"%s\"}", req_id);
  approval = call_ok(client, GRANTEX_OP_CONSENT_APPROVE, input);
  if (!approval) goto done;
  code = dup_str(approval, "code");
  snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
  tok = call_ok(client, GRANTEX_OP_TOKENS_EXCHANGE, input);
  if (!tok) goto done;
  token = dup_str(tok, "grantToken");

  snprintf(input, sizeof input, "{\"grantToken\":\"%s\",\"service\":\"github\"}", token);
  got = call_ok(client, GRANTEX_OP_VAULT_EXCHANGE, input);
  check_str(got, "accessToken", "gho_c_secret");
  /* The API key is not a grant token. */
  snprintf(input, sizeof input, "{\"grantToken\":\"%s\",\"service\":\"github\"}", key);
  {
    char *o = NULL;
    uint16_t status = 0;
    CHECK_RC(grantex_client_call(client, GRANTEX_OP_VAULT_EXCHANGE, input, &o), GRANTEX_AUTH);
    CHECK_OK(grantex_last_error_http_status(&status));
    CHECK(status == 401);
  }
  snprintf(input, sizeof input, "{\"credentialId\":\"%s\"}", cred);
  if (CHECK_OK(grantex_client_call(client, GRANTEX_OP_VAULT_DELETE, input, &out))) {
    grantex_string_free(out);
    out = NULL;
  }
  call_fails(client, GRANTEX_OP_VAULT_GET, input, 404, "NOT_FOUND");

done:
  grantex_response_free(signup);
  grantex_response_free(agent);
  grantex_response_free(auth);
  grantex_response_free(approval);
  grantex_response_free(tok);
  grantex_response_free(stored);
  grantex_response_free(list);
  grantex_response_free(got);
  grantex_client_free(client);
  free(key);
  free(agent_id);
  free(req_id);
  free(code);
  free(token);
  free(cred);
}
