/* The event stream subscription (grantex_events_subscribe) against a running grantex-server:
 * a fresh live account subscribes, creates an agent and a grant through the generic call and
 * receives agent.created, grant.created and token.issued in order with ascending seq on the
 * subscription's thread; after grantex_event_subscription_free() no callback runs; a
 * subscription resumed with lastEventId gets only the later events; a subscription may free
 * itself from inside its callback; refusals (unknown type, bad key) end with one final
 * non-OK call; bad options are GRANTEX_INVALID_ARGUMENT before anything starts. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"

#define MAX_EVENTS 64
#define TYPES3 "[\"agent.created\",\"grant.created\",\"token.issued\"]"

/* What a callback saw; everything under `mu` (the callback runs on another thread, so it
 * never touches the CHECK counters: the main thread checks afterwards). */
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int n;                       /* events (GRANTEX_OK calls) */
  char type[MAX_EVENTS][32];
  char subject[MAX_EVENTS][64]; /* data.agentId (agent.created) or data.grantId */
  uint64_t seq[MAX_EVENTS];
  int bad_calls;               /* OK with NULL JSON, unparsable JSON, non-OK with JSON */
  int finals;                  /* non-OK calls */
  grantex_result final_status;
  uint16_t final_http;         /* the final call's last-error HTTP status (0: none) */
  int freed;                   /* set by the main thread once free returned */
  int after_free;              /* calls seen with `freed` set */
  int self_free;               /* free the subscription from inside the first call */
  grantex_event_subscription *sub;
  int self_freed;
} sink;

static void sink_init(sink *s) {
  memset(s, 0, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
}

static void sink_destroy(sink *s) {
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
}

static void copy_field(const grantex_response *r, const char *path, char *buf, size_t len) {
  const char *v = NULL;
  buf[0] = '\0';
  if (grantex_response_string(r, path, &v) == GRANTEX_OK && v) snprintf(buf, len, "%s", v);
}

static void on_event(void *user_data, const char *event_json, grantex_result status) {
  sink *s = user_data;
  grantex_response *r = NULL;
  int64_t seq = -1;
  pthread_mutex_lock(&s->mu);
  if (s->freed) s->after_free++;
  if (status != GRANTEX_OK) {
    uint16_t http = 0;
    if (event_json != NULL) s->bad_calls++;
    s->finals++;
    s->final_status = status;
    s->final_http = grantex_last_error_http_status(&http) == GRANTEX_OK ? http : 0;
  } else if (event_json == NULL || grantex_response_from_json(event_json, &r) != GRANTEX_OK ||
             grantex_response_int(r, "seq", &seq) != GRANTEX_OK || seq < 0) {
    s->bad_calls++;
  } else if (s->n < MAX_EVENTS) {
    copy_field(r, "type", s->type[s->n], sizeof s->type[0]);
    copy_field(r, "/data/agentId", s->subject[s->n], sizeof s->subject[0]);
    if (strcmp(s->type[s->n], "agent.created") != 0)
      copy_field(r, "/data/grantId", s->subject[s->n], sizeof s->subject[0]);
    s->seq[s->n] = (uint64_t)seq;
    s->n++;
  }
  grantex_response_free(r);
  if (s->self_free && s->sub) {
    /* Inside the callback: must not wait for itself. */
    grantex_event_subscription_free(s->sub);
    s->sub = NULL;
    s->self_freed++;
  }
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

/* Waits (at most `ms`) until the sink holds `events` events (0: a final call) or a final call;
 * returns 1 when it does. */
static int wait_for(sink *s, int events, long ms) {
  struct timespec until;
  int ok;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&s->mu);
  while ((events == 0 || s->n < events) && s->finals == 0) {
    if (pthread_cond_timedwait(&s->cv, &s->mu, &until) != 0) break;
  }
  ok = s->n >= events || (events == 0 && s->finals > 0);
  pthread_mutex_unlock(&s->mu);
  return ok;
}

static int count(sink *s) {
  int n;
  pthread_mutex_lock(&s->mu);
  n = s->n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

/* Registers an agent named `name`; its id (malloc'ed), or NULL. */
static char *register_agent(const grantex_client *c, const char *name) {
  char input[256];
  grantex_response *agent;
  char *id = NULL;
  snprintf(input, sizeof input, "{\"name\":\"%s\",\"scopes\":[\"calendar:read\"]}", name);
  agent = call_ok(c, GRANTEX_OP_AGENTS_REGISTER, input);
  if (agent) id = dup_str(agent, "agentId");
  grantex_response_free(agent);
  return id;
}

/* authorize, consent, exchange: the grant's id (malloc'ed), or NULL. */
static char *make_grant(const grantex_client *c, const char *agent_id) {
  char input[512];
  grantex_response *auth = NULL, *approval = NULL, *tok = NULL;
  char *req_id = NULL, *code = NULL, *grant_id = NULL;
  snprintf(input, sizeof input,
           "{\"agentId\":\"%s\",\"principalId\":\"alice\",\"scopes\":[\"calendar:read\"]}", agent_id);
  auth = call_ok(c, GRANTEX_OP_AUTHORIZE, input);
  if (!auth) goto done;
  req_id = dup_str(auth, "authRequestId");
  snprintf(input, sizeof input, "{\"authRequestId\":\"%s\"}", req_id);
  approval = call_ok(c, GRANTEX_OP_CONSENT_APPROVE, input);
  if (!approval) goto done;
  code = dup_str(approval, "code");
  snprintf(input, sizeof input, "{\"code\":\"%s\",\"agentId\":\"%s\"}", code, agent_id);
  tok = call_ok(c, GRANTEX_OP_TOKENS_EXCHANGE, input);
  if (tok) grant_id = dup_str(tok, "grantId");
done:
  grantex_response_free(auth);
  grantex_response_free(approval);
  grantex_response_free(tok);
  free(req_id);
  free(code);
  return grant_id;
}

static void test_bad_arguments(const grantex_client *client) {
  sink s;
  grantex_event_subscription *sub = NULL;
  uint64_t last = 0;
  sink_init(&s);
  CHECK_RC(grantex_events_subscribe(client, "{", on_event, &s, &sub), GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "not valid JSON") != NULL);
  CHECK_RC(grantex_events_subscribe(client, "[1]", on_event, &s, &sub), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_events_subscribe(client, "{\"typse\":[]}", on_event, &s, &sub),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "typse") != NULL);
  CHECK_RC(grantex_events_subscribe(client, "{\"types\":\"grant.created\"}", on_event, &s, &sub),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_events_subscribe(client, "{\"lastEventId\":-1}", on_event, &s, &sub),
           GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "lastEventId") != NULL);
  CHECK_RC(grantex_events_subscribe(client, "{\"types\":[\"\"]}", on_event, &s, &sub),
           GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_events_subscribe(client, NULL, NULL, &s, &sub), GRANTEX_INVALID_ARGUMENT);
  CHECK(strstr(last_message(), "on_event") != NULL);
  CHECK_RC(grantex_events_subscribe(NULL, NULL, on_event, &s, &sub), GRANTEX_INVALID_ARGUMENT);
  CHECK_RC(grantex_events_subscribe(client, NULL, on_event, &s, NULL), GRANTEX_INVALID_ARGUMENT);
  CHECK(sub == NULL);
  CHECK_RC(grantex_event_subscription_last_event_id(NULL, &last), GRANTEX_INVALID_ARGUMENT);
  grantex_event_subscription_free(NULL);
  CHECK(s.n == 0 && s.finals == 0);
  sink_destroy(&s);
}

/* A refused stream: one final call with `want` (and the HTTP status in the last error), no
 * event, then nothing. */
static void test_refused(const grantex_client *client, const char *options, grantex_result want,
                         uint16_t http) {
  sink s;
  grantex_event_subscription *sub = NULL;
  sink_init(&s);
  if (CHECK_OK(grantex_events_subscribe(client, options, on_event, &s, &sub))) {
    CHECK(wait_for(&s, 0, 10000));
    grantex_event_subscription_free(sub);
    CHECK(s.finals == 1);
    CHECK_RC(s.final_status, want);
    CHECK(s.final_http == http);
    CHECK(s.n == 0 && s.bad_calls == 0);
  }
  sink_destroy(&s);
}

void test_events_flow(const char *base_url) {
  grantex_client *client = NULL, *bad_client = NULL;
  grantex_event_subscription *sub = NULL, *resumed = NULL;
  char *out = NULL, *key = NULL, *agent_id = NULL, *grant_id = NULL, *later_agent = NULL;
  grantex_response *signup = NULL;
  sink s, r, self;
  int i, base = -1, n_before;
  uint64_t last = 0, seq_agent = 0, seq_grant = 0, seq_token = 0;
  char options[256], name[64];

  sink_init(&s);
  sink_init(&r);
  sink_init(&self);
  if (!CHECK_OK(grantex_call_unauthenticated(base_url, GRANTEX_OP_SIGNUP,
                                             "{\"name\":\"C events\",\"mode\":\"live\"}", &out)))
    goto done;
  CHECK_OK(grantex_response_from_json(out, &signup));
  grantex_string_free(out);
  out = NULL;
  if (!signup) goto done;
  key = dup_str(signup, "apiKey");
  if (!CHECK_OK(grantex_client_new(key, base_url, 10000, 0, &client))) goto done;

  test_bad_arguments(client);

  /* Events from now on, three types. */
  if (!CHECK_OK(grantex_events_subscribe(client, "{\"types\":" TYPES3 "}", on_event, &s, &sub)))
    goto done;
  CHECK_RC(grantex_event_subscription_last_event_id(sub, &last), GRANTEX_NOT_FOUND);
  /* The stream connects in the background: register warm-up agents until one is delivered
   * (from then on nothing committed is missed). */
  for (i = 0; i < 40 && base < 0; i++) {
    char *warm;
    snprintf(name, sizeof name, "c-events-warmup-%d", i);
    warm = register_agent(client, name);
    free(warm);
    if (wait_for(&s, 1, 250)) base = count(&s);
  }
  if (!CHECK(base > 0)) goto done;

  agent_id = register_agent(client, "c-events");
  if (!agent_id) goto done;
  grant_id = make_grant(client, agent_id);
  if (!CHECK(grant_id != NULL)) goto done;
  if (CHECK(wait_for(&s, base + 3, 10000))) {
    pthread_mutex_lock(&s.mu);
    CHECK_STR(s.type[base], "agent.created");
    CHECK_STR(s.subject[base], agent_id);
    CHECK_STR(s.type[base + 1], "grant.created");
    CHECK_STR(s.subject[base + 1], grant_id);
    CHECK_STR(s.type[base + 2], "token.issued");
    CHECK_STR(s.subject[base + 2], grant_id);
    for (i = 1; i < s.n; i++) CHECK(s.seq[i] > s.seq[i - 1]);
    seq_agent = s.seq[base];
    seq_grant = s.seq[base + 1];
    seq_token = s.seq[base + 2];
    pthread_mutex_unlock(&s.mu);
    if (CHECK_OK(grantex_event_subscription_last_event_id(sub, &last))) CHECK(last == seq_token);
  }
  CHECK(s.bad_calls == 0 && s.finals == 0);

  /* Free: no callback runs once it returned, even for events committed afterwards. */
  grantex_event_subscription_free(sub);
  sub = NULL;
  pthread_mutex_lock(&s.mu);
  s.freed = 1;
  n_before = s.n;
  pthread_mutex_unlock(&s.mu);
  later_agent = register_agent(client, "c-events-later");
  sleep_ms(500);
  pthread_mutex_lock(&s.mu);
  CHECK(s.after_free == 0);
  CHECK(s.n == n_before);
  pthread_mutex_unlock(&s.mu);
  if (!seq_agent) goto done;

  /* Resumed after agent.created: grant.created, token.issued, then the later agent; nothing
   * at or before the cursor. */
  snprintf(options, sizeof options, "{\"types\":" TYPES3 ",\"lastEventId\":%llu}",
           (unsigned long long)seq_agent);
  if (CHECK_OK(grantex_events_subscribe(client, options, on_event, &r, &resumed))) {
    if (CHECK_OK(grantex_event_subscription_last_event_id(resumed, &last)) && count(&r) == 0)
      CHECK(last == seq_agent);
    if (CHECK(wait_for(&r, 3, 10000))) {
      pthread_mutex_lock(&r.mu);
      CHECK_STR(r.type[0], "grant.created");
      CHECK(r.seq[0] == seq_grant);
      CHECK_STR(r.type[1], "token.issued");
      CHECK(r.seq[1] == seq_token);
      CHECK_STR(r.type[2], "agent.created");
      CHECK_STR(r.subject[2], later_agent);
      for (i = 0; i < r.n; i++) CHECK(r.seq[i] > seq_agent);
      pthread_mutex_unlock(&r.mu);
    }
    grantex_event_subscription_free(resumed);
    resumed = NULL;
    CHECK(r.bad_calls == 0 && r.finals == 0);
  }

  /* Freed from inside its own callback: no deadlock, and no call after that one although
   * more events are waiting. The main thread holds the lock while subscribing so the callback
   * sees `sub` written. */
  self.self_free = 1;
  snprintf(options, sizeof options, "{\"lastEventId\":%llu}", (unsigned long long)seq_agent);
  pthread_mutex_lock(&self.mu);
  if (CHECK_OK(grantex_events_subscribe(client, options, on_event, &self, &self.sub))) {
    pthread_mutex_unlock(&self.mu);
    CHECK(wait_for(&self, 1, 10000));
    sleep_ms(500);
    pthread_mutex_lock(&self.mu);
    CHECK(self.n == 1);
    CHECK(self.self_freed == 1);
    CHECK(self.sub == NULL);
    CHECK(self.finals == 0 && self.bad_calls == 0);
    if (self.sub) {
      /* The callback never ran: free it from here (not under the lock it takes). */
      grantex_event_subscription *left = self.sub;
      self.sub = NULL;
      pthread_mutex_unlock(&self.mu);
      grantex_event_subscription_free(left);
      pthread_mutex_lock(&self.mu);
    }
  }
  pthread_mutex_unlock(&self.mu);

  /* Refusals: an unknown event type (400), a bad API key (401). */
  test_refused(client, "{\"types\":[\"no.such.event\"]}", GRANTEX_API, 400);
  if (CHECK_OK(grantex_client_new("gx_live_not_a_key", base_url, 10000, 0, &bad_client)))
    test_refused(bad_client, NULL, GRANTEX_AUTH, 401);

done:
  grantex_event_subscription_free(sub);
  grantex_event_subscription_free(resumed);
  grantex_client_free(bad_client);
  grantex_client_free(client);
  grantex_response_free(signup);
  free(key);
  free(agent_id);
  free(grant_id);
  free(later_agent);
  /* The self-freeing subscription's thread ends once its callback returned: give it a moment
   * before its sink goes away. */
  sleep_ms(100);
  sink_destroy(&s);
  sink_destroy(&r);
  sink_destroy(&self);
}
