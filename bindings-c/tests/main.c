/* libgrantex C test runner.
 *
 * Usage: grantex_tests <flattened vectors file>
 * Env:   GRANTEX_BASE_URL, GRANTEX_API_KEY, GRANTEX_SANDBOX_API_KEY: a running grantex-server
 *        (the flow tests are skipped, and counted as a failure, when unset unless
 *        GRANTEX_C_TESTS_OFFLINE=1); GRANTEX_A2A_AGENT_URL: a grantex-a2a-agent trusting that
 *        server (see run-tests.sh; its client tests count as a failure when unset).
 * Ends with the line "N passed, N failed" and exits non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

int tests_passed = 0;
int tests_failed = 0;

int check_impl(int ok, const char *file, int line, const char *what) {
  if (ok) {
    tests_passed++;
  } else {
    tests_failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
  }
  return ok;
}

const char *last_message(void) {
  static char buf[1024];
  buf[0] = '\0';
  if (grantex_last_error_message(buf, sizeof buf, NULL) == GRANTEX_NOT_FOUND) buf[0] = '\0';
  return buf;
}

int check_rc_impl(grantex_result got, grantex_result want, const char *file, int line,
                  const char *what) {
  if (got == want) {
    tests_passed++;
    return 1;
  }
  tests_failed++;
  fprintf(stderr, "FAIL %s:%d: %s returned %s (%u), want %s (%u): %s\n", file, line, what,
          grantex_result_name(got), (unsigned)got, grantex_result_name(want), (unsigned)want,
          last_message());
  return 0;
}

int check_str_impl(const char *got, const char *want, const char *file, int line,
                   const char *what) {
  int ok = got != NULL && want != NULL ? strcmp(got, want) == 0 : got == want;
  if (ok) {
    tests_passed++;
    return 1;
  }
  tests_failed++;
  fprintf(stderr, "FAIL %s:%d: %s is \"%s\", want \"%s\"\n", file, line, what,
          got ? got : "(null)", want ? want : "(null)");
  return 0;
}

void dump_grant_json(const char *label, const grantex_verified_grant *grant) {
  const char *path = getenv("GRANTEX_C_GRANT_JSON");
  char *json = NULL;
  FILE *f;
  size_t i;
  if (!path || !*path) return;
  if (!CHECK_OK(grantex_verified_grant_json(grant, &json))) return;
  f = fopen(path, "a");
  if (CHECK(f != NULL)) {
    fprintf(f, "%s ", label);
    for (i = 0; json[i]; i++) fprintf(f, "%02x", (unsigned)(unsigned char)json[i]);
    fputc('\n', f);
    fclose(f);
  }
  grantex_string_free(json);
}

int main(int argc, char **argv) {
  const char *vectors = argc > 1 ? argv[1] : NULL;
  const char *base_url = getenv("GRANTEX_BASE_URL");
  const char *api_key = getenv("GRANTEX_API_KEY");
  const char *sandbox_key = getenv("GRANTEX_SANDBOX_API_KEY");
  const char *offline = getenv("GRANTEX_C_TESTS_OFFLINE");

  printf("%s\n", grantex_version());
  test_errors();
  printf("errors: %d passed, %d failed so far\n", tests_passed, tests_failed);
  test_misc();
  printf("misc: %d passed, %d failed so far\n", tests_passed, tests_failed);
  test_call_offline();
  printf("generic call (offline): %d passed, %d failed so far\n", tests_passed, tests_failed);
  test_a2a_offline(vectors);
  printf("a2a (offline): %d passed, %d failed so far\n", tests_passed, tests_failed);
  if (vectors == NULL) {
    fprintf(stderr, "FAIL: no vectors file given\n");
    tests_failed++;
  } else {
    int cases = test_vectors(vectors);
    printf("vectors: %d cases; %d passed, %d failed so far\n", cases, tests_passed, tests_failed);
    test_threads(vectors);
    printf("threads: %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_jwks_resilience(vectors);
    printf("jwks resilience: %d passed, %d failed so far\n", tests_passed, tests_failed);
    cases = test_enforce_vectors(vectors);
    printf("enforce vectors: %d cases; %d passed, %d failed so far\n", cases, tests_passed, tests_failed);
  }
  if (base_url && api_key && sandbox_key) {
    test_flow(base_url, api_key, sandbox_key, vectors);
    printf("flow: %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_call_flow(base_url);
    printf("generic call (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_enforce_flow(base_url, api_key);
    printf("enforce (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_policies_flow(base_url);
    printf("policies (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_webhooks_flow(base_url, api_key);
    printf("webhooks (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_compliance_flow(base_url);
    printf("compliance (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_budgets_flow(base_url);
    printf("budgets and usage (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_vault_flow(base_url);
    printf("vault (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_events_flow(base_url);
    printf("event stream (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_mcp_flow(base_url);
    printf("mcp (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_identity_flow(base_url);
    printf("identity: scim and sso (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
    test_a2a_flow(base_url, api_key, getenv("GRANTEX_A2A_AGENT_URL"));
    printf("a2a (server): %d passed, %d failed so far\n", tests_passed, tests_failed);
  } else if (!(offline && strcmp(offline, "1") == 0)) {
    fprintf(stderr, "FAIL: GRANTEX_BASE_URL / GRANTEX_API_KEY / GRANTEX_SANDBOX_API_KEY unset\n");
    tests_failed++;
  }

  grantex_last_error_clear();
  grantex_shutdown();
  printf("%d passed, %d failed\n", tests_passed, tests_failed);
  return tests_failed == 0 ? 0 : 1;
}
