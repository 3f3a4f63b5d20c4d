/* A remote verifier whose JWKS endpoint goes down: the expired key set keeps verifying for the
 * stale-if-error grace, then grantex_verify() fails closed (the core's rule, as in Python and
 * Node). The endpoint is a tiny loopback HTTP server on a thread: 200 with the vectors' key set
 * while up, 503 once switched down. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct jwks_server {
  int listener;
  const char *jwks;
  atomic_int down;
  atomic_int hits;
  atomic_int stop;
};

static void *serve(void *arg) {
  struct jwks_server *s = arg;
  for (;;) {
    char req[4096], head[256];
    int conn = accept(s->listener, NULL, NULL);
    if (conn < 0 || atomic_load(&s->stop)) {
      if (conn >= 0) close(conn);
      return NULL;
    }
    /* One request per connection: read until the end of the headers (GET, no body). */
    {
      size_t got = 0;
      ssize_t n;
      while (got < sizeof req - 1 && (n = read(conn, req + got, sizeof req - 1 - got)) > 0) {
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n")) break;
      }
    }
    atomic_fetch_add(&s->hits, 1);
    if (atomic_load(&s->down)) {
      const char *resp = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      if (write(conn, resp, strlen(resp)) < 0) perror("write");
    } else {
      size_t len = strlen(s->jwks);
      int h = snprintf(head, sizeof head,
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                       "Connection: close\r\n\r\n",
                       len);
      if (write(conn, head, (size_t)h) < 0 || write(conn, s->jwks, len) < 0) perror("write");
    }
    close(conn);
  }
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

void test_jwks_resilience(const char *vectors_path) {
  char *token = NULL, *jwks = NULL, *issuer = NULL, uri[128];
  long long now = 0;
  struct jwks_server server;
  struct sockaddr_in addr;
  socklen_t addr_len = sizeof addr;
  pthread_t thread;
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  grantex_verified_grant *grant = NULL;

  if (!CHECK(vectors_first_valid(vectors_path, &token, &jwks, &issuer, &now) == 0)) return;
  memset(&server, 0, sizeof server);
  server.jwks = jwks;
  server.listener = socket(AF_INET, SOCK_STREAM, 0);
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!CHECK(server.listener >= 0 && bind(server.listener, (struct sockaddr *)&addr, sizeof addr) == 0 &&
             listen(server.listener, 16) == 0 &&
             getsockname(server.listener, (struct sockaddr *)&addr, &addr_len) == 0) ||
      !CHECK(pthread_create(&thread, NULL, serve, &server) == 0)) {
    if (server.listener >= 0) close(server.listener);
    free(token);
    free(jwks);
    free(issuer);
    return;
  }
  snprintf(uri, sizeof uri, "http://127.0.0.1:%u/.well-known/jwks.json", (unsigned)ntohs(addr.sin_port));

  CHECK_OK(grantex_verifier_new_remote(uri, &verifier));
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_OK(grantex_verify_options_set_issuer(opts, issuer));
  CHECK_OK(grantex_verify_options_set_now(opts, now));
  /* The settings are checked by the core. */
  CHECK_RC(grantex_verifier_set_max_age(verifier, 0), GRANTEX_CONFIG);
  CHECK_RC(grantex_verifier_set_max_age(verifier, 86401), GRANTEX_CONFIG);
  CHECK_RC(grantex_verifier_set_stale_if_error(verifier, 86401), GRANTEX_CONFIG);
  CHECK_RC(grantex_verifier_set_max_age(NULL, 1), GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_verifier_set_max_age(verifier, 1));

  CHECK_OK(grantex_verify(verifier, token, opts, &grant));
  grantex_verified_grant_free(grant);
  grant = NULL;
  CHECK(atomic_load(&server.hits) == 1);

  atomic_store(&server.down, 1);
  sleep_ms(1200); /* past the one-second max age */
  /* Inside the grace (default one hour): the expired set still verifies. */
  CHECK_OK(grantex_verify(verifier, token, opts, &grant));
  grantex_verified_grant_free(grant);
  grant = NULL;
  CHECK(atomic_load(&server.hits) == 2);
  /* Grace off: fails closed. */
  CHECK_OK(grantex_verifier_set_stale_if_error(verifier, 0));
  CHECK_RC(grantex_verify(verifier, token, opts, &grant), GRANTEX_TOKEN_JWKS_FETCH);
  CHECK(grant == NULL);

  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);
  /* Stop the server thread: flag, then one connection to wake accept(). */
  atomic_store(&server.stop, 1);
  {
    int wake = socket(AF_INET, SOCK_STREAM, 0);
    if (wake >= 0) {
      if (connect(wake, (struct sockaddr *)&addr, sizeof addr) != 0) perror("connect");
      close(wake);
    }
  }
  pthread_join(thread, NULL);
  close(server.listener);
  free(token);
  free(jwks);
  free(issuer);
}
