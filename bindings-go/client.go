package grantex

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"sync"
	"time"
	"unsafe"
)

// DefaultBaseURL is the hosted Grantex API, used when neither WithBaseURL nor the environment
// variable GRANTEX_BASE_URL names another.
const DefaultBaseURL = "https://api.grantex.dev"

type clientConfig struct {
	baseURL       string
	timeout       time.Duration
	timeoutSet    bool
	httpClient    *http.Client
	maxRetries    int
	maxRetriesSet bool
}

// Option configures a Client (and Signup).
type Option func(*clientConfig)

// WithBaseURL sets the API base URL (an http or https URL). Without it the client reads
// GRANTEX_BASE_URL, else uses DefaultBaseURL.
func WithBaseURL(url string) Option {
	return func(c *clientConfig) { c.baseURL = url }
}

// WithTimeout sets the timeout of each request attempt (default 30 s; at most one day). Zero
// means the default. A context deadline also bounds every call.
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) { c.timeout = d; c.timeoutSet = true }
}

// WithHTTPClient is accepted for compatibility with the reference SDK, with limited effect:
// requests are made by the Grantex core (through libgrantex, with its own connection pool, TLS
// and retry policy), not by net/http. Only the client's Timeout is used, as the per-attempt
// timeout when WithTimeout is not given; its Transport (proxies, custom TLS, instrumentation),
// Jar and CheckRedirect are ignored.
func WithHTTPClient(client *http.Client) Option {
	return func(c *clientConfig) { c.httpClient = client }
}

// WithMaxRetries sets how many times a transient failure (HTTP 429, 502, 503, 504, a
// connection error or a timeout) is retried: 0 to 100, default 3. Operations that must not be
// repeated (signup, key rotation) are never retried.
func WithMaxRetries(n int) Option {
	return func(c *clientConfig) { c.maxRetries = n; c.maxRetriesSet = true }
}

// cClient owns one grantex_client handle. Calls hold a reference while the C call runs (also
// after the Go caller gave up on it); the handle is freed once it is closed and no call runs.
type cClient struct {
	mu       sync.Mutex
	ptr      *C.grantex_client
	inflight int
	closed   bool
}

func (h *cClient) acquire() (*C.grantex_client, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || h.ptr == nil {
		return nil, false
	}
	h.inflight++
	return h.ptr, true
}

func (h *cClient) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inflight--
	if h.closed && h.inflight == 0 {
		h.freeLocked()
	}
}

func (h *cClient) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	if h.inflight == 0 {
		h.freeLocked()
	}
}

func (h *cClient) freeLocked() {
	if h.ptr != nil {
		C.grantex_client_free(h.ptr)
		h.ptr = nil
	}
}

// Client is a Grantex API client. It is safe for concurrent use by any number of goroutines;
// create one per API key and share it. Close it when done (a finalizer frees it otherwise).
type Client struct {
	// Agents registers and manages agents.
	Agents *AgentsService
	// Tokens exchanges, refreshes, verifies (online) and revokes grant tokens.
	Tokens *TokensService
	// Grants reads, lists, revokes and delegates grants.
	Grants *GrantsService
	// Audit writes and reads the hash-chained audit log.
	Audit *AuditService
	// PrincipalSessions creates dashboard sessions for principals.
	PrincipalSessions *PrincipalSessionsService
	// Consent reads, approves and denies authorization requests (what the consent page
	// calls; not in the reference Go SDK).
	Consent *ConsentService

	// The services of the catalog's other namespaces (generated, methods_gen.go).
	generatedNamespaces

	h       *cClient
	initErr error
	baseURL string
}

// NewClient creates a client for apiKey ("" reads GRANTEX_API_KEY). As in the reference SDK it
// returns no error: a configuration problem (no API key, a bad base URL, an out-of-range
// timeout or retry count) is returned by every call instead, as an *Error.
func NewClient(apiKey string, opts ...Option) *Client {
	cfg := &clientConfig{}
	for _, opt := range opts {
		opt(cfg)
	}
	c := &Client{h: &cClient{}}
	c.Agents = &AgentsService{c: c}
	c.Tokens = &TokensService{c: c}
	c.Grants = &GrantsService{c: c}
	c.Audit = &AuditService{c: c}
	c.PrincipalSessions = &PrincipalSessionsService{c: c}
	c.Consent = &ConsentService{c: c}
	c.generatedNamespaces.init(c)

	timeout := cfg.timeout
	if !cfg.timeoutSet && cfg.httpClient != nil {
		timeout = cfg.httpClient.Timeout
	}
	var timeoutMs C.uint64_t // GRANTEX_DEFAULT_TIMEOUT
	if timeout > 0 {
		timeoutMs = C.uint64_t(timeout.Milliseconds())
		if timeoutMs == 0 {
			timeoutMs = 1
		}
	}
	retries := C.int32_t(-1) // GRANTEX_DEFAULT_RETRIES
	if cfg.maxRetriesSet {
		retries = C.int32_t(cfg.maxRetries)
		if cfg.maxRetries < -1 || cfg.maxRetries > 1<<20 {
			retries = C.int32_t(1 << 20) // out of range: let the core refuse it
		}
	}
	c.initErr = lockedCall(func() error {
		key := cString(apiKey, true)
		defer C.free(unsafe.Pointer(key))
		base := cString(cfg.baseURL, true)
		defer C.free(unsafe.Pointer(base))
		var ptr *C.grantex_client
		if rc := C.grantex_client_new(key, base, timeoutMs, retries, &ptr); rc != resultOK {
			return readLastError(rc).toError()
		}
		c.h.ptr = ptr
		var b *C.char
		if C.grantex_client_base_url(ptr, &b) == resultOK {
			c.baseURL = C.GoString(b)
		}
		return nil
	})
	runtime.SetFinalizer(c.h, (*cClient).close)
	return c
}

// Close frees the client. Calls still running finish first (the handle is freed when the last
// one returns); later calls return ErrClosed. Close is idempotent.
func (c *Client) Close() error {
	c.h.close()
	return nil
}

// BaseURL is the normalised base URL the client talks to ("" when the client failed to build).
func (c *Client) BaseURL() string { return c.baseURL }

// JwksURI is the server's key set, <base URL>/.well-known/jwks.json: what VerifyOptions.JwksURI
// takes to verify this server's grant tokens.
func (c *Client) JwksURI() string {
	if c.baseURL == "" {
		return ""
	}
	return c.baseURL + "/.well-known/jwks.json"
}

// LastRateLimit returns the rate-limit metadata of the client's most recent response (a
// successful or a failed one; with several goroutines on one client, whichever answered last),
// or nil when no response came yet or it carried no X-RateLimit-* headers (the JWKS route has
// none). The value is a copy.
func (c *Client) LastRateLimit() *RateLimit {
	ptr, ok := c.h.acquire()
	if !ok {
		return nil
	}
	defer c.h.release()
	var rl C.grantex_rate_limit
	if C.grantex_client_last_rate_limit(ptr, &rl) != resultOK {
		return nil
	}
	return rateLimitFromC(&rl)
}

// Call runs any operation of the core's catalog by name (an Op constant, e.g. OpAgentsGet):
// in is encoded to the JSON object of its members (nil means none) and the result is decoded
// into out (a pointer; nil discards it). The core checks the members before anything is sent.
func (c *Client) Call(ctx context.Context, op string, in any, out any) error {
	return c.call(ctx, op, in, out)
}

// CallUnauthenticated runs an operation that needs no API key (OpSignup) against the base URL
// of the options (else GRANTEX_BASE_URL, else DefaultBaseURL).
func CallUnauthenticated(ctx context.Context, op string, in any, out any, opts ...Option) error {
	cfg := &clientConfig{}
	for _, opt := range opts {
		opt(cfg)
	}
	js, err := encodeInput(in)
	if err != nil {
		return err
	}
	return finish(runAsync(ctx, func() callOutcome { return rawCall(nil, cfg.baseURL, op, js) }), out)
}

func (c *Client) call(ctx context.Context, op string, in any, out any) error {
	if c.initErr != nil {
		return c.initErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	js, err := encodeInput(in)
	if err != nil {
		return err
	}
	ptr, ok := c.h.acquire()
	if !ok {
		return ErrClosed
	}
	h := c.h
	return finish(runAsync(ctx, func() callOutcome {
		defer h.release()
		return rawCall(ptr, "", op, js)
	}), out)
}

// asyncResult is the outcome of runAsync: the call's, or the context's error.
type asyncResult struct {
	outcome callOutcome
	ctxErr  error
}

// runAsync runs f (a blocking C call) on its own goroutine and waits for it or for ctx. When
// ctx ends first it returns ctx.Err() at once; f still runs to its end, and its result (already
// copied into Go memory, the C strings freed) is dropped.
func runAsync(ctx context.Context, f func() callOutcome) asyncResult {
	if err := ctx.Err(); err != nil {
		return asyncResult{ctxErr: err}
	}
	done := make(chan callOutcome, 1)
	go func() { done <- f() }()
	select {
	case o := <-done:
		return asyncResult{outcome: o}
	case <-ctx.Done():
		return asyncResult{ctxErr: ctx.Err()}
	}
}

func finish(r asyncResult, out any) error {
	if r.ctxErr != nil {
		return r.ctxErr
	}
	if r.outcome.failure != nil {
		return r.outcome.failure.toError()
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(r.outcome.json), out); err != nil {
		return &NetworkError{Message: "cannot decode the result", Cause: err}
	}
	return nil
}

// encodeInput is the JSON object text of in ("" for nil; raw JSON is passed as is).
func encodeInput(in any) (string, error) {
	switch v := in.(type) {
	case nil:
		return "", nil
	case json.RawMessage:
		return string(v), nil
	case []byte:
		return string(v), nil
	case string:
		return v, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		return "", &Error{Code: "invalid_argument", Message: "cannot encode the input: " + err.Error()}
	}
	return buf.String(), nil
}

// Signup creates a developer account; it needs no API key. Options: WithBaseURL (else
// GRANTEX_BASE_URL, else DefaultBaseURL); the others do not apply to it.
func Signup(ctx context.Context, params SignupParams, opts ...Option) (*SignupResponse, error) {
	var out SignupResponse
	if err := CallUnauthenticated(ctx, OpSignup, params, &out, opts...); err != nil {
		return nil, err
	}
	return &out, nil
}

// Authorize starts an authorization request for a principal to grant scopes to an agent. With
// a sandbox key the answer carries Code at once; in live mode the principal's consent yields it.
func (c *Client) Authorize(ctx context.Context, params AuthorizeParams) (*AuthorizationRequest, error) {
	return callFor[AuthorizationRequest](ctx, c, OpAuthorize, params)
}

// RotateKey replaces the API key. The old key stops working at once: create a new Client with
// the returned key. Never retried.
func (c *Client) RotateKey(ctx context.Context) (*RotateKeyResponse, error) {
	return callFor[RotateKeyResponse](ctx, c, OpRotateKey, nil)
}

// Me returns the calling developer account (not in the reference Go SDK).
func (c *Client) Me(ctx context.Context) (*DeveloperAccount, error) {
	return callFor[DeveloperAccount](ctx, c, OpMe, nil)
}

// callFor runs op and decodes its result into a new T.
func callFor[T any](ctx context.Context, c *Client, op string, in any) (*T, error) {
	var out T
	if err := c.call(ctx, op, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
