/* MCP authorization management through the generic call (issue 17 item 3) against a running
 * grantex-server: a fresh live account registers an MCP server (GRANTEX_OP_MCP_*), is refused a
 * duplicate resource (409) and an http resource off loopback (400), registers a public and a
 * confidential client (the secret shown once), switches the registration policy to `token` (the
 * token shown once), is refused a binding for an unknown request (404), and deletes both. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>

#include "harness.h"

void test_mcp_flow(const char *base_url) {
  grantex_client *client = NULL;
  grantex_response *signup = NULL, *srv = NULL, *list = NULL, *pub = NULL, *conf = NULL;
  grantex_response *got = NULL, *settings = NULL, *after = NULL, *clients = NULL;
  char *key = NULL, *server_id = NULL, *client_id = NULL, *secret = NULL, *token = NULL;
  char input[1024], resource[256], path[64];
  char *out = NULL;
  size_t n = 0;
  bool set = false;

  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C mcp\",\"mode\":\"live\"}", &out)))
    return;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  out = NULL;
  if (!signup) goto done;
  key = dup_str(signup, "apiKey");
  if (!CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &client))) goto done;

  /* The key is unique per run: the resource URL is unique across the server. */
  snprintf(resource, sizeof resource, "http://127.0.0.1:9/c-%.24s/mcp", key + 8);
  snprintf(input, sizeof input,
           "{\"name\":\"C tools\",\"resourceUrl\":\"%s\",\"scopes\":[\"tools:read\",\"tools:write\"]}",
           resource);
  srv = call_ok(client, GRANTEX_OP_MCP_REGISTER_SERVER, input);
  if (!srv) goto done;
  server_id = dup_str(srv, "id");
  check_str(srv, "resourceUrl", resource);
  check_str(srv, "grantTtl", "30d");
  check_str(srv, "authorizationServer", base_url);
  check_str(srv, "/scopes/1", "tools:write");
  call_fails(client, GRANTEX_OP_MCP_REGISTER_SERVER, input, 409, "CONFLICT");
  call_fails(client, GRANTEX_OP_MCP_REGISTER_SERVER,
             "{\"name\":\"x\",\"resourceUrl\":\"http://tools.example/mcp\",\"scopes\":[\"a\"]}", 400,
             "BAD_REQUEST");
  list = call_ok(client, GRANTEX_OP_MCP_LIST_SERVERS, "{}");
  if (list && CHECK_OK(grantex_response_len(list, "servers", &n))) CHECK(n == 1);

  pub = call_ok(client, GRANTEX_OP_MCP_REGISTER_CLIENT,
                "{\"clientName\":\"C desktop\",\"redirectUris\":[\"http://127.0.0.1:7777/cb\"]}");
  check_str(pub, "tokenEndpointAuthMethod", "none");
  check_str(pub, "registeredBy", "api");
  conf = call_ok(client, GRANTEX_OP_MCP_REGISTER_CLIENT,
                 "{\"clientName\":\"C server\",\"redirectUris\":[\"https://app.example/cb\"],"
                 "\"tokenEndpointAuthMethod\":\"client_secret_basic\"}");
  if (!pub || !conf) goto done;
  client_id = dup_str(conf, "clientId");
  secret = dup_str(conf, "clientSecret");
  CHECK(strncmp(secret, "mcs_", 4) == 0);
  snprintf(input, sizeof input, "{\"clientId\":\"%s\"}", client_id);
  got = call_ok(client, GRANTEX_OP_MCP_GET_CLIENT, input);
  if (got) {
    const char *shown = NULL;
    grantex_result rc = grantex_response_string(got, "clientSecret", &shown);
    CHECK(rc != GRANTEX_OK || shown == NULL); /* shown once, at registration */
  }
  clients = call_ok(client, GRANTEX_OP_MCP_LIST_CLIENTS, "{}");
  if (clients && CHECK_OK(grantex_response_len(clients, "clients", &n))) CHECK(n == 2);

  settings = call_ok(client, GRANTEX_OP_MCP_UPDATE_SETTINGS, "{\"registrationPolicy\":\"token\"}");
  if (settings) {
    token = dup_str(settings, "registrationToken");
    CHECK(strncmp(token, "mcpreg_", 7) == 0);
  }
  after = call_ok(client, GRANTEX_OP_MCP_GET_SETTINGS, "{}");
  if (after && CHECK_OK(grantex_response_bool(after, "registrationTokenSet", &set))) CHECK(set);
  call_fails(client, GRANTEX_OP_MCP_UPDATE_SETTINGS, "{\"registrationPolicy\":\"maybe\"}", 400,
             "BAD_REQUEST");
  call_fails(client, GRANTEX_OP_MCP_BIND_PRINCIPAL,
             "{\"authRequestId\":\"areq_unknown\",\"principalId\":\"alice\"}", 404, "NOT_FOUND");

  CHECK_OK(grantex_client_call(client, GRANTEX_OP_MCP_DELETE_CLIENT, input, &out));
  grantex_string_free(out);
  out = NULL;
  call_fails(client, GRANTEX_OP_MCP_GET_CLIENT, input, 404, "NOT_FOUND");
  snprintf(path, sizeof path, "{\"serverId\":\"%s\"}", server_id);
  CHECK_OK(grantex_client_call(client, GRANTEX_OP_MCP_DELETE_SERVER, path, &out));
  grantex_string_free(out);
  out = NULL;
  call_fails(client, GRANTEX_OP_MCP_GET_SERVER, path, 404, "NOT_FOUND");

done:
  grantex_response_free(signup);
  grantex_response_free(srv);
  grantex_response_free(list);
  grantex_response_free(pub);
  grantex_response_free(conf);
  grantex_response_free(got);
  grantex_response_free(settings);
  grantex_response_free(after);
  grantex_response_free(clients);
  grantex_client_free(client);
  free(key);
  free(server_id);
  free(client_id);
  free(secret);
  free(token);
}
