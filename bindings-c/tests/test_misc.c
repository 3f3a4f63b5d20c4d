/* Version, webhooks, PKCE, offline audit-chain verification, and threads sharing handles. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

static void test_version(void) {
  const char *v = grantex_version();
  CHECK(v != NULL && strncmp(v, "grantex-c/", 10) == 0);
  CHECK(strstr(v, " grantex/") != NULL);
  CHECK(grantex_version() == v); /* static, stable */
}

static void test_webhooks(void) {
  const char *body = "{\"type\":\"grant.revoked\",\"grantId\":\"grnt_1\"}";
  const uint8_t *payload = (const uint8_t *)body;
  size_t len = strlen(body);
  char *sig = NULL;
  bool valid = false;
  char tampered[128];

  CHECK_OK(grantex_webhook_sign(payload, len, "whsec_test", 1767225600, &sig));
  CHECK(sig != NULL && strncmp(sig, "sha256=", 7) == 0 && strlen(sig) == 7 + 64);
  CHECK_OK(grantex_webhook_verify_at(payload, len, sig, "1767225600", "whsec_test", 300,
                                     1767225600 + 299, &valid));
  CHECK(valid);
  /* Outside the window, in either direction. */
  CHECK_OK(grantex_webhook_verify_at(payload, len, sig, "1767225600", "whsec_test", 300,
                                     1767225600 + 301, &valid));
  CHECK(!valid);
  CHECK_OK(grantex_webhook_verify_at(payload, len, sig, "1767225600", "whsec_test", 300,
                                     1767225600 - 301, &valid));
  CHECK(!valid);
  /* Against the system clock: a fresh timestamp passes, a stale one does not. */
  {
    char ts[32];
    char *fresh = NULL;
    long long now = (long long)time(NULL);
    snprintf(ts, sizeof ts, "%lld", now);
    CHECK_OK(grantex_webhook_sign(payload, len, "whsec_test", (uint64_t)now, &fresh));
    CHECK_OK(grantex_webhook_verify(payload, len, fresh, ts, "whsec_test",
                                    GRANTEX_WEBHOOK_DEFAULT_TOLERANCE_SECS, &valid));
    CHECK(valid);
    grantex_string_free(fresh);
    CHECK_OK(grantex_webhook_verify(payload, len, sig, "1767225600", "whsec_test", 1, &valid));
    CHECK(!valid);
  }
  /* Wrong secret, altered body, altered signature, malformed headers: false, not an error. */
  CHECK_OK(grantex_webhook_verify_at(payload, len, sig, "1767225600", "other", 300, 1767225600,
                                     &valid));
  CHECK(!valid);
  CHECK_OK(grantex_webhook_verify_at(payload, len - 1, sig, "1767225600", "whsec_test", 300,
                                     1767225600, &valid));
  CHECK(!valid);
  snprintf(tampered, sizeof tampered, "%s", sig);
  tampered[10] = tampered[10] == 'a' ? 'b' : 'a';
  CHECK_OK(grantex_webhook_verify_at(payload, len, tampered, "1767225600", "whsec_test", 300,
                                     1767225600, &valid));
  CHECK(!valid);
  CHECK_OK(grantex_webhook_verify_at(payload, len, "garbage", "1767225600", "whsec_test", 300,
                                     1767225600, &valid));
  CHECK(!valid);
  CHECK_OK(grantex_webhook_verify_at(payload, len, sig, "-5", "whsec_test", 300, 1767225600,
                                     &valid));
  CHECK(!valid);
  grantex_string_free(sig);
  sig = NULL;

  /* The legacy V1 check is a MAC of the body alone; an empty body is allowed as NULL + 0. */
  CHECK_OK(grantex_webhook_verify_signature_v1(NULL, 0, "sha256=00", "s", &valid));
  CHECK(!valid);
}

static void test_pkce(void) {
  char *verifier = NULL, *challenge = NULL, *again = NULL, *v2 = NULL, *c2 = NULL;
  CHECK_OK(grantex_pkce_generate(&verifier, &challenge));
  CHECK(verifier && strlen(verifier) == 43);
  CHECK(challenge && strlen(challenge) == 43);
  CHECK_OK(grantex_pkce_challenge(verifier, &again));
  CHECK_STR(again, challenge);
  CHECK_OK(grantex_pkce_generate(&v2, &c2));
  CHECK(strcmp(v2, verifier) != 0);
  grantex_string_free(again);
  again = NULL;
  /* RFC 7636 appendix B. */
  CHECK_OK(grantex_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", &again));
  CHECK_STR(again, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  CHECK_RC(grantex_pkce_generate(&v2, NULL), GRANTEX_INVALID_ARGUMENT);
  grantex_string_free(again);
  grantex_string_free(verifier);
  grantex_string_free(challenge);
  grantex_string_free(v2);
  grantex_string_free(c2);
}

/* Builds one audit entry as JSON, filling in the hash the server would compute. */
static char *entry_json(const char *id, const char *action, const char *prev_hash) {
  char draft[1024], prev[96];
  char *hash = NULL, *out;
  if (prev_hash)
    snprintf(prev, sizeof prev, "\"%s\"", prev_hash);
  else
    snprintf(prev, sizeof prev, "null");
  snprintf(draft, sizeof draft,
           "{\"entryId\":\"%s\",\"agentId\":\"ag_1\",\"agentDid\":\"did:grantex:ag_1\","
           "\"grantId\":\"grnt_1\",\"principalId\":\"usr_1\",\"developerId\":\"dev_1\","
           "\"action\":\"%s\",\"metadata\":{\"b\":2,\"a\":[1,\"x\"]},\"hash\":\"\","
           "\"prevHash\":%s,\"timestamp\":\"2026-01-01T00:00:00.000Z\",\"status\":\"success\"}",
           id, action, prev);
  if (grantex_audit_compute_hash(draft, &hash) != GRANTEX_OK) return NULL;
  out = malloc(strlen(draft) + 80);
  if (!out) abort();
  {
    /* Put the hash into the empty "hash" member. */
    const char *at = strstr(draft, "\"hash\":\"\"");
    size_t head = (size_t)(at - draft) + 8;
    memcpy(out, draft, head);
    strcpy(out + head, hash);
    strcat(out, draft + head);
  }
  grantex_string_free(hash);
  return out;
}

static void test_audit_chain(void) {
  char *e1 = entry_json("aud_1", "calendar.read", NULL);
  char *h1 = NULL;
  char *e2, *e3, *chain, *tampered;
  const char *s = NULL;
  grantex_response *report = NULL;
  bool valid = true;
  int64_t checked = 0;
  size_t n;

  if (!CHECK(e1 != NULL)) return;
  CHECK_OK(grantex_audit_compute_hash(e1, &h1));
  CHECK(h1 && strlen(h1) == 64);
  e2 = entry_json("aud_2", "email.send", h1);
  {
    char *h2 = NULL;
    CHECK_OK(grantex_audit_compute_hash(e2, &h2));
    e3 = entry_json("aud_3", "files.read", h2);
    grantex_string_free(h2);
  }
  n = strlen(e1) + strlen(e2) + strlen(e3) + 64;
  chain = malloc(n);
  tampered = malloc(n);
  if (!chain || !tampered) abort();
  snprintf(chain, n, "{\"entries\":[%s,%s,%s]}", e1, e2, e3);

  CHECK_OK(grantex_audit_verify_chain(chain, &report));
  CHECK_OK(grantex_response_bool(report, "valid", &valid));
  CHECK(valid);
  CHECK_OK(grantex_response_int(report, "checkedEntries", &checked));
  CHECK(checked == 3);
  grantex_response_free(report);
  report = NULL;

  /* Altered content of the second entry. */
  snprintf(tampered, n, "%s", chain);
  memcpy(strstr(tampered, "email.send"), "email.SEND", 10);
  CHECK_OK(grantex_audit_verify_chain(tampered, &report));
  CHECK_OK(grantex_response_bool(report, "valid", &valid));
  CHECK(!valid);
  CHECK_OK(grantex_response_string(report, "firstBrokenAt", &s));
  CHECK_STR(s, "aud_2");
  CHECK_OK(grantex_response_string(report, "reason", &s));
  CHECK_STR(s, "content");
  grantex_response_free(report);
  report = NULL;

  /* A removed entry breaks the link (a bare array works too). */
  snprintf(tampered, n, "[%s,%s]", e1, e3);
  CHECK_OK(grantex_audit_verify_chain(tampered, &report));
  CHECK_OK(grantex_response_string(report, "reason", &s));
  CHECK_STR(s, "link");
  CHECK_OK(grantex_response_string(report, "/firstBrokenAt", &s));
  CHECK_STR(s, "aud_3");
  grantex_response_free(report);
  report = NULL;

  CHECK_RC(grantex_audit_verify_chain("{\"items\":[]}", &report), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_audit_verify_chain("[{\"entryId\":1}]", &report), GRANTEX_INVALID_ARGUMENT);
  CHECK(report == NULL);

  free(e1);
  free(e2);
  free(e3);
  free(chain);
  free(tampered);
  grantex_string_free(h1);
}

void test_misc(void) {
  test_version();
  test_webhooks();
  test_pkce();
  test_audit_chain();
}

/* ---- threads: one verifier and one options object shared; last errors stay per thread. */

struct thread_arg {
  const grantex_verifier *verifier;
  const grantex_verify_options *opts;
  const char *token;
  int ok;
};

static void *verify_many(void *p) {
  struct thread_arg *arg = p;
  int i;
  arg->ok = 1;
  for (i = 0; i < 25; i++) {
    grantex_verified_grant *grant = NULL;
    const char *principal = NULL;
    if (grantex_verify(arg->verifier, arg->token, arg->opts, &grant) != GRANTEX_OK ||
        grantex_verified_grant_principal_id(grant, &principal) != GRANTEX_OK || !principal) {
      arg->ok = 0;
    }
    grantex_verified_grant_free(grant);
    /* A failure on this thread ... */
    grant = NULL;
    if (grantex_verify(arg->verifier, "x.y", arg->opts, &grant) != GRANTEX_TOKEN_MALFORMED)
      arg->ok = 0;
    /* ... is visible here and nowhere else. */
    if (grantex_last_error_code() != GRANTEX_TOKEN_MALFORMED) arg->ok = 0;
  }
  return NULL;
}

void test_threads(const char *vectors_path) {
  char *token = NULL, *jwks = NULL, *issuer = NULL;
  long long now = 0;
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  pthread_t threads[4];
  struct thread_arg args[4];
  int i;

  if (!CHECK(vectors_first_valid(vectors_path, &token, &jwks, &issuer, &now) == 0)) return;
  CHECK_OK(grantex_verifier_new_from_json(jwks, &verifier));
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_OK(grantex_verify_options_set_issuer(opts, issuer));
  CHECK_OK(grantex_verify_options_set_now(opts, now));
  grantex_last_error_clear();
  for (i = 0; i < 4; i++) {
    args[i].verifier = verifier;
    args[i].opts = opts;
    args[i].token = token;
    args[i].ok = 0;
    CHECK(pthread_create(&threads[i], NULL, verify_many, &args[i]) == 0);
  }
  for (i = 0; i < 4; i++) {
    pthread_join(threads[i], NULL);
    CHECK(args[i].ok);
  }
  CHECK_RC(grantex_last_error_code(), GRANTEX_OK); /* the threads' failures stayed theirs */
  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);
  free(token);
  free(jwks);
  free(issuer);
}
