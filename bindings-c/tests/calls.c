/* The generic-call helpers the server tests share: call and parse, expect a refusal, copy a
 * string field out of a response, compare one. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

grantex_response *call_ok(const grantex_client *c, const char *op, const char *json) {
  char *out = NULL;
  grantex_response *r = NULL;
  if (!CHECK_OK(grantex_client_call(c, op, json, &out))) return NULL;
  CHECK_OK(grantex_response_from_json(out, &r));
  grantex_string_free(out);
  return r;
}

void call_fails(const grantex_client *c, const char *op, const char *json, uint16_t status,
                       const char *code) {
  char *out = NULL;
  uint16_t got = 0;
  char buf[64];
  size_t n = 0;
  CHECK_RC(grantex_client_call(c, op, json, &out), GRANTEX_API);
  CHECK(out == NULL);
  CHECK_OK(grantex_last_error_http_status(&got));
  CHECK(got == status);
  if (CHECK_OK(grantex_last_error_api_code(buf, sizeof buf, &n))) CHECK_STR(buf, code);
}

char *dup_str(const grantex_response *r, const char *path) {
  const char *s = NULL;
  char *copy;
  if (!CHECK_OK(grantex_response_string(r, path, &s)) || !s) s = "";
  copy = strdup(s);
  if (!copy) abort();
  return copy;
}

void check_str(const grantex_response *r, const char *path, const char *want) {
  char *got;
  if (!r) return;
  got = dup_str(r, path);
  CHECK_STR(got, want);
  free(got);
}
