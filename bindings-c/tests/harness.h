/* Tiny test harness shared by the libgrantex C tests: CHECK macros that count and report,
 * plus helpers for reading the last error. */
#ifndef GRANTEX_TEST_HARNESS_H
#define GRANTEX_TEST_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "grantex.h"

extern int tests_passed;
extern int tests_failed;

/* Records one check; prints failures with their location. Returns `ok`. */
int check_impl(int ok, const char *file, int line, const char *what);

#define CHECK(cond) check_impl((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

/* Expects `expr` to return `want` (a grantex_result); on mismatch prints both names and the
 * last-error message. Evaluates to 1 when it matched. */
int check_rc_impl(grantex_result got, grantex_result want, const char *file, int line,
                  const char *what);
#define CHECK_RC(expr, want) check_rc_impl((expr), (want), __FILE__, __LINE__, #expr)
#define CHECK_OK(expr) CHECK_RC((expr), GRANTEX_OK)

/* Compares two C strings (NULL-safe). */
int check_str_impl(const char *got, const char *want, const char *file, int line,
                   const char *what);
#define CHECK_STR(got, want) check_str_impl((got), (want), __FILE__, __LINE__, #got)

/* Appends `label` and grantex_verified_grant_json(grant) (hex) as one line to the file named by
 * GRANTEX_C_GRANT_JSON, when set: check_grant_json.py compares them with the shared vectors and
 * the reference SDKs' VerifiedGrant members. */
void dump_grant_json(const char *label, const grantex_verified_grant *grant);

/* The last error message of this thread ("" when none), in a static per-call buffer. */
const char *last_message(void);

/* Test groups (each in its own file). */
void test_errors(void);
void test_misc(void);
void test_threads(const char *vectors_path);
int test_vectors(const char *vectors_path);
void test_flow(const char *base_url, const char *api_key, const char *sandbox_key,
               const char *vectors_path);
void test_a2a_offline(const char *vectors_path);
void test_a2a_flow(const char *base_url, const char *api_key, const char *agent_url);
void test_call_offline(void);
void test_call_flow(const char *base_url);
void test_jwks_resilience(const char *vectors_path);
int test_enforce_vectors(const char *vectors_path);
void test_enforce_flow(const char *base_url, const char *api_key);
void test_policies_flow(const char *base_url);
void test_webhooks_flow(const char *base_url, const char *api_key);
void test_compliance_flow(const char *base_url);
void test_budgets_flow(const char *base_url);
void test_vault_flow(const char *base_url);
void test_events_flow(const char *base_url);
void test_mcp_flow(const char *base_url);
void test_identity_flow(const char *base_url);

/* tests/calls.c: the generic call, checked. `call_ok` returns the parsed answer (NULL after a
 * recorded failure); `call_fails` expects GRANTEX_API with this status and API code; `dup_str`
 * copies a string field ("" when absent; free it); `check_str` compares one. */
grantex_response *call_ok(const grantex_client *c, const char *op, const char *json);
void call_fails(const grantex_client *c, const char *op, const char *json, uint16_t status,
                const char *code);
char *dup_str(const grantex_response *r, const char *path);
void check_str(const grantex_response *r, const char *path, const char *want);

/* Reads the first token and the default key set from the flattened vectors (for tests that
 * need one valid token). Returns 0 on success; strings are malloc'ed. */
int vectors_first_valid(const char *path, char **token, char **jwks, char **issuer,
                        long long *now);

#endif
