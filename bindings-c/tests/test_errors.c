/* Error paths that need no server: NULL and non-UTF-8 arguments, NULL frees, out-parameters
 * untouched on failure, the last-error buffer contract, configuration errors, connection
 * refused, timeout and key-set fetch failures against local sockets. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

/* A syntactically valid RS256 token header naming kid "k1" (claims "{}", fake signature). */
static const char *FAKE_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.e30.AAAA";
static const char *BAD_UTF8 = "\xc3\x28";

/* A loopback TCP socket bound to a free port; listening when `listen_too`. Returns the fd and
 * stores the port. */
static int loopback_socket(int listen_too, int *port) {
  struct sockaddr_in addr;
  socklen_t len = sizeof addr;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0 ||
      (listen_too && listen(fd, 16) != 0)) {
    close(fd);
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

static void test_result_names(void) {
  CHECK_STR(grantex_result_name(GRANTEX_OK), "ok");
  CHECK_STR(grantex_result_name(GRANTEX_INVALID_ARGUMENT), "invalid_argument");
  CHECK_STR(grantex_result_name(GRANTEX_CONFIG), "config_error");
  CHECK_STR(grantex_result_name(GRANTEX_NETWORK), "network_error");
  CHECK_STR(grantex_result_name(GRANTEX_TIMEOUT), "timeout");
  CHECK_STR(grantex_result_name(GRANTEX_API), "api_error");
  CHECK_STR(grantex_result_name(GRANTEX_AUTH), "auth_error");
  CHECK_STR(grantex_result_name(GRANTEX_TOKEN_EXPIRED), "expired");
  CHECK_STR(grantex_result_name(GRANTEX_TOKEN_UNKNOWN_KID), "unknown_kid");
  CHECK_STR(grantex_result_name(GRANTEX_PANIC), "panic");
  CHECK_STR(grantex_result_name(12345), "unrecognized");
  CHECK(grantex_result_is_token_error(GRANTEX_TOKEN_BAD_SIGNATURE));
  CHECK(!grantex_result_is_token_error(GRANTEX_API));
  CHECK(GRANTEX_OK == 0);
}

static void test_free_null(void) {
  /* Every destructor accepts NULL; reaching the next line is the test. */
  grantex_client_free(NULL);
  grantex_verifier_free(NULL);
  grantex_verify_options_free(NULL);
  grantex_verified_grant_free(NULL);
  grantex_response_free(NULL);
  grantex_params_free(NULL);
  grantex_string_free(NULL);
  CHECK(1);
}

static void test_null_and_utf8_arguments(void) {
  grantex_client *client = (grantex_client *)0x1;
  grantex_verifier *verifier = (grantex_verifier *)0x1;
  grantex_verified_grant *grant = (grantex_verified_grant *)0x1;
  grantex_params *params = NULL;
  grantex_response *resp = (grantex_response *)0x1;
  const char *borrowed = "untouched";
  bool flag = true;

  CHECK_RC(grantex_client_new("k", "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_client_new(BAD_UTF8, "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "api_key") != NULL);
  CHECK(client == (grantex_client *)0x1); /* out untouched on failure */
  CHECK_RC(grantex_client_new("k", BAD_UTF8, GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_health(NULL, &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK(resp == (grantex_response *)0x1);
  CHECK_RC(grantex_tokens_revoke(NULL, "jti"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_client_base_url(NULL, &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_STR(borrowed, "untouched");

  CHECK_RC(grantex_verifier_new_from_json(NULL, &verifier), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_verifier_new_from_json(BAD_UTF8, &verifier), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_verifier_new_remote(NULL, &verifier), GRANTEX_INVALID_ARGUMENT);
  CHECK(verifier == (grantex_verifier *)0x1);
  CHECK_RC(grantex_verify(NULL, FAKE_TOKEN, NULL, &grant), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_verify_grant_token(NULL, "http://127.0.0.1:9/jwks", NULL, &grant),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_verify_grant_token(BAD_UTF8, "http://127.0.0.1:9/jwks", NULL, &grant),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(grant == (grantex_verified_grant *)0x1);
  CHECK_RC(grantex_verified_grant_token_id(NULL, &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_verified_grant_has_scope(NULL, "a", &flag), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_verify_options_set_issuer(NULL, "x"), GRANTEX_INVALID_ARGUMENT);

  CHECK_RC(grantex_params_new(NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_params_new(&params));
  CHECK_RC(grantex_params_set_string(params, NULL, "v"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_params_set_string(params, "k", NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_params_set_string(params, BAD_UTF8, "v"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_params_set_string(params, "k", BAD_UTF8), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_params_set_string(params, "", "v"), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_params_set_int(NULL, "k", 1), GRANTEX_INVALID_ARGUMENT);
  grantex_params_free(params);

  CHECK_RC(grantex_response_json(NULL, &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_response_string(NULL, "x", &borrowed), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_pkce_challenge(NULL, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_webhook_verify(NULL, 3, "sha256=00", "1", "s", 300, &flag),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_webhook_verify((const uint8_t *)"x", 1, "sha256=00", "1", NULL, 300, &flag),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(flag == true);
  CHECK_RC(grantex_audit_verify_chain(BAD_UTF8, &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_derive_issuer(NULL, NULL), GRANTEX_INVALID_ARGUMENT);
}

static void test_last_error_contract(void) {
  char small[8];
  char big[512];
  size_t len = 0;
  uint16_t status = 7;
  char *owned = NULL;
  grantex_verifier *verifier = NULL;

  CHECK_RC(grantex_verifier_new_from_json("not json", &verifier), GRANTEX_TOKEN_INVALID_JWKS);
  CHECK(verifier == NULL);
  CHECK_RC(grantex_last_error_code(), GRANTEX_TOKEN_INVALID_JWKS);
  /* Length query. */
  CHECK_RC(grantex_last_error_message(NULL, 0, &len), GRANTEX_BUFFER_TOO_SMALL);
  CHECK(len > sizeof small);
  /* Truncation: NUL-terminated, the full length still reported. */
  memset(small, 'x', sizeof small);
  CHECK_RC(grantex_last_error_message(small, sizeof small, &len), GRANTEX_BUFFER_TOO_SMALL);
  CHECK(strlen(small) == sizeof small - 1);
  CHECK_RC(grantex_last_error_message(big, sizeof big, &len), GRANTEX_OK);
  CHECK(strlen(big) == len);
  CHECK(strncmp(big, small, sizeof small - 1) == 0);
  CHECK_RC(grantex_last_error_message(NULL, 10, &len), GRANTEX_INVALID_ARGUMENT);
  /* Getters do not disturb the last error. */
  CHECK_RC(grantex_last_error_code(), GRANTEX_TOKEN_INVALID_JWKS);
  CHECK_RC(grantex_last_error_http_status(&status), GRANTEX_NOT_FOUND);
  CHECK(status == 7);
  CHECK_RC(grantex_last_error_request_id(big, sizeof big, NULL), GRANTEX_NOT_FOUND);
  CHECK_RC(grantex_last_error_api_code(big, sizeof big, NULL), GRANTEX_NOT_FOUND);
  CHECK_RC(grantex_last_error_body(&owned), GRANTEX_NOT_FOUND);
  CHECK_OK(grantex_last_error_string(&owned));
  CHECK(owned != NULL && strstr(owned, "JSON") != NULL);
  grantex_string_free(owned);
  /* A successful call clears it. */
  CHECK_OK(grantex_derive_issuer("https://api.grantex.dev/.well-known/jwks.json", &owned));
  grantex_string_free(owned);
  CHECK_RC(grantex_last_error_code(), GRANTEX_OK);
  CHECK_RC(grantex_last_error_message(big, sizeof big, &len), GRANTEX_NOT_FOUND);
  /* ... and so does clear(). */
  CHECK_RC(grantex_verifier_new_from_json("[]", &verifier), GRANTEX_TOKEN_INVALID_JWKS);
  grantex_last_error_clear();
  CHECK_RC(grantex_last_error_code(), GRANTEX_OK);
}

static void test_config_errors(void) {
  grantex_client *client = NULL;
  grantex_verifier *verifier = NULL;
  grantex_verify_options *opts = NULL;
  const char *saved_key = getenv("GRANTEX_API_KEY");
  char *saved = saved_key ? strdup(saved_key) : NULL;

  /* No key at all (NULL reads GRANTEX_API_KEY, unset here): the stable config code, with a
   * message naming both ways to give one. */
  unsetenv("GRANTEX_API_KEY");
  CHECK_RC(grantex_client_new(NULL, "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_CONFIG);
  CHECK_RC(grantex_last_error_code(), GRANTEX_CONFIG);
  CHECK_STR(grantex_result_name(grantex_last_error_code()), "config_error");
  CHECK(strstr(last_message(), "API key") != NULL);
  CHECK(strstr(last_message(), "GRANTEX_API_KEY") != NULL);
  CHECK(client == NULL);
  if (saved) {
    setenv("GRANTEX_API_KEY", saved, 1);
    free(saved);
  }

  CHECK_RC(grantex_client_new("", "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_CONFIG);
  CHECK_RC(grantex_client_new("   ", "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_CONFIG);
  CHECK_RC(grantex_client_new("gx_test_x", "ftp://example.com", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_CONFIG);
  CHECK_RC(grantex_client_new("gx_test_x", "not a url", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_CONFIG);
  CHECK_RC(grantex_client_new("gx_test_x", "http://h/?q=1", GRANTEX_DEFAULT_TIMEOUT, GRANTEX_DEFAULT_RETRIES, &client), GRANTEX_CONFIG);
  /* Besides the two "default" values, timeouts and retries follow the core's rules (as in Python
   * and Node): at most one day, 0 to 100 retries. */
  CHECK_RC(grantex_client_new("gx_test_x", "http://127.0.0.1:9", 86400001, GRANTEX_DEFAULT_RETRIES, &client),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_client_new("gx_test_x", "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, -2, &client),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_client_new("gx_test_x", "http://127.0.0.1:9", GRANTEX_DEFAULT_TIMEOUT, 101, &client),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(client == NULL);
  CHECK_OK(grantex_client_new("gx_test_x", "http://127.0.0.1:9", 86400000, 100, &client));
  grantex_client_free(client);
  client = NULL;
  CHECK_RC(grantex_verifier_new_remote("file:///etc/passwd", &verifier), GRANTEX_CONFIG);
  CHECK_RC(grantex_verifier_new_remote("not a uri", &verifier), GRANTEX_CONFIG);
  CHECK(verifier == NULL);

  CHECK_RC(grantex_verifier_new_from_json("{\"keys\":[]}", &verifier), GRANTEX_TOKEN_INVALID_JWKS);
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_RC(grantex_verify_options_set_max_delegation_depth(opts, 5000000000LL),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_verify_options_set_max_delegation_depth(opts, -1));
  CHECK_OK(grantex_verify_options_set_issuer(opts, NULL));
  grantex_verify_options_free(opts);
}

static void test_params_errors(void) {
  grantex_params *params = NULL;
  grantex_client *client = NULL;
  grantex_response *resp = NULL;

  CHECK_RC(grantex_params_from_json("[1]", &params), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_params_from_json("{", &params), GRANTEX_INVALID_ARGUMENT);
  CHECK(params == NULL);
  CHECK_OK(grantex_params_from_json("{\"agentId\":\"ag_1\",\"scopes\":[\"a\"]}", &params));
  CHECK_RC(grantex_params_add_string(params, "agentId", "x"), GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_params_add_string(params, "scopes", "b"));
  CHECK_RC(grantex_params_set_json(params, "metadata", "{oops"), GRANTEX_INVALID_ARGUMENT);

  /* Conversion errors surface before any network traffic (port 9 is never contacted). */
  CHECK_OK(grantex_client_new("gx_test_x", "http://127.0.0.1:9", 500, 0, &client));
  CHECK_RC(grantex_authorize(client, params, &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "principalId") != NULL);
  CHECK_OK(grantex_params_set_string(params, "principalId", "usr_1"));
  CHECK_OK(grantex_params_set_string(params, "codeChallange", "typo"));
  CHECK_RC(grantex_authorize(client, params, &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "codeChallange") != NULL);
  CHECK_OK(grantex_params_remove(params, "codeChallange"));
  CHECK_OK(grantex_params_set_int(params, "scopes", 3));
  CHECK_RC(grantex_authorize(client, params, &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_authorize(client, NULL, &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_agents_get(client, "", &resp), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_grants_revoke(client, ""), GRANTEX_INVALID_ARGUMENT);
  CHECK(resp == NULL);
  grantex_params_free(params);
  params = NULL;
  CHECK_OK(grantex_params_new(&params));
  CHECK_OK(grantex_params_set_string(params, "page", "two"));
  CHECK_RC(grantex_grants_list(client, params, &resp), GRANTEX_INVALID_ARGUMENT);
  grantex_params_free(params);
  grantex_client_free(client);
}

static void test_response_accessors(void) {
  grantex_response *resp = NULL;
  const char *s = NULL;
  int64_t i = -1;
  double d = 0;
  bool b = false;
  size_t n = 99;

  CHECK_OK(grantex_audit_verify_chain("[]", &resp));
  CHECK_OK(grantex_response_bool(resp, "valid", &b));
  CHECK(b == true);
  CHECK_OK(grantex_response_int(resp, "/checkedEntries", &i));
  CHECK(i == 0);
  CHECK_OK(grantex_response_double(resp, "checkedEntries", &d));
  CHECK(d == 0.0);
  CHECK_RC(grantex_response_string(resp, "firstBrokenAt", &s), GRANTEX_NOT_FOUND);
  CHECK_RC(grantex_response_string(resp, "nope", &s), GRANTEX_NOT_FOUND);
  CHECK_RC(grantex_response_string(resp, "valid", &s), GRANTEX_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_RC(grantex_response_len(resp, "valid", &n), GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_response_len(resp, NULL, &n));
  CHECK(n == 4);
  CHECK_OK(grantex_response_has(resp, "reason", &b));
  CHECK(b == false);
  CHECK_OK(grantex_response_has(resp, "valid", &b));
  CHECK(b == true);
  CHECK_RC(grantex_response_bool(resp, BAD_UTF8, &b), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_response_bool(resp, "valid", NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK_OK(grantex_response_json(resp, &s));
  CHECK(s != NULL && strstr(s, "\"checkedEntries\":0") != NULL);
  grantex_response_free(resp);
}

static void test_network_failures(void) {
  grantex_client *client = NULL;
  grantex_response *resp = (grantex_response *)0x1;
  grantex_verifier *verifier = NULL;
  grantex_verified_grant *grant = NULL;
  grantex_verify_options *opts = NULL;
  char url[128];
  int port = 0;
  int fd;

  /* Connection refused: a port that was free a moment ago. */
  fd = loopback_socket(0, &port);
  CHECK(fd >= 0);
  close(fd);
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  CHECK_OK(grantex_client_new("gx_test_x", url, 2000, 0, &client));
  CHECK_RC(grantex_health(client, &resp), GRANTEX_NETWORK);
  CHECK(resp == (grantex_response *)0x1);
  CHECK(strlen(last_message()) > 0);
  grantex_client_free(client);
  client = NULL;

  /* ... and the key set cannot be fetched either. */
  snprintf(url, sizeof url, "http://127.0.0.1:%d/.well-known/jwks.json", port);
  CHECK_OK(grantex_verifier_new_remote(url, &verifier));
  CHECK_RC(grantex_verify(verifier, FAKE_TOKEN, NULL, &grant), GRANTEX_TOKEN_JWKS_FETCH);
  CHECK_RC(grantex_verifier_refresh(verifier), GRANTEX_TOKEN_JWKS_FETCH);
  /* What needs no key is refused before the network. */
  CHECK_RC(grantex_verify(verifier, "abc", NULL, &grant), GRANTEX_TOKEN_MALFORMED);
  CHECK_OK(grantex_verify_options_new(&opts));
  CHECK_RC(grantex_verify_grant_token("a.b", url, opts, &grant), GRANTEX_TOKEN_MALFORMED);
  CHECK(grant == NULL);
  grantex_verify_options_free(opts);
  grantex_verifier_free(verifier);

  /* Timeout: the server accepts the connection (backlog) but never answers. */
  fd = loopback_socket(1, &port);
  CHECK(fd >= 0);
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  CHECK_OK(grantex_client_new("gx_test_x", url, 300, 0, &client));
  CHECK_RC(grantex_health(client, &resp), GRANTEX_TIMEOUT);
  grantex_client_free(client);
  close(fd);
}

/* A loopback HTTP server that answers one request with a canned response. */
struct canned_http {
  int fd;
  const char *response;
};

static void *serve_once(void *arg) {
  struct canned_http *c = arg;
  int conn = accept(c->fd, NULL, NULL);
  if (conn >= 0) {
    char buf[4096];
    size_t used = 0;
    ssize_t n;
    while (used < sizeof buf - 1 && (n = read(conn, buf + used, sizeof buf - 1 - used)) > 0) {
      used += (size_t)n;
      buf[used] = 0;
      if (strstr(buf, "\r\n\r\n") != NULL) break;
    }
    n = write(conn, c->response, strlen(c->response));
    (void)n;
    close(conn);
  }
  return NULL;
}

/* Calls grantex_health against a server answering `response`; returns the result code. */
static grantex_result health_against(const char *response) {
  struct canned_http canned;
  pthread_t thread;
  grantex_client *client = NULL;
  grantex_response *resp = NULL;
  grantex_result rc = GRANTEX_PANIC;
  char url[64];
  int port = 0;

  canned.fd = loopback_socket(1, &port);
  canned.response = response;
  if (!CHECK(canned.fd >= 0)) return rc;
  if (CHECK(pthread_create(&thread, NULL, serve_once, &canned) == 0)) {
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    if (CHECK_OK(grantex_client_new("gx_test_wrong_key_0123", url, 5000, 0, &client))) {
      rc = grantex_health(client, &resp);
      grantex_response_free(resp);
      grantex_client_free(client);
    }
    pthread_join(thread, NULL);
  }
  close(canned.fd);
  return rc;
}

/* Error messages say each fragment once: an empty body is "HTTP 404", not "HTTP 404 (HTTP
 * 404)"; a wrong API key is the server's "Invalid API key" with the status and code after it. */
static void test_error_messages(void) {
  uint16_t status = 0;
  char code[64];
  char json[256];
  char response[512];
  const char *invalid_key = "{\"message\":\"Invalid API key\",\"code\":\"UNAUTHORIZED\"}";

  CHECK_RC(health_against("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                          "x-request-id: req-empty\r\nConnection: close\r\n\r\n"),
           GRANTEX_API);
  CHECK_STR(last_message(), "HTTP 404 (request id req-empty)");
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 404);
  CHECK_RC(grantex_last_error_api_code(code, sizeof code, NULL), GRANTEX_NOT_FOUND);

  snprintf(json, sizeof json, "%s", invalid_key);
  snprintf(response, sizeof response,
           "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
           "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
           strlen(json), json);
  CHECK_RC(health_against(response), GRANTEX_AUTH);
  CHECK_STR(last_message(), "Invalid API key (HTTP 401, code UNAUTHORIZED)");
  CHECK_OK(grantex_last_error_http_status(&status));
  CHECK(status == 401);
  CHECK_OK(grantex_last_error_api_code(code, sizeof code, NULL));
  CHECK_STR(code, "UNAUTHORIZED");
}

void test_errors(void) {
  test_result_names();
  test_free_null();
  test_null_and_utf8_arguments();
  test_last_error_contract();
  test_config_errors();
  test_params_errors();
  test_response_accessors();
  test_network_failures();
  test_error_messages();
}
