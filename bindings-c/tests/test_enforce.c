/* Tool manifests and grantex_enforce(): the shared enforce vectors (flattened to
 * <vectors>.enforce by flatten_vectors.py), then a live enforcer against the server with online
 * revocation. Full results go to GRANTEX_C_ENFORCE_JSON for check_enforce_json.py. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

static char *unhex_or_empty(const char *hex) {
  size_t n = strlen(hex), i;
  char *out = malloc(n / 2 + 1);
  if (!out) abort();
  if (strcmp(hex, "-") == 0) {
    out[0] = '\0';
    return out;
  }
  for (i = 0; i + 1 < n; i += 2) {
    unsigned int byte = 0;
    if (sscanf(hex + i, "%2x", &byte) != 1) byte = '?';
    out[i / 2] = (char)byte;
  }
  out[n / 2] = '\0';
  return out;
}

/* Whether `json` has the member `"key":"value"` (serde writes no spaces). */
static int has_string(const char *json, const char *key, const char *value) {
  size_t n = strlen(key) + strlen(value) + 8;
  char *needle = malloc(n);
  int found;
  if (!needle) abort();
  snprintf(needle, n, "\"%s\":\"%s\"", key, value);
  found = strstr(json, needle) != NULL;
  free(needle);
  return found;
}

static void dump(const char *name, const char *json) {
  const char *path = getenv("GRANTEX_C_ENFORCE_JSON");
  FILE *f;
  const unsigned char *p;
  if (!path || !*path) return;
  f = fopen(path, "a");
  if (!f) return;
  fprintf(f, "%s ", name);
  for (p = (const unsigned char *)json; *p; p++) fprintf(f, "%02x", *p);
  fprintf(f, "\n");
  fclose(f);
}

#define MAX_MANIFESTS 16

int test_enforce_vectors(const char *vectors_path) {
  char path[4096];
  FILE *f;
  char *line = NULL;
  size_t cap = 0;
  char *manifests[MAX_MANIFESTS];
  int nmanifests = 0, cases = 0, i;
  grantex_client *client = NULL;

  snprintf(path, sizeof path, "%s.enforce", vectors_path);
  f = fopen(path, "r");
  if (!CHECK(f != NULL)) return 0;
  if (!CHECK_OK(grantex_client_new("gx_test_vectors", "http://127.0.0.1:9", 0, 0, &client))) {
    fclose(f);
    return 0;
  }
  while (getline(&line, &cap, f) > 0) {
    char kind[16], name[128], a[16384], b[16384], allowed[4], code[256], sub[256];
    line[strcspn(line, "\n")] = '\0';
    if (sscanf(line, "%15s", kind) != 1) continue;
    if (strcmp(kind, "emanifest") == 0 && nmanifests < MAX_MANIFESTS &&
        sscanf(line, "%*s %16383s", a) == 1) {
      manifests[nmanifests++] = unhex_or_empty(a);
    } else if (strcmp(kind, "ecase") == 0 &&
               sscanf(line, "%*s %127s %16383s %16383s %3s %255s %255s", name, a, b, allowed, code,
                      sub) == 6) {
      char *config = unhex_or_empty(a), *call = unhex_or_empty(b);
      char *want_code = unhex_or_empty(code), *want_sub = unhex_or_empty(sub);
      grantex_enforcer *e = NULL;
      char *result = NULL;
      cases++;
      if (CHECK_OK(grantex_enforcer_new(client, config, &e))) {
        for (i = 0; i < nmanifests; i++) CHECK_OK(grantex_enforcer_load_manifest(e, manifests[i]));
        if (CHECK_OK(grantex_enforce(e, call, &result))) {
          int ok = strstr(result, allowed[0] == '1' ? "\"allowed\":true" : "\"allowed\":false") != NULL &&
                   has_string(result, "reasonCode", want_code) &&
                   has_string(result, "subReason", want_sub);
          if (!CHECK(ok)) fprintf(stderr, "  enforce vector %s: %s\n", name, result);
          dump(name, result);
          grantex_string_free(result);
        }
        grantex_enforcer_free(e);
      }
      free(config);
      free(call);
      free(want_code);
      free(want_sub);
    } else if (strcmp(kind, "mcase") == 0 && sscanf(line, "%*s %127s %16383s %16383s", name, a, b) == 3) {
      char *text = unhex_or_empty(a), *want = unhex_or_empty(b), *normal = NULL;
      grantex_result rc = grantex_manifest_normalize(text, &normal);
      cases++;
      if (strcmp(want, "valid") == 0) {
        if (!CHECK_OK(rc)) fprintf(stderr, "  manifest vector %s\n", name);
      } else if (CHECK_RC(rc, GRANTEX_MANIFEST_INVALID)) {
        if (!CHECK(strstr(last_message(), want) != NULL))
          fprintf(stderr, "  manifest vector %s: %s\n", name, last_message());
      }
      grantex_string_free(normal);
      free(text);
      free(want);
    }
  }
  free(line);
  fclose(f);
  for (i = 0; i < nmanifests; i++) free(manifests[i]);
  CHECK(cases >= 60);

  /* Bad input: typed errors, never a crash. */
  {
    grantex_enforcer *e = NULL;
    char *out = NULL;
    CHECK_RC(grantex_enforcer_new(client, "{\"enforceMode\":\"lenient\"}", &e), GRANTEX_CONFIG);
    CHECK_RC(grantex_enforcer_new(client, "{\"nope\":1}", &e), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_enforcer_new(client, "not json", &e), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_enforcer_new(NULL, NULL, &e), GRANTEX_INVALID_ARGUMENT);
    if (CHECK_OK(grantex_enforcer_new(client, NULL, &e))) {
      CHECK_RC(grantex_enforcer_load_manifest(e, "{\"connector\":\"x\"}"), GRANTEX_MANIFEST_INVALID);
      CHECK_RC(grantex_enforcer_load_prebuilt(e, "nope"), GRANTEX_NOT_FOUND);
      CHECK_OK(grantex_enforcer_load_prebuilt(e, "crm"));
      CHECK_RC(grantex_enforce(e, NULL, &out), GRANTEX_INVALID_ARGUMENT);
      CHECK_RC(grantex_enforce(e, "[1]", &out), GRANTEX_INVALID_ARGUMENT);
      if (CHECK_OK(grantex_enforce(e, "{\"grantToken\":\"a.b.c\",\"connector\":\"crm\",\"tool\":\"get_contact\"}", &out))) {
        CHECK(has_string(out, "reasonCode", "token_invalid"));
        grantex_string_free(out);
      }
      grantex_enforcer_free(e);
    }
    grantex_enforcer_free(NULL);
    if (CHECK_OK(grantex_prebuilt_manifest_names(&out))) {
      CHECK(strstr(out, "\"payments\"") != NULL);
      grantex_string_free(out);
    }
    CHECK_STR(grantex_result_name(GRANTEX_MANIFEST_INVALID), "manifest_invalid");
  }
  grantex_client_free(client);
  return cases;
}

/* The generic call, returning a response handle over its JSON. */
static grantex_response *call(grantex_client *c, const char *op, const char *json) {
  char *out = NULL;
  grantex_response *r = NULL;
  if (!CHECK_OK(grantex_client_call(c, op, json, &out))) return NULL;
  CHECK_OK(grantex_response_from_json(out, &r));
  grantex_string_free(out);
  return r;
}

static char *str(const grantex_response *r, const char *path) {
  const char *s = NULL;
  char *copy;
  if (!r || !CHECK_OK(grantex_response_string(r, path, &s)) || !s) s = "";
  copy = strdup(s);
  if (!copy) abort();
  return copy;
}

void test_enforce_flow(const char *base_url, const char *api_key) {
  grantex_client *c = NULL;
  grantex_enforcer *online = NULL;
  grantex_response *agent, *auth, *approval, *tok;
  grantex_enforcer *fed = NULL;
  char json[16384], *agent_id, *request_id, *code, *token, *out = NULL;

  if (!CHECK_OK(grantex_client_new(api_key, base_url, 0, 0, &c))) return;
  agent = call(c, "agents.register", "{\"name\":\"c enforce\",\"scopes\":[\"tool:crm:write\"]}");
  agent_id = str(agent, "agentId");
  snprintf(json, sizeof json, "{\"agentId\":\"%s\",\"principalId\":\"c_enforce\",\"scopes\":[\"tool:crm:write\"]}", agent_id);
  auth = call(c, "authorize", json);
  request_id = str(auth, "authRequestId");
  snprintf(json, sizeof json, "{\"authRequestId\":\"%s\"}", request_id);
  approval = call(c, "consent.approve", json);
  code = str(approval, "code");
  snprintf(json, sizeof json, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
  tok = call(c, "tokens.exchange", json);
  token = str(tok, "grantToken");

  if (CHECK_OK(grantex_enforcer_new(c, "{\"revocationCheck\":\"online\"}", &online))) {
    CHECK_OK(grantex_enforcer_load_prebuilt(online, "crm"));
    CHECK_OK(grantex_enforcer_feed_state(online, &out));
    CHECK_STR(out, "null");
    grantex_string_free(out);
    /* A feed enforcer: the first call waits for the snapshot. */
    if (CHECK_OK(grantex_enforcer_new(c, "{\"revocationCheck\":\"feed\",\"revocationFeedStaleAfter\":2}", &fed))) {
      CHECK_OK(grantex_enforcer_load_prebuilt(fed, "crm"));
      snprintf(json, sizeof json, "{\"grantToken\":\"%s\",\"connector\":\"crm\",\"tool\":\"get_contact\"}", token);
      if (CHECK_OK(grantex_enforce(fed, json, &out))) {
        CHECK(strstr(out, "\"allowed\":true") != NULL);
        grantex_string_free(out);
      }
      if (CHECK_OK(grantex_enforcer_feed_state(fed, &out))) {
        CHECK(strstr(out, "\"synced\":true") != NULL);
        CHECK(strstr(out, "\"fresh\":true") != NULL);
        grantex_string_free(out);
      }
    }
    snprintf(json, sizeof json, "{\"grantToken\":\"%s\",\"connector\":\"crm\",\"tool\":\"create_contact\"}", token);
    if (CHECK_OK(grantex_enforce(online, json, &out))) {
      CHECK(strstr(out, "\"allowed\":true") != NULL);
      CHECK(has_string(out, "principalId", "c_enforce"));
      grantex_string_free(out);
    }
    snprintf(json, sizeof json, "{\"grantToken\":\"%s\",\"connector\":\"crm\",\"tool\":\"delete_contact\"}", token);
    if (CHECK_OK(grantex_enforce(online, json, &out))) {
      CHECK(has_string(out, "reasonCode", "permission_insufficient"));
      grantex_string_free(out);
    }
    /* Revoked: the next call is refused. */
    {
      grantex_response *info = NULL;
      char *grant_id;
      CHECK_OK(grantex_get_token_info(token, &out));
      CHECK_OK(grantex_response_from_json(out, &info));
      grantex_string_free(out);
      grant_id = str(info, "grantId");
      CHECK_OK(grantex_grants_revoke(c, grant_id));
      free(grant_id);
      grantex_response_free(info);
    }
    snprintf(json, sizeof json, "{\"grantToken\":\"%s\",\"connector\":\"crm\",\"tool\":\"create_contact\"}", token);
    if (CHECK_OK(grantex_enforce(online, json, &out))) {
      CHECK(has_string(out, "reasonCode", "grant_revoked"));
      CHECK(has_string(out, "subReason", "revoked"));
      grantex_string_free(out);
    }
    /* The feed enforcer learns it within seconds. */
    if (fed) {
      int seen = 0, i;
      for (i = 0; i < 100 && !seen; i++) {
        if (!CHECK_OK(grantex_enforce(fed, json, &out))) break;
        seen = has_string(out, "subReason", "revoked");
        grantex_string_free(out);
        if (!seen) {
          struct timespec pause = {0, 100000000L};
          nanosleep(&pause, NULL);
        }
      }
      CHECK(seen);
      grantex_enforcer_free(fed);
    }
    grantex_enforcer_free(online);
  }
  free(agent_id);
  free(request_id);
  free(code);
  free(token);
  grantex_response_free(agent);
  grantex_response_free(auth);
  grantex_response_free(approval);
  grantex_response_free(tok);
  grantex_client_free(c);
}
