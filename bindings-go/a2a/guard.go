// Package a2a is the Grantex A2A bridge for Go: Grantex grant tokens inside Google A2A
// agent-to-agent (JSON-RPC 2.0) calls, enforced on both ends.
//
// The calling side is Client: it sends tasks/send, tasks/get, tasks/cancel (or any method) to
// one remote agent with "Authorization: Bearer <grant token>", after checking the token offline
// against the agent's card (signature against the issuer's keys, expiry, required scopes,
// delegation rule), so a token the agent would refuse is never sent.
//
// The receiving side is Guard: it checks the grant token of each incoming request against a
// Policy and says what to answer when it refuses, and Guard.Middleware does that for an
// http.Handler. The rules are the core's (through libgrantex), identical in every Grantex SDK.
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
	"errors"
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"
	"unsafe"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// Policy is what a Guard enforces. Exactly one of JwksURI and JWKS is set.
type Policy struct {
	// JwksURI is the issuer's key set (shared process-wide per URI; the issuer is derived from
	// it unless Issuer names one).
	JwksURI string
	// JWKS is a static key set document (fully offline; needs Issuer).
	JWKS []byte
	// Issuer is the expected iss.
	Issuer string
	// Audience, when set, must be in the token's aud (delegated tokens carry none, so an
	// audience refuses them).
	Audience string
	// ExpectedDeveloper pins the developer the grants must be issued for.
	ExpectedDeveloper string
	// AllowSandbox accepts sandbox tokens; nil: as GRANTEX_ALLOW_SANDBOX_TOKENS=1 says.
	AllowSandbox *bool
	// RequiredScopes are required of every method without its own list (default: none).
	RequiredScopes []string
	// MethodScopes replaces RequiredScopes for a JSON-RPC method ("tasks/cancel"); an empty
	// list requires nothing.
	MethodScopes map[string][]string
	// AllowDelegation accepts delegated tokens (default: refused, 403 delegation_not_allowed).
	AllowDelegation bool
	// MaxDelegationDepth limits delegated tokens' hops when AllowDelegation; negative: no limit.
	MaxDelegationDepth int
	// ClockTolerance is the leeway for exp, nbf and iat (whole seconds).
	ClockTolerance time.Duration
	// Revocation, when set, asks the Grantex server whether each grant is still active (cached
	// for CacheTTL, at most 5 minutes); without it, revocation is not checked (offline).
	Revocation *OnlineRevocation
}

// OnlineRevocation configures the online revocation check of a Policy.
type OnlineRevocation struct {
	// BaseURL is the Grantex API.
	BaseURL string
	// APIKey authenticates the check.
	APIKey string
	// CacheTTL is how long an answer is reused (0 to 300 s).
	CacheTTL time.Duration
}

// Rejection is what to answer a refused request with.
type Rejection struct {
	// Status is 401 (no usable or valid token), 403 (valid but not allowed) or 503 (could not
	// check: fails closed).
	Status int
	// Reason is stable: "missing_token", "invalid_authorization_header",
	// "delegation_not_allowed", "revocation_unavailable", "verifier_unavailable", or the token
	// error ("expired", "missing_scopes", "revoked", ...).
	Reason string
	// Message describes it.
	Message string
	// RPCCode is the JSON-RPC error code (-32001, -32003, -32005).
	RPCCode int
	// WWWAuthenticate is the header value for a 401 or 403 ("" for a 503).
	WWWAuthenticate string
	// Body is the whole JSON-RPC error response for the request.
	Body []byte
}

// Guard checks requests against a Policy. Safe for concurrent use; Close frees it.
type Guard struct {
	mu       sync.Mutex
	ptr      *C.grantex_a2a_guard
	inflight int
	closed   bool
}

// lastError is the calling thread's last error as a *grantex.Error (the thread is locked).
func lastError(rc C.grantex_result) error {
	var s *C.char
	msg := ""
	if C.grantex_last_error_string(&s) == 0 && s != nil {
		msg = C.GoString(s)
		C.grantex_string_free(s)
	}
	return &grantex.Error{Code: C.GoString(C.grantex_result_name(C.uint32_t(rc))), Message: msg}
}

// NewGuard validates p and makes a guard for it.
func NewGuard(p Policy) (*Guard, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var pol *C.grantex_a2a_policy
	var rc C.grantex_result
	switch {
	case p.JwksURI != "" && p.JWKS == nil:
		cs := C.CString(p.JwksURI)
		rc = C.grantex_a2a_policy_new_remote(cs, &pol)
		C.free(unsafe.Pointer(cs))
	case p.JwksURI == "" && p.JWKS != nil:
		cs := C.CString(string(p.JWKS))
		rc = C.grantex_a2a_policy_new_from_json(cs, &pol)
		C.free(unsafe.Pointer(cs))
	default:
		return nil, &grantex.Error{Code: "config_error", Message: "a2a.Policy: set exactly one of JwksURI and JWKS"}
	}
	if rc != 0 {
		return nil, lastError(rc)
	}
	defer C.grantex_a2a_policy_free(pol)
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
			return str(func(s *C.char) C.grantex_result { return C.grantex_a2a_policy_set_issuer(pol, s) }, p.Issuer)
		},
		func() C.grantex_result {
			return str(func(s *C.char) C.grantex_result { return C.grantex_a2a_policy_set_audience(pol, s) }, p.Audience)
		},
		func() C.grantex_result {
			return str(func(s *C.char) C.grantex_result {
				return C.grantex_a2a_policy_set_expected_developer(pol, s)
			}, p.ExpectedDeveloper)
		},
		func() C.grantex_result {
			if p.AllowSandbox == nil {
				return 0
			}
			allow := C.int32_t(0)
			if *p.AllowSandbox {
				allow = 1
			}
			return C.grantex_a2a_policy_set_allow_sandbox(pol, allow)
		},
		func() C.grantex_result {
			for _, sc := range p.RequiredScopes {
				if rc := str(func(s *C.char) C.grantex_result { return C.grantex_a2a_policy_add_required_scope(pol, s) }, sc); rc != 0 {
					return rc
				}
			}
			return 0
		},
		func() C.grantex_result {
			for method, scopes := range p.MethodScopes {
				cm := C.CString(method)
				arr := make([]*C.char, len(scopes)+1) // never empty: &arr[0] is valid
				for i, sc := range scopes {
					arr[i] = C.CString(sc)
				}
				var pin runtime.Pinner
				pin.Pin(&arr[0])
				rc := C.grantex_a2a_policy_set_method_scopes(pol, cm, &arr[0], C.size_t(len(scopes)))
				pin.Unpin()
				for _, p := range arr {
					C.free(unsafe.Pointer(p))
				}
				C.free(unsafe.Pointer(cm))
				if rc != 0 {
					return rc
				}
			}
			return 0
		},
		func() C.grantex_result {
			if !p.AllowDelegation {
				return 0
			}
			return C.grantex_a2a_policy_set_delegation(pol, true, C.int64_t(p.MaxDelegationDepth))
		},
		func() C.grantex_result {
			if p.ClockTolerance <= 0 {
				return 0
			}
			return C.grantex_a2a_policy_set_clock_tolerance(pol, C.uint64_t(p.ClockTolerance/time.Second))
		},
		func() C.grantex_result {
			if p.Revocation == nil {
				return 0
			}
			cb := C.CString(p.Revocation.BaseURL)
			defer C.free(unsafe.Pointer(cb))
			ck := C.CString(p.Revocation.APIKey)
			defer C.free(unsafe.Pointer(ck))
			return C.grantex_a2a_policy_set_revocation_online(pol, cb, ck, C.uint64_t(p.Revocation.CacheTTL/time.Second))
		},
	}
	for _, step := range steps {
		if rc := step(); rc != 0 {
			return nil, lastError(rc)
		}
	}
	g := &Guard{}
	var ptr *C.grantex_a2a_guard
	if rc := C.grantex_a2a_guard_new(pol, &ptr); rc != 0 {
		return nil, lastError(rc)
	}
	g.ptr = ptr
	runtime.SetFinalizer(g, (*Guard).Close)
	return g, nil
}

// Close frees the guard once no check runs on it; later checks return grantex.ErrClosed.
func (g *Guard) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed {
		g.closed = true
		if g.inflight == 0 && g.ptr != nil {
			C.grantex_a2a_guard_free(g.ptr)
			g.ptr = nil
		}
	}
	return nil
}

func (g *Guard) acquire() (*C.grantex_a2a_guard, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.ptr == nil {
		return nil, false
	}
	g.inflight++
	return g.ptr, true
}

func (g *Guard) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	if g.closed && g.inflight == 0 && g.ptr != nil {
		C.grantex_a2a_guard_free(g.ptr)
		g.ptr = nil
	}
}

type checkOutcome struct {
	grant     *grantex.VerifiedGrant
	rejection *Rejection
	err       error
}

// Check checks one request: authorization is its Authorization header ("" when absent), method
// its JSON-RPC method ("" when unknown: the default scopes apply) and idJSON its JSON-RPC id as
// JSON text ("" for null), for the rejection's body. It returns the verified grant, or the
// Rejection to answer with; err is for a cancelled ctx or a bad call. It may fetch the key set
// or ask the server about revocation, and returns ctx.Err() as soon as ctx ends.
func (g *Guard) Check(ctx context.Context, authorization, method, idJSON string) (*grantex.VerifiedGrant, *Rejection, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	ptr, ok := g.acquire()
	if !ok {
		return nil, nil, grantex.ErrClosed
	}
	done := make(chan checkOutcome, 1)
	go func() {
		defer g.release()
		done <- check(ptr, authorization, method, idJSON)
	}()
	select {
	case o := <-done:
		return o.grant, o.rejection, o.err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

func check(ptr *C.grantex_a2a_guard, authorization, method, idJSON string) checkOutcome {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cauth, cmethod, cid *C.char
	if authorization != "" {
		cauth = C.CString(authorization)
		defer C.free(unsafe.Pointer(cauth))
	}
	if method != "" {
		cmethod = C.CString(method)
		defer C.free(unsafe.Pointer(cmethod))
	}
	if idJSON != "" {
		cid = C.CString(idJSON)
		defer C.free(unsafe.Pointer(cid))
	}
	var grant *C.grantex_verified_grant
	var rej *C.grantex_a2a_rejection
	rc := C.grantex_a2a_guard_check(ptr, cauth, cmethod, &grant, &rej)
	switch rc {
	case 0:
		defer C.grantex_verified_grant_free(grant)
		var js *C.char
		if rc := C.grantex_verified_grant_json(grant, &js); rc != 0 {
			return checkOutcome{err: lastError(rc)}
		}
		text := C.GoString(js)
		C.grantex_string_free(js)
		var out grantex.VerifiedGrant
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			return checkOutcome{err: err}
		}
		return checkOutcome{grant: &out}
	case C.GRANTEX_A2A_REJECTED:
		defer C.grantex_a2a_rejection_free(rej)
		r := &Rejection{}
		var status C.uint16_t
		if C.grantex_a2a_rejection_status(rej, &status) == 0 {
			r.Status = int(status)
		}
		var s *C.char
		if C.grantex_a2a_rejection_reason(rej, &s) == 0 {
			r.Reason = C.GoString(s)
		}
		if C.grantex_a2a_rejection_message(rej, &s) == 0 {
			r.Message = C.GoString(s)
		}
		var code C.int64_t
		if C.grantex_a2a_rejection_rpc_code(rej, &code) == 0 {
			r.RPCCode = int(code)
		}
		if C.grantex_a2a_rejection_www_authenticate(rej, &s) == 0 {
			r.WWWAuthenticate = C.GoString(s)
		}
		var body *C.char
		if C.grantex_a2a_rejection_body(rej, cid, &body) == 0 {
			r.Body = []byte(C.GoString(body))
			C.grantex_string_free(body)
		}
		return checkOutcome{rejection: r}
	default:
		return checkOutcome{err: lastError(rc)}
	}
}

// PeekRequest reads the JSON-RPC method and id (as JSON text) of a request body; "" when
// absent or when the body is not JSON.
func PeekRequest(body []byte) (method, idJSON string) {
	var cm, cid *C.char
	var p *C.uint8_t
	if len(body) > 0 {
		p = (*C.uint8_t)(C.CBytes(body))
		defer C.free(unsafe.Pointer(p))
	}
	if C.grantex_a2a_peek_request(p, C.size_t(len(body)), &cm, &cid) != 0 {
		return "", ""
	}
	if cm != nil {
		method = C.GoString(cm)
		C.grantex_string_free(cm)
	}
	if cid != nil {
		idJSON = C.GoString(cid)
		C.grantex_string_free(cid)
	}
	return method, idJSON
}

type grantKey struct{}

// GrantFromContext is the grant Middleware verified for the request, or nil.
func GrantFromContext(ctx context.Context) *grantex.VerifiedGrant {
	g, _ := ctx.Value(grantKey{}).(*grantex.VerifiedGrant)
	return g
}

// MaxBodyBytes bounds the request body Middleware reads to find the JSON-RPC method and id.
const MaxBodyBytes = 1 << 20

// Middleware guards next: each request's body is read (up to MaxBodyBytes) for its JSON-RPC
// method and id and given back to next unchanged; a refused request is answered with the
// rejection's status, WWW-Authenticate header and JSON-RPC error body; an accepted one reaches
// next with the grant in its context (GrantFromContext).
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
		if err != nil || len(body) > MaxBodyBytes {
			http.Error(w, "request body too large or unreadable", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		method, id := PeekRequest(body)
		grant, rej, err := g.Check(r.Context(), r.Header.Get("Authorization"), method, id)
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return // the client is gone
		case err != nil:
			http.Error(w, "grant check failed", http.StatusInternalServerError)
			return
		case rej != nil:
			if rej.WWWAuthenticate != "" {
				w.Header().Set("WWW-Authenticate", rej.WWWAuthenticate)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rej.Status)
			_, _ = w.Write(rej.Body)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), grantKey{}, grant)))
	})
}
