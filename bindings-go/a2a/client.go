package a2a

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"time"
	"unsafe"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// ClientOptions is what a Client checks its own grant token against before sending it, beyond
// what the remote agent's card says. The zero value takes everything from the card.
type ClientOptions struct {
	// Card is the remote agent's card, when already known (else it is fetched once from
	// <agent URL>/.well-known/agent.json).
	Card *AgentCard
	// JwksURI pins the issuer's key set (default: the card's jwksUri). Set at most one of
	// JwksURI and JWKS.
	JwksURI string
	// JWKS pins the issuer's key set to a document ({"keys":[...]}), never fetched.
	JWKS []byte
	// Issuer is the expected iss (default: the card's issuer; when both name one they must
	// agree).
	Issuer string
	// Audience, when set, must be in the token's aud (when the remote agent is known to check
	// one).
	Audience string
	// RequiredScopes must be held on top of the card's requiredScopes.
	RequiredScopes []string
	// ClockTolerance is the leeway for exp, nbf and iat (whole seconds, at most an hour).
	ClockTolerance time.Duration
	// Timeout bounds each request to the agent (default 30 s, at most a day).
	Timeout time.Duration
}

// Client calls one remote A2A agent with one grant token: JSON-RPC 2.0 over HTTP with
// "Authorization: Bearer <token>". Before every call the core checks the token offline — the
// RS256 signature against the issuer's key set, expiry, the card's required scopes and
// delegation rule, and the options — so a token the agent would refuse is never sent (an
// *Error with Code "a2a_preflight"). It never follows redirects.
//
// A Client is safe for concurrent use. Close frees it (a finalizer does otherwise). A call
// whose context ends returns ctx.Err() at once; the request itself still runs to its end
// (within Timeout) on its own goroutine and its result is dropped.
type Client struct {
	mu       sync.Mutex
	ptr      *C.grantex_a2a_client
	inflight int
	closed   bool
	agentURL string
}

// NewClient makes a client for the agent whose JSON-RPC endpoint is agentURL (http or https),
// calling with grantToken. Nothing is sent here. A bad URL, an empty token or bad options are
// an error (*grantex.Error, Code "invalid_argument" or "config_error"; an unusable JWKS is a
// *grantex.TokenError; a card that does not parse is an *Error with Code "a2a_card_error").
func NewClient(agentURL, grantToken string, opts ClientOptions) (*Client, error) {
	var card []byte
	if opts.Card != nil {
		var err error
		if card, err = json.Marshal(opts.Card); err != nil {
			return nil, &grantex.Error{Code: "invalid_argument", Message: "the card does not encode: " + err.Error()}
		}
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var o *C.grantex_a2a_client_options
	if rc := C.grantex_a2a_client_options_new(&o); rc != 0 {
		return nil, readFailure(rc)
	}
	defer C.grantex_a2a_client_options_free(o)
	str := func(set func(*C.char) C.grantex_result, v string) C.grantex_result {
		if v == "" {
			return 0
		}
		cs := C.CString(v)
		defer C.free(unsafe.Pointer(cs))
		return set(cs)
	}
	steps := []func() C.grantex_result{
		func() C.grantex_result {
			return str(func(s *C.char) C.grantex_result { return C.grantex_a2a_client_options_set_card(o, s) }, string(card))
		},
		func() C.grantex_result {
			return str(func(s *C.char) C.grantex_result { return C.grantex_a2a_client_options_set_jwks_uri(o, s) }, opts.JwksURI)
		},
		func() C.grantex_result {
			if opts.JWKS == nil {
				return 0
			}
			cs := C.CString(string(opts.JWKS))
			defer C.free(unsafe.Pointer(cs))
			return C.grantex_a2a_client_options_set_jwks_json(o, cs)
		},
		func() C.grantex_result {
			return str(func(s *C.char) C.grantex_result { return C.grantex_a2a_client_options_set_issuer(o, s) }, opts.Issuer)
		},
		func() C.grantex_result {
			return str(func(s *C.char) C.grantex_result { return C.grantex_a2a_client_options_set_audience(o, s) }, opts.Audience)
		},
		func() C.grantex_result {
			for _, sc := range opts.RequiredScopes {
				cs := C.CString(sc)
				rc := C.grantex_a2a_client_options_add_required_scope(o, cs)
				C.free(unsafe.Pointer(cs))
				if rc != 0 {
					return rc
				}
			}
			return 0
		},
		func() C.grantex_result {
			if opts.ClockTolerance <= 0 {
				return 0
			}
			return C.grantex_a2a_client_options_set_clock_tolerance(o, C.uint64_t(opts.ClockTolerance/time.Second))
		},
	}
	for _, step := range steps {
		if rc := step(); rc != 0 {
			return nil, readFailure(rc)
		}
	}
	var timeoutMs C.uint64_t // GRANTEX_DEFAULT_TIMEOUT
	if opts.Timeout > 0 {
		timeoutMs = C.uint64_t(opts.Timeout.Milliseconds())
		if timeoutMs == 0 {
			timeoutMs = 1
		}
	}
	curl := C.CString(agentURL)
	defer C.free(unsafe.Pointer(curl))
	ctok := C.CString(grantToken)
	defer C.free(unsafe.Pointer(ctok))
	var ptr *C.grantex_a2a_client
	if rc := C.grantex_a2a_client_new_with_options(curl, ctok, timeoutMs, o, &ptr); rc != 0 {
		return nil, readFailure(rc)
	}
	c := &Client{ptr: ptr, agentURL: agentURL}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// AgentURL is the URL the client was made for.
func (c *Client) AgentURL() string { return c.agentURL }

// Close frees the client once no call runs on it; later calls return grantex.ErrClosed. Close
// is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		if c.inflight == 0 && c.ptr != nil {
			C.grantex_a2a_client_free(c.ptr)
			c.ptr = nil
		}
	}
	return nil
}

func (c *Client) acquire() (*C.grantex_a2a_client, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.ptr == nil {
		return nil, false
	}
	c.inflight++
	return c.ptr, true
}

func (c *Client) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight--
	if c.closed && c.inflight == 0 && c.ptr != nil {
		C.grantex_a2a_client_free(c.ptr)
		c.ptr = nil
	}
}

// result is one C call's JSON text or error.
type result struct {
	json string
	err  error
}

// run makes one blocking C call on its own goroutine (locked to its thread, so the last error
// read after a failure is the call's) and waits for it or for ctx.
func (c *Client) run(ctx context.Context, call func(*C.grantex_a2a_client) result) result {
	if err := ctx.Err(); err != nil {
		return result{err: err}
	}
	ptr, ok := c.acquire()
	if !ok {
		return result{err: grantex.ErrClosed}
	}
	done := make(chan result, 1)
	go func() {
		defer c.release()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		done <- call(ptr)
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
		return result{err: ctx.Err()}
	}
}

// responseJSON takes the JSON text of a response the call returned (rc), freeing it.
func responseJSON(rc C.grantex_result, resp *C.grantex_response) result {
	if rc != 0 {
		return result{err: readFailure(rc)}
	}
	defer C.grantex_response_free(resp)
	var s *C.char
	if rc := C.grantex_response_json(resp, &s); rc != 0 {
		return result{err: readFailure(rc)}
	}
	return result{json: C.GoString(s)}
}

// withParams runs call with a params bag holding the JSON object of in (nil: no bag).
func withParams(in any, call func(*C.grantex_params) result) result {
	if in == nil {
		return call(nil)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		return result{err: &grantex.Error{Code: "invalid_argument", Message: "the params do not encode: " + err.Error()}}
	}
	cs := C.CString(buf.String())
	defer C.free(unsafe.Pointer(cs))
	var p *C.grantex_params
	if rc := C.grantex_params_from_json(cs, &p); rc != 0 {
		return result{err: readFailure(rc)}
	}
	defer C.grantex_params_free(p)
	return call(p)
}

func decode[T any](r result) (*T, error) {
	if r.err != nil {
		return nil, r.err
	}
	var out T
	if err := json.Unmarshal([]byte(r.json), &out); err != nil {
		return nil, &grantex.NetworkError{Message: "cannot decode the result", Cause: err}
	}
	return &out, nil
}

// Card is the remote agent's card: the one given in the options, else fetched once and kept.
// Failures: an *Error with Code "a2a_card_error" (no card there, not a card, over 1 MiB), a
// *grantex.NetworkError.
func (c *Client) Card(ctx context.Context) (*AgentCard, error) {
	return decode[AgentCard](c.run(ctx, func(ptr *C.grantex_a2a_client) result {
		var resp *C.grantex_response
		return responseJSON(C.grantex_a2a_client_card(ptr, &resp), resp)
	}))
}

// Preflight runs the offline check every call makes first, on its own: the verified grant, or
// an *Error with Code "a2a_preflight" whose Reason is the token error code ("expired",
// "missing_scopes", "bad_signature", ...; errors.As also finds it as a *grantex.TokenError).
func (c *Client) Preflight(ctx context.Context) (*grantex.VerifiedGrant, error) {
	return decode[grantex.VerifiedGrant](c.run(ctx, func(ptr *C.grantex_a2a_client) result {
		var g *C.grantex_verified_grant
		if rc := C.grantex_a2a_client_preflight(ptr, &g); rc != 0 {
			return result{err: readFailure(rc)}
		}
		defer C.grantex_verified_grant_free(g)
		var js *C.char
		if rc := C.grantex_verified_grant_json(g, &js); rc != 0 {
			return result{err: readFailure(rc)}
		}
		defer C.grantex_string_free(js)
		return result{json: C.GoString(js)}
	}))
}

// SendTask is tasks/send: creates a task (params.ID empty) or continues one with a message.
//
// Failures: *Error with Code "a2a_preflight" (nothing sent), "a2a_rpc_error" (the agent
// refused: Status, Reason and RPC), "a2a_http_error", "a2a_card_error" or
// "a2a_protocol_error"; *grantex.NetworkError (unreachable, or Timeout); *grantex.Error with
// Code "invalid_argument" for params the core refuses (nothing sent).
func (c *Client) SendTask(ctx context.Context, params TaskSendParams) (*Task, error) {
	return decode[Task](c.run(ctx, func(ptr *C.grantex_a2a_client) result {
		return withParams(params, func(p *C.grantex_params) result {
			var resp *C.grantex_response
			return responseJSON(C.grantex_a2a_client_send_task(ptr, p, &resp), resp)
		})
	}))
}

// SendText is SendTask with one user text message, creating a task.
func (c *Client) SendText(ctx context.Context, text string) (*Task, error) {
	return c.SendTask(ctx, TaskSendParams{Message: UserText(text)})
}

// GetTask is tasks/get. Failures as SendTask.
func (c *Client) GetTask(ctx context.Context, params TaskGetParams) (*Task, error) {
	return decode[Task](c.run(ctx, func(ptr *C.grantex_a2a_client) result {
		return withParams(params, func(p *C.grantex_params) result {
			var resp *C.grantex_response
			return responseJSON(C.grantex_a2a_client_get_task(ptr, p, &resp), resp)
		})
	}))
}

// CancelTask is tasks/cancel. Failures as SendTask.
func (c *Client) CancelTask(ctx context.Context, params TaskCancelParams) (*Task, error) {
	return decode[Task](c.run(ctx, func(ptr *C.grantex_a2a_client) result {
		return withParams(params, func(p *C.grantex_params) result {
			var resp *C.grantex_response
			return responseJSON(C.grantex_a2a_client_cancel_task(ptr, p, &resp), resp)
		})
	}))
}

// Call runs any JSON-RPC method (after the preflight): params is encoded to a JSON object (a
// struct or a map; nil sends {}), and the result is decoded into out (a pointer; nil discards
// it). Failures as SendTask.
func (c *Client) Call(ctx context.Context, method string, params any, out any) error {
	r := c.run(ctx, func(ptr *C.grantex_a2a_client) result {
		return withParams(params, func(p *C.grantex_params) result {
			cm := C.CString(method)
			defer C.free(unsafe.Pointer(cm))
			var resp *C.grantex_response
			return responseJSON(C.grantex_a2a_client_call(ptr, cm, p, &resp), resp)
		})
	})
	if r.err != nil {
		return r.err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal([]byte(r.json), out); err != nil {
		return &grantex.NetworkError{Message: "cannot decode the result", Cause: err}
	}
	return nil
}
