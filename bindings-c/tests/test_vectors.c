/* The shared vectors through grantex_verify: every token case (outcome, error code string and,
 * for valid tokens, every claim accessor), every key-set case and every issuer-derivation case,
 * read from the line format written by flatten_vectors.py. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

#define MAX_SETS 16
#define MAX_LIST 16

struct named_set {
  char *name;
  char *json;
};

struct token_case {
  char name[128];
  char *token;
  char expect[64];
  char jwks[64];
  char *issuer, *audience, *principal, *agent;
  char *refs[MAX_LIST], *ref_values[MAX_LIST]; /* reference options by name, JSON values */
  int nrefs;
  char *scopes[MAX_LIST];
  int nscopes;
  long long tolerance, depth; /* -1: absent */
  int allow_sandbox;
  /* expected claims (valid cases) */
  char *c_str[8]; /* tokenId grantId principalId agentDid developerId issuer parentAgentDid parentGrantId */
  long long c_iat, c_exp, c_depth;
  int has_budget;
  double budget;
  char *c_scopes[MAX_LIST];
  int c_nscopes;
  char *c_aud[MAX_LIST];
  int c_naud;
};

static const char *CLAIM_KEYS[8] = {"tokenId",     "grantId", "principalId",    "agentDid",
                                    "developerId", "issuer",  "parentAgentDid", "parentGrantId"};

/* Hex-decodes `hex` into a new NUL-terminated string (NULL for "-"). */
static char *unhex(const char *hex) {
  size_t n = strlen(hex), i;
  char *out;
  if (strcmp(hex, "-") == 0) return NULL;
  out = malloc(n / 2 + 1);
  if (!out) abort();
  for (i = 0; i + 1 < n; i += 2) {
    unsigned int byte = 0;
    if (sscanf(hex + i, "%2x", &byte) != 1) byte = '?';
    out[i / 2] = (char)byte;
  }
  out[n / 2] = '\0';
  return out;
}

/* Splits "key value" in place; returns the value ("" when absent). */
static char *split(char *line) {
  char *sp;
  size_t n = strlen(line);
  if (n && line[n - 1] == '\n') line[n - 1] = '\0';
  sp = strchr(line, ' ');
  if (!sp) return line + strlen(line);
  *sp = '\0';
  return sp + 1;
}

static void reset_case(struct token_case *c) {
  int i;
  free(c->token);
  free(c->issuer);
  free(c->audience);
  free(c->principal);
  free(c->agent);
  for (i = 0; i < c->nscopes; i++) free(c->scopes[i]);
  for (i = 0; i < c->nrefs; i++) {
    free(c->refs[i]);
    free(c->ref_values[i]);
  }
  for (i = 0; i < 8; i++) free(c->c_str[i]);
  for (i = 0; i < c->c_nscopes; i++) free(c->c_scopes[i]);
  for (i = 0; i < c->c_naud; i++) free(c->c_aud[i]);
  memset(c, 0, sizeof *c);
  c->tolerance = -1;
  c->depth = -1;
}

/* A rejection message must not echo the token or any 16+ character segment of it. */
static int leaks_token(const char *message, const char *token) {
  char seg[20000];
  const char *p = token;
  if (strlen(token) < 16) return 0;
  if (strstr(message, token)) return 1;
  while (*p) {
    size_t n = strcspn(p, ".");
    if (n >= 16 && n < sizeof seg) {
      memcpy(seg, p, n);
      seg[n] = '\0';
      if (strstr(message, seg)) return 1;
    }
    p += n;
    if (*p) p++;
  }
  return 0;
}

static const char *set_json(struct named_set *sets, int nsets, const char *name) {
  int i;
  for (i = 0; i < nsets; i++)
    if (strcmp(sets[i].name, name) == 0) return sets[i].json;
  return NULL;
}

static void check_claims(const struct token_case *c, const grantex_verified_grant *g) {
  typedef grantex_result (*str_getter)(const grantex_verified_grant *, const char **);
  static const str_getter getters[6] = {
      grantex_verified_grant_token_id,  grantex_verified_grant_grant_id,
      grantex_verified_grant_principal_id, grantex_verified_grant_agent_did,
      grantex_verified_grant_developer_id, grantex_verified_grant_issuer};
  const char *s = NULL;
  int64_t i64 = 0;
  uint32_t u32 = 0;
  size_t n = 0;
  double budget = 0;
  int i;
  int ok = 1;

  for (i = 0; i < 6; i++) {
    s = NULL;
    ok &= getters[i](g, &s) == GRANTEX_OK && s && c->c_str[i] && strcmp(s, c->c_str[i]) == 0;
    if (!ok) fprintf(stderr, "  %s: claim %s differs\n", c->name, CLAIM_KEYS[i]);
  }
  s = NULL;
  if (c->c_str[6]) {
    ok &= grantex_verified_grant_parent_agent_did(g, &s) == GRANTEX_OK && strcmp(s, c->c_str[6]) == 0;
  } else {
    ok &= grantex_verified_grant_parent_agent_did(g, &s) == GRANTEX_NOT_FOUND && s == NULL;
  }
  if (c->c_str[7]) {
    ok &= grantex_verified_grant_parent_grant_id(g, &s) == GRANTEX_OK && strcmp(s, c->c_str[7]) == 0;
  } else {
    s = NULL;
    ok &= grantex_verified_grant_parent_grant_id(g, &s) == GRANTEX_NOT_FOUND && s == NULL;
  }
  ok &= grantex_verified_grant_issued_at(g, &i64) == GRANTEX_OK && i64 == c->c_iat;
  ok &= grantex_verified_grant_expires_at(g, &i64) == GRANTEX_OK && i64 == c->c_exp;
  ok &= grantex_verified_grant_delegation_depth(g, &u32) == GRANTEX_OK && u32 == c->c_depth;
  if (c->has_budget) {
    ok &= grantex_verified_grant_budget(g, &budget) == GRANTEX_OK && budget == c->budget;
  } else {
    ok &= grantex_verified_grant_budget(g, &budget) == GRANTEX_NOT_FOUND;
  }
  ok &= grantex_verified_grant_scopes_len(g, &n) == GRANTEX_OK && (int)n == c->c_nscopes;
  for (i = 0; ok && i < c->c_nscopes; i++) {
    bool has = false;
    ok &= grantex_verified_grant_scope(g, (size_t)i, &s) == GRANTEX_OK && strcmp(s, c->c_scopes[i]) == 0;
    ok &= grantex_verified_grant_has_scope(g, c->c_scopes[i], &has) == GRANTEX_OK && has;
  }
  ok &= grantex_verified_grant_scope(g, n, &s) == GRANTEX_INVALID_ARGUMENT;
  ok &= grantex_verified_grant_audience_len(g, &n) == GRANTEX_OK && (int)n == c->c_naud;
  for (i = 0; ok && i < c->c_naud; i++) {
    ok &= grantex_verified_grant_audience(g, (size_t)i, &s) == GRANTEX_OK && strcmp(s, c->c_aud[i]) == 0;
  }
  if (!ok) fprintf(stderr, "  %s: claims differ from the vector\n", c->name);
  CHECK(ok);
}

static void run_token_case(const struct token_case *c, struct named_set *sets, int nsets,
                           const char *file_issuer, long long now) {
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  grantex_verified_grant *grant = NULL;
  const char *jwks = set_json(sets, nsets, c->jwks);
  const char *got;
  grantex_result rc;
  int i;

  if (!jwks) {
    fprintf(stderr, "FAIL %s: key set %s missing\n", c->name, c->jwks);
    tests_failed++;
    return;
  }
  if (!CHECK_OK(grantex_verifier_new_from_json(jwks, &verifier))) return;
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_OK(grantex_verify_options_set_now(opts, now));
  CHECK_OK(grantex_verify_options_set_issuer(opts, c->issuer ? c->issuer : file_issuer));
  if (c->audience) CHECK_OK(grantex_verify_options_set_audience(opts, c->audience));
  for (i = 0; i < c->nscopes; i++) CHECK_OK(grantex_verify_options_add_required_scope(opts, c->scopes[i]));
  if (c->tolerance >= 0) CHECK_OK(grantex_verify_options_set_clock_tolerance(opts, (uint64_t)c->tolerance));
  if (c->depth >= 0) CHECK_OK(grantex_verify_options_set_max_delegation_depth(opts, c->depth));
  CHECK_OK(grantex_verify_options_set_allow_sandbox(opts, c->allow_sandbox));
  if (c->principal) CHECK_OK(grantex_verify_options_set_expected_principal_id(opts, c->principal));
  if (c->agent) CHECK_OK(grantex_verify_options_set_expected_agent_did(opts, c->agent));
  for (i = 0; i < c->nrefs; i++) {
    CHECK_OK(grantex_verify_options_set_reference_option(opts, c->refs[i], c->ref_values[i]));
  }

  rc = grantex_verify(verifier, c->token, opts, &grant);
  got = rc == GRANTEX_OK ? "valid" : grantex_result_name(rc);
  if (strcmp(got, c->expect) != 0) {
    fprintf(stderr, "FAIL vector %s: expected %s, got %s (%s)\n", c->name, c->expect, got,
            last_message());
    tests_failed++;
  } else {
    tests_passed++;
    if (rc == GRANTEX_OK) {
      CHECK(grant != NULL);
      check_claims(c, grant);
      dump_grant_json(c->name, grant);
    } else {
      CHECK(grant == NULL);
      CHECK(grantex_result_is_token_error(rc));
      if (leaks_token(last_message(), c->token)) {
        fprintf(stderr, "FAIL vector %s: the error message echoes the token\n", c->name);
        tests_failed++;
      }
    }
  }
  grantex_verified_grant_free(grant);
  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);
}

static void run_keyset_case(const char *name, const char *jwks, const char *expect,
                            const char *token, const char *texpect, const char *issuer,
                            long long now) {
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  grantex_verified_grant *grant = NULL;
  grantex_result rc = grantex_verifier_new_from_json(jwks, &verifier);
  const char *got = rc == GRANTEX_OK ? "ok" : grantex_result_name(rc);

  if (strcmp(got, expect) != 0) {
    fprintf(stderr, "FAIL key-set vector %s: expected %s, got %s (%s)\n", name, expect, got,
            last_message());
    tests_failed++;
    grantex_verifier_free(verifier);
    return;
  }
  tests_passed++;
  if (rc != GRANTEX_OK || token == NULL) {
    CHECK(verifier == NULL || rc == GRANTEX_OK);
    grantex_verifier_free(verifier);
    return;
  }
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_OK(grantex_verify_options_set_now(opts, now));
  CHECK_OK(grantex_verify_options_set_issuer(opts, issuer));
  rc = grantex_verify(verifier, token, opts, &grant);
  got = rc == GRANTEX_OK ? "valid" : grantex_result_name(rc);
  if (strcmp(got, texpect) != 0) {
    fprintf(stderr, "FAIL key-set vector %s: token expected %s, got %s (%s)\n", name, texpect,
            got, last_message());
    tests_failed++;
  } else {
    tests_passed++;
  }
  grantex_verified_grant_free(grant);
  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);
}

int test_vectors(const char *path) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  struct named_set sets[MAX_SETS];
  int nsets = 0, ncases = 0, nkeysets = 0, nissuers = 0, noptions = 0, in_token = 0, i;
  char *file_issuer = NULL;
  long long now = 0, know = 0;
  struct token_case c;
  /* key-set case state */
  char kname[128] = "", kexpect[64] = "", ktexpect[64] = "";
  char *kjwks = NULL, *ktoken = NULL, *kiss = NULL;
  char *vtoken = NULL; /* the plain valid token accepted verify options are tried on */

  memset(&c, 0, sizeof c);
  reset_case(&c);
  if (!f) {
    fprintf(stderr, "FAIL: cannot open %s\n", path);
    tests_failed++;
    return 0;
  }
  while (getline(&line, &cap, f) > 0) {
    char *value = split(line);
    if (strcmp(line, "now") == 0) {
      now = atoll(value);
    } else if (strcmp(line, "issuer") == 0) {
      file_issuer = unhex(value);
    } else if (strcmp(line, "set") == 0 && nsets < MAX_SETS) {
      char *hex = split(value);
      sets[nsets].name = strdup(value);
      sets[nsets].json = unhex(hex);
      nsets++;
    } else if (strcmp(line, "tcase") == 0) {
      reset_case(&c);
      snprintf(c.name, sizeof c.name, "%s", value);
      in_token = 1;
    } else if (strcmp(line, "token") == 0) {
      c.token = unhex(value);
    } else if (strcmp(line, "expect") == 0) {
      snprintf(c.expect, sizeof c.expect, "%s", value);
    } else if (strcmp(line, "jwks") == 0) {
      snprintf(c.jwks, sizeof c.jwks, "%s", value);
    } else if (strcmp(line, "oiss") == 0) {
      c.issuer = unhex(value);
    } else if (strcmp(line, "oaud") == 0) {
      c.audience = unhex(value);
    } else if (strcmp(line, "oscope") == 0 && c.nscopes < MAX_LIST) {
      c.scopes[c.nscopes++] = unhex(value);
    } else if (strcmp(line, "otol") == 0) {
      c.tolerance = atoll(value);
    } else if (strcmp(line, "odepth") == 0) {
      c.depth = atoll(value);
    } else if (strcmp(line, "oprin") == 0) {
      c.principal = unhex(value);
    } else if (strcmp(line, "oagent") == 0) {
      c.agent = unhex(value);
    } else if (strcmp(line, "oref") == 0) {
      char *value_hex = split(value);
      if (c.nrefs < MAX_LIST) {
        c.refs[c.nrefs] = unhex(value);
        c.ref_values[c.nrefs] = unhex(value_hex);
        c.nrefs++;
      }
    } else if (strcmp(line, "osbx") == 0) {
      c.allow_sandbox = atoi(value);
    } else if (strncmp(line, "c.", 2) == 0) {
      const char *key = line + 2;
      for (i = 0; i < 8; i++)
        if (strcmp(key, CLAIM_KEYS[i]) == 0) c.c_str[i] = unhex(value);
      if (strcmp(key, "issuedAt") == 0) c.c_iat = atoll(value);
      if (strcmp(key, "expiresAt") == 0) c.c_exp = atoll(value);
      if (strcmp(key, "delegationDepth") == 0) c.c_depth = atoll(value);
      if (strcmp(key, "budget") == 0 && strcmp(value, "-") != 0) {
        c.has_budget = 1;
        c.budget = strtod(value, NULL);
      }
      if (strcmp(key, "scope") == 0 && c.c_nscopes < MAX_LIST) c.c_scopes[c.c_nscopes++] = unhex(value);
      if (strcmp(key, "aud") == 0 && c.c_naud < MAX_LIST) c.c_aud[c.c_naud++] = unhex(value);
    } else if (strcmp(line, "kcase") == 0) {
      snprintf(kname, sizeof kname, "%s", value);
      in_token = 0;
    } else if (strcmp(line, "kjwks") == 0) {
      kjwks = unhex(value);
    } else if (strcmp(line, "kexpect") == 0) {
      snprintf(kexpect, sizeof kexpect, "%s", value);
    } else if (strcmp(line, "know") == 0) {
      know = atoll(value);
    } else if (strcmp(line, "kiss") == 0) {
      kiss = unhex(value);
    } else if (strcmp(line, "ktoken") == 0) {
      ktoken = unhex(value);
    } else if (strcmp(line, "ktexpect") == 0) {
      snprintf(ktexpect, sizeof ktexpect, "%s", value);
    } else if (strcmp(line, "icase") == 0) {
      char *issuer_hex = split(value);
      char *uri = unhex(value), *want = unhex(issuer_hex), *got = NULL;
      if (CHECK_OK(grantex_derive_issuer(uri, &got))) CHECK_STR(got, want);
      grantex_string_free(got);
      free(uri);
      free(want);
      nissuers++;
    } else if (strcmp(line, "vtoken") == 0) {
      free(vtoken);
      vtoken = unhex(value);
    } else if (strcmp(line, "vopt") == 0) {
      /* A reference verify option: accepted or GRANTEX_CONFIG, under either spelling. */
      char *js_hex = split(value), *value_hex = split(js_hex), *accepted = split(value_hex);
      char *verify = split(accepted);
      char *names[2], *json = unhex(value_hex);
      grantex_verify_options *opts = NULL;
      int n;
      names[0] = unhex(value);
      names[1] = unhex(js_hex);
      CHECK_OK(grantex_verify_options_new(&opts));
      for (n = 0; n < 2; n++) {
        grantex_result want = strcmp(accepted, "1") == 0 ? GRANTEX_OK : GRANTEX_CONFIG;
        CHECK_RC(grantex_verify_options_set_reference_option(opts, names[n], json), want);
        if (want == GRANTEX_CONFIG) {
          char *message = NULL;
          if (CHECK_OK(grantex_last_error_string(&message))) CHECK(strstr(message, names[n]) != NULL);
          grantex_string_free(message);
        }
      }
      if (strcmp(accepted, "1") == 0) {
        /* Accepted and applied alone: the stated outcome on the plain valid token. */
        grantex_verifier *verifier = NULL;
        grantex_verified_grant *grant = NULL;
        const char *jwks = set_json(sets, nsets, "default");
        if (CHECK(jwks != NULL && vtoken != NULL) && CHECK_OK(grantex_verifier_new_from_json(jwks, &verifier))) {
          grantex_verify_options *alone = NULL;
          grantex_result rc;
          const char *got;
          CHECK_OK(grantex_verify_options_new(&alone));
          CHECK_OK(grantex_verify_options_set_now(alone, now));
          CHECK_OK(grantex_verify_options_set_issuer(alone, file_issuer));
          CHECK_OK(grantex_verify_options_set_reference_option(alone, names[0], json));
          rc = grantex_verify(verifier, vtoken, alone, &grant);
          got = rc == GRANTEX_OK ? "valid" : grantex_result_name(rc);
          if (strcmp(got, verify) != 0) {
            fprintf(stderr, "FAIL option %s=%s: expected %s, got %s (%s)\n", names[0], json, verify, got,
                    last_message());
            tests_failed++;
          } else {
            tests_passed++;
          }
          grantex_verified_grant_free(grant);
          grantex_verify_options_free(alone);
        }
        grantex_verifier_free(verifier);
      }
      /* NULL is "unset", which every option accepts; bad JSON is an argument error. */
      CHECK_OK(grantex_verify_options_set_reference_option(opts, names[0], NULL));
      CHECK_RC(grantex_verify_options_set_reference_option(opts, names[1], "{"), GRANTEX_INVALID_ARGUMENT);
      grantex_verify_options_free(opts);
      free(names[0]);
      free(names[1]);
      free(json);
      noptions++;
    } else if (strcmp(line, "end") == 0) {
      if (in_token) {
        run_token_case(&c, sets, nsets, file_issuer, now);
        ncases++;
        in_token = 0;
      } else {
        run_keyset_case(kname, kjwks, kexpect, ktoken, ktexpect, kiss, know);
        free(kjwks);
        free(ktoken);
        free(kiss);
        kjwks = ktoken = kiss = NULL;
        nkeysets++;
      }
    }
  }
  free(line);
  fclose(f);
  reset_case(&c);

  /* Every file must have been read in full. */
  CHECK(ncases >= 150);
  CHECK(nkeysets >= 40);
  CHECK(nissuers >= 5);
  CHECK(noptions >= 9);
  {
    grantex_verify_options *opts = NULL;
    CHECK_OK(grantex_verify_options_new(&opts));
    CHECK_RC(grantex_verify_options_set_reference_option(opts, "not_an_option", "1"), GRANTEX_CONFIG);
    CHECK_RC(grantex_verify_options_set_reference_option(opts, NULL, "1"), GRANTEX_INVALID_ARGUMENT);
    CHECK_RC(grantex_verify_options_set_reference_option(NULL, "algorithms", NULL), GRANTEX_INVALID_ARGUMENT);
    grantex_verify_options_free(opts);
  }

  /* A static set has no URI to derive the issuer from: the issuer option is required. */
  if (nsets > 0) {
    char *token = NULL, *jwks = NULL, *issuer = NULL;
    long long vnow = 0;
    if (vectors_first_valid(path, &token, &jwks, &issuer, &vnow) == 0) {
      grantex_verifier *verifier = NULL;
      grantex_verified_grant *grant = NULL;
      grantex_verify_options *opts = NULL;
      CHECK_OK(grantex_verifier_new_from_json(jwks, &verifier));
      CHECK_RC(grantex_verify(verifier, token, NULL, &grant), GRANTEX_CONFIG);
      CHECK_OK(grantex_verify_options_new(&opts));
      CHECK_OK(grantex_verify_options_set_issuer(opts, issuer));
      /* The system clock is far past the vectors' fixed clock. */
      CHECK_RC(grantex_verify(verifier, token, opts, &grant), GRANTEX_TOKEN_EXPIRED);
      CHECK_OK(grantex_verify_options_set_now(opts, vnow));
      CHECK_OK(grantex_verify(verifier, token, opts, &grant));
      CHECK_OK(grantex_verify_options_use_system_clock(opts));
      grantex_verified_grant_free(grant);
      grant = NULL;
      CHECK_RC(grantex_verify(verifier, token, opts, &grant), GRANTEX_TOKEN_EXPIRED);
      CHECK(grant == NULL);
      grantex_verify_options_free(opts);
      grantex_verifier_free(verifier);
    }
    free(token);
    free(jwks);
    free(issuer);
  }

  for (i = 0; i < nsets; i++) {
    free(sets[i].name);
    free(sets[i].json);
  }
  free(file_issuer);
  free(vtoken);
  return ncases + nkeysets + nissuers;
}

int vectors_first_valid(const char *path, char **token, char **jwks, char **issuer,
                        long long *now) {
  FILE *f = fopen(path, "r");
  char *line = NULL, *candidate = NULL;
  size_t cap = 0;
  int found = -1;
  *token = *jwks = *issuer = NULL;
  if (!f) return -1;
  while (found != 0 && getline(&line, &cap, f) > 0) {
    char *value = split(line);
    if (strcmp(line, "now") == 0) *now = atoll(value);
    if (strcmp(line, "issuer") == 0) *issuer = unhex(value);
    if (strcmp(line, "set") == 0) {
      char *hex = split(value);
      if (strcmp(value, "default") == 0) *jwks = unhex(hex);
    }
    if (strcmp(line, "token") == 0) {
      free(candidate);
      candidate = unhex(value);
    }
    if (strcmp(line, "expect") == 0 && strcmp(value, "valid") == 0 && candidate) {
      *token = candidate;
      candidate = NULL;
      found = 0;
    }
  }
  free(candidate);
  free(line);
  fclose(f);
  if (found != 0 || !*jwks || !*issuer) {
    free(*token);
    free(*jwks);
    free(*issuer);
    *token = *jwks = *issuer = NULL;
    return -1;
  }
  return 0;
}
