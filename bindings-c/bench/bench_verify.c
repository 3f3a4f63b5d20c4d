/* grantex_verify against the raw RS256 floor (grantex_bench_floor_verify: one RSA verification
 * with a pre-parsed key), both through the C ABI in one process. Prints ns/op and the ratio.
 *
 * Usage: bench_verify <jwks.json> <token file> <issuer> <now> [iterations] [rounds] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grantex.h>

/* The benchmark-only exports of a libgrantex built with `FEATURES=bench` (bindings-c/src/bench.rs);
 * deliberately absent from grantex.h. */
typedef struct grantex_bench_floor grantex_bench_floor;
grantex_result grantex_bench_floor_new(const char *jwks_json, const char *token,
                                       grantex_bench_floor **out);
grantex_result grantex_bench_floor_verify(const grantex_bench_floor *floor, bool *out_valid);
void grantex_bench_floor_free(grantex_bench_floor *floor);

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) exit(2);
  buf[n] = '\0';
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
  fclose(f);
  return buf;
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void must(grantex_result rc, const char *what) {
  if (rc != GRANTEX_OK) {
    char msg[256] = "";
    grantex_last_error_message(msg, sizeof msg, NULL);
    fprintf(stderr, "%s: %s: %s\n", what, grantex_result_name(rc), msg);
    exit(1);
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  char *jwks, *token;
  long long now;
  long iters, rounds, i, r;
  grantex_bench_floor *floor = NULL;
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  double *floor_ns, *verify_ns, t0;
  bool valid = false;

  if (argc < 5) {
    fprintf(stderr, "usage: %s <jwks.json> <token file> <issuer> <now> [iterations] [rounds]\n", argv[0]);
    return 2;
  }
  jwks = slurp(argv[1]);
  token = slurp(argv[2]);
  now = atoll(argv[4]);
  iters = argc > 5 ? atol(argv[5]) : 2000;
  rounds = argc > 6 ? atol(argv[6]) : 9;
  floor_ns = calloc((size_t)rounds, sizeof *floor_ns);
  verify_ns = calloc((size_t)rounds, sizeof *verify_ns);
  if (!floor_ns || !verify_ns) return 2;

  must(grantex_bench_floor_new(jwks, token, &floor), "floor");
  must(grantex_verifier_new_from_json(jwks, &verifier), "verifier");
  must(grantex_verify_options_new(&opts), "options");
  must(grantex_verify_options_set_issuer(opts, argv[3]), "issuer");
  must(grantex_verify_options_set_now(opts, now), "now");

  /* Warm-up, and a correctness check of both paths. */
  for (i = 0; i < iters / 4 + 1; i++) {
    grantex_verified_grant *g = NULL;
    must(grantex_bench_floor_verify(floor, &valid), "floor verify");
    if (!valid) { fprintf(stderr, "floor: signature invalid\n"); return 1; }
    must(grantex_verify(verifier, token, opts, &g), "verify");
    grantex_verified_grant_free(g);
  }

  /* Interleaved rounds so drift (frequency, other load) hits both sides alike. */
  for (r = 0; r < rounds; r++) {
    t0 = now_ns();
    for (i = 0; i < iters; i++) grantex_bench_floor_verify(floor, &valid);
    floor_ns[r] = (now_ns() - t0) / (double)iters;
    t0 = now_ns();
    for (i = 0; i < iters; i++) {
      grantex_verified_grant *g = NULL;
      grantex_verify(verifier, token, opts, &g);
      grantex_verified_grant_free(g);
    }
    verify_ns[r] = (now_ns() - t0) / (double)iters;
  }
  qsort(floor_ns, (size_t)rounds, sizeof *floor_ns, cmp);
  qsort(verify_ns, (size_t)rounds, sizeof *verify_ns, cmp);
  printf("token: %zu bytes; %ld rounds x %ld iterations (medians)\n", strlen(token), rounds, iters);
  printf("raw RSA floor (grantex_bench_floor_verify): %8.0f ns/op\n", floor_ns[rounds / 2]);
  printf("grantex_verify + grantex_verified_grant_free: %6.0f ns/op\n", verify_ns[rounds / 2]);
  printf("ratio verify/floor: %.3f (target <= 1.2)\n", verify_ns[rounds / 2] / floor_ns[rounds / 2]);

  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);
  grantex_bench_floor_free(floor);
  free(floor_ns);
  free(verify_ns);
  free(jwks);
  free(token);
  grantex_shutdown();
  return 0;
}
