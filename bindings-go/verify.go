package grantex

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"context"
	"encoding/json"
	"runtime"
	"sort"
	"sync"
	"time"
	"unsafe"
)

// VerifyOptions configures offline grant-token verification (VerifyGrantToken and
// Verifier.Verify). The checks are the core's strict verifier, identical in every Grantex SDK.
type VerifyOptions struct {
	// JwksURI is the key set's URL (VerifyGrantToken only; a Verifier has its own keys).
	JwksURI string

	// Issuer is the expected iss. Empty: derived from JwksURI (see DeriveIssuer); required for a
	// Verifier built from a static key set.
	Issuer string

	// IssuerDID is a reference option this verifier does not implement: empty is accepted, a
	// did:web value is refused with an *Error "config_error" (never silently ignored).
	IssuerDID string

	// RequiredScopes are scopes the token must carry verbatim.
	RequiredScopes []string

	// Audience, when set, must be one of the token's aud values exactly.
	Audience string

	// ClockTolerance is the leeway for exp, nbf and iat (whole seconds; default 0).
	ClockTolerance time.Duration

	// ExpectedDeveloper pins the developer the grant must have been issued for; a mismatch is a
	// *TokenError "wrong_issuer" (not in the reference Go SDK).
	ExpectedDeveloper string

	// MaxDelegationDepth refuses tokens delegated more hops than this; nil: no limit (not in the
	// reference Go SDK).
	MaxDelegationDepth *int

	// AllowSandbox accepts sandbox tokens (issued for a sandbox developer, approved without a
	// human). nil: as the environment variable GRANTEX_ALLOW_SANDBOX_TOKENS=1 says; a refused
	// sandbox token is a *TokenError "sandbox_token" (not in the reference Go SDK).
	AllowSandbox *bool

	// Now fixes the verification clock (testing); zero: the system clock.
	Now time.Time

	// ReferenceOptions sets other verify options of the reference SDKs by their Python or
	// JavaScript name ("algorithms", "proof_jkt", "require_proof_of_possession", ...) to a value
	// encoded as JSON (nil: unset). A value asking for what this verifier does anyway is
	// accepted, anything else is an *Error "config_error", exactly as in the Python and Node SDKs.
	ReferenceOptions map[string]any
}

// Bool returns a pointer to b, for VerifyOptions.AllowSandbox.
func Bool(b bool) *bool { return &b }

// Int returns a pointer to n, for VerifyOptions.MaxDelegationDepth.
func Int(n int) *int { return &n }

// buildOptions makes the C options for o; the caller frees them. Runs on a locked thread.
func buildOptions(o *VerifyOptions) (*C.grantex_verify_options, error) {
	var opts *C.grantex_verify_options
	if rc := C.grantex_verify_options_new(&opts); rc != resultOK {
		return nil, readLastError(rc).toError()
	}
	fail := func(rc C.grantex_result) error {
		err := readLastError(rc).toError()
		C.grantex_verify_options_free(opts)
		return err
	}
	setString := func(set func(*C.char) C.grantex_result, v string) C.grantex_result {
		if v == "" {
			return resultOK
		}
		cs := C.CString(v)
		defer C.free(unsafe.Pointer(cs))
		return set(cs)
	}
	if rc := setString(func(s *C.char) C.grantex_result { return C.grantex_verify_options_set_issuer(opts, s) }, o.Issuer); rc != resultOK {
		return nil, fail(rc)
	}
	if rc := setString(func(s *C.char) C.grantex_result { return C.grantex_verify_options_set_audience(opts, s) }, o.Audience); rc != resultOK {
		return nil, fail(rc)
	}
	if rc := setString(func(s *C.char) C.grantex_result {
		return C.grantex_verify_options_set_expected_developer(opts, s)
	}, o.ExpectedDeveloper); rc != resultOK {
		return nil, fail(rc)
	}
	for _, scope := range o.RequiredScopes {
		cs := C.CString(scope)
		rc := C.grantex_verify_options_add_required_scope(opts, cs)
		C.free(unsafe.Pointer(cs))
		if rc != resultOK {
			return nil, fail(rc)
		}
	}
	if o.ClockTolerance < 0 {
		C.grantex_verify_options_free(opts)
		return nil, &Error{Code: "invalid_argument", Message: "ClockTolerance must not be negative"}
	}
	if o.ClockTolerance > 0 {
		if rc := C.grantex_verify_options_set_clock_tolerance(opts, C.uint64_t(o.ClockTolerance/time.Second)); rc != resultOK {
			return nil, fail(rc)
		}
	}
	if o.MaxDelegationDepth != nil {
		if rc := C.grantex_verify_options_set_max_delegation_depth(opts, C.int64_t(*o.MaxDelegationDepth)); rc != resultOK {
			return nil, fail(rc)
		}
	}
	if o.AllowSandbox != nil {
		allow := C.int32_t(0)
		if *o.AllowSandbox {
			allow = 1
		}
		if rc := C.grantex_verify_options_set_allow_sandbox(opts, allow); rc != resultOK {
			return nil, fail(rc)
		}
	}
	if !o.Now.IsZero() {
		if rc := C.grantex_verify_options_set_now(opts, C.int64_t(o.Now.Unix())); rc != resultOK {
			return nil, fail(rc)
		}
	}
	refs := make(map[string]any, len(o.ReferenceOptions)+1)
	for k, v := range o.ReferenceOptions {
		refs[k] = v
	}
	if o.IssuerDID != "" {
		refs["issuer_did"] = o.IssuerDID
	}
	names := make([]string, 0, len(refs))
	for k := range refs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		js, err := json.Marshal(refs[name])
		if err != nil {
			C.grantex_verify_options_free(opts)
			return nil, &Error{Code: "invalid_argument", Message: "reference option " + name + ": " + err.Error()}
		}
		cn := C.CString(name)
		cv := C.CString(string(js))
		rc := C.grantex_verify_options_set_reference_option(opts, cn, cv)
		C.free(unsafe.Pointer(cn))
		C.free(unsafe.Pointer(cv))
		if rc != resultOK {
			return nil, fail(rc)
		}
	}
	return opts, nil
}

// readGrant copies a verified grant into Go (and leaves freeing it to the caller).
func readGrant(g *C.grantex_verified_grant) *VerifiedGrant {
	str := func(get func(**C.char) C.grantex_result) string {
		var s *C.char
		if get(&s) == resultOK && s != nil {
			return C.GoString(s)
		}
		return ""
	}
	opt := func(get func(**C.char) C.grantex_result) *string {
		var s *C.char
		if get(&s) == resultOK && s != nil {
			v := C.GoString(s)
			return &v
		}
		return nil
	}
	out := &VerifiedGrant{
		TokenID:     str(func(s **C.char) C.grantex_result { return C.grantex_verified_grant_token_id(g, s) }),
		GrantID:     str(func(s **C.char) C.grantex_result { return C.grantex_verified_grant_grant_id(g, s) }),
		PrincipalID: str(func(s **C.char) C.grantex_result { return C.grantex_verified_grant_principal_id(g, s) }),
		AgentDID:    str(func(s **C.char) C.grantex_result { return C.grantex_verified_grant_agent_did(g, s) }),
		DeveloperID: str(func(s **C.char) C.grantex_result { return C.grantex_verified_grant_developer_id(g, s) }),
		Issuer:      str(func(s **C.char) C.grantex_result { return C.grantex_verified_grant_issuer(g, s) }),
		ParentAgentDID: opt(func(s **C.char) C.grantex_result {
			return C.grantex_verified_grant_parent_agent_did(g, s)
		}),
		ParentGrantID: opt(func(s **C.char) C.grantex_result {
			return C.grantex_verified_grant_parent_grant_id(g, s)
		}),
	}
	var n C.size_t
	if C.grantex_verified_grant_scopes_len(g, &n) == resultOK {
		out.Scopes = make([]string, 0, int(n))
		for i := C.size_t(0); i < n; i++ {
			var s *C.char
			if C.grantex_verified_grant_scope(g, i, &s) == resultOK {
				out.Scopes = append(out.Scopes, C.GoString(s))
			}
		}
	}
	if C.grantex_verified_grant_audience_len(g, &n) == resultOK {
		out.Audience = make([]string, 0, int(n))
		for i := C.size_t(0); i < n; i++ {
			var s *C.char
			if C.grantex_verified_grant_audience(g, i, &s) == resultOK {
				out.Audience = append(out.Audience, C.GoString(s))
			}
		}
	}
	var t C.int64_t
	if C.grantex_verified_grant_issued_at(g, &t) == resultOK {
		out.IssuedAt = int64(t)
	}
	if C.grantex_verified_grant_expires_at(g, &t) == resultOK {
		out.ExpiresAt = int64(t)
	}
	var depth C.uint32_t
	if C.grantex_verified_grant_delegation_depth(g, &depth) == resultOK {
		d := int(depth)
		out.DelegationDepth = &d
	}
	var budget C.double
	if C.grantex_verified_grant_budget(g, &budget) == resultOK {
		b := float64(budget)
		out.Budget = &b
	}
	return out
}

// verifyOutcome is the result of one verification.
type verifyOutcome struct {
	grant *VerifiedGrant
	err   error
}

// verifyWith runs one verification on a locked thread: through verifier when non-nil, else
// through the process-wide cache for jwksURI.
func verifyWith(verifier *C.grantex_verifier, jwksURI, token string, o *VerifyOptions) verifyOutcome {
	return lockedCall(func() verifyOutcome {
		opts, err := buildOptions(o)
		if err != nil {
			return verifyOutcome{err: err}
		}
		defer C.grantex_verify_options_free(opts)
		ctoken := C.CString(token)
		defer C.free(unsafe.Pointer(ctoken))
		var g *C.grantex_verified_grant
		var rc C.grantex_result
		if verifier != nil {
			rc = C.grantex_verify(verifier, ctoken, opts, &g)
		} else {
			curi := C.CString(jwksURI)
			defer C.free(unsafe.Pointer(curi))
			rc = C.grantex_verify_grant_token(ctoken, curi, opts, &g)
		}
		if rc != resultOK {
			return verifyOutcome{err: readLastError(rc).toError()}
		}
		defer C.grantex_verified_grant_free(g)
		return verifyOutcome{grant: readGrant(g)}
	})
}

// verifyAsync runs f on its own goroutine and waits for it or for ctx (see runAsync).
func verifyAsync(ctx context.Context, f func() verifyOutcome) (*VerifiedGrant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	done := make(chan verifyOutcome, 1)
	go func() { done <- f() }()
	select {
	case o := <-done:
		return o.grant, o.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// VerifyGrantToken verifies a grant token offline against the key set at opts.JwksURI: the
// RS256 signature, the time claims, the issuer, the grant claims, then the options. Key sets
// are cached process-wide per URI (10 minutes; an unknown kid refetches at most every 30 s),
// so only a cold cache touches the network. A refused token is a *TokenError.
func VerifyGrantToken(ctx context.Context, token string, opts VerifyOptions) (*VerifiedGrant, error) {
	if opts.JwksURI == "" {
		return nil, &Error{Code: "config_error", Message: "VerifyOptions.JwksURI is required"}
	}
	return verifyAsync(ctx, func() verifyOutcome { return verifyWith(nil, opts.JwksURI, token, &opts) })
}

// DeriveIssuer is the issuer expected when the options name none, derived from a JWKS URI
// (https://api.grantex.dev/.well-known/jwks.json gives https://grantex.dev).
func DeriveIssuer(jwksURI string) (string, error) {
	r := lockedCall(func() strResult {
		curi := C.CString(jwksURI)
		defer C.free(unsafe.Pointer(curi))
		var out *C.char
		if rc := C.grantex_derive_issuer(curi, &out); rc != resultOK {
			return strResult{err: readLastError(rc).toError()}
		}
		return strResult{s: takeString(out)}
	})
	return r.s, r.err
}

// Verifier verifies grant tokens against one key set: remote (NewVerifier, cached and
// refreshed) or static (NewStaticVerifier, never touches the network). Safe for concurrent
// use; Close frees it (a finalizer does otherwise).
type Verifier struct {
	mu       sync.Mutex
	ptr      *C.grantex_verifier
	inflight int
	closed   bool
	static   bool
}

// NewVerifier makes a verifier for the key set at jwksURI (http or https). Nothing is fetched
// until the first verification (or Refresh).
func NewVerifier(jwksURI string) (*Verifier, error) {
	return newVerifier(false, func(out **C.grantex_verifier) C.grantex_result {
		curi := C.CString(jwksURI)
		defer C.free(unsafe.Pointer(curi))
		return C.grantex_verifier_new_remote(curi, out)
	})
}

// NewStaticVerifier makes a fully offline verifier over a JWKS document ({"keys":[...]}). An
// unusable set is a *TokenError "invalid_jwks". Verifications need VerifyOptions.Issuer.
func NewStaticVerifier(jwksJSON []byte) (*Verifier, error) {
	return newVerifier(true, func(out **C.grantex_verifier) C.grantex_result {
		cj := C.CString(string(jwksJSON))
		defer C.free(unsafe.Pointer(cj))
		return C.grantex_verifier_new_from_json(cj, out)
	})
}

func newVerifier(static bool, make func(**C.grantex_verifier) C.grantex_result) (*Verifier, error) {
	v := &Verifier{static: static}
	err := lockedCall(func() error {
		if rc := make(&v.ptr); rc != resultOK {
			return readLastError(rc).toError()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(v, (*Verifier).Close)
	return v, nil
}

func (v *Verifier) acquire() (*C.grantex_verifier, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed || v.ptr == nil {
		return nil, false
	}
	v.inflight++
	return v.ptr, true
}

func (v *Verifier) release() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.inflight--
	if v.closed && v.inflight == 0 && v.ptr != nil {
		C.grantex_verifier_free(v.ptr)
		v.ptr = nil
	}
}

// Close frees the verifier once no verification runs on it; later calls return ErrClosed.
func (v *Verifier) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	if v.inflight == 0 && v.ptr != nil {
		C.grantex_verifier_free(v.ptr)
		v.ptr = nil
	}
	return nil
}

// Verify verifies a token with this verifier's keys (opts.JwksURI is not used). A static
// verifier runs on the calling goroutine (no I/O); a remote one may fetch the key set and
// honours ctx while it does.
func (v *Verifier) Verify(ctx context.Context, token string, opts VerifyOptions) (*VerifiedGrant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ptr, ok := v.acquire()
	if !ok {
		return nil, ErrClosed
	}
	if v.static {
		defer v.release()
		o := verifyWith(ptr, "", token, &opts)
		return o.grant, o.err
	}
	return verifyAsync(ctx, func() verifyOutcome {
		defer v.release()
		return verifyWith(ptr, "", token, &opts)
	})
}

// Refresh fetches the key set now (a static verifier returns nil at once). Failure is a
// *TokenError "jwks_fetch" or "invalid_jwks".
func (v *Verifier) Refresh(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ptr, ok := v.acquire()
	if !ok {
		return ErrClosed
	}
	_, err := verifyAsync(ctx, func() verifyOutcome {
		defer v.release()
		return lockedCall(func() verifyOutcome {
			if rc := C.grantex_verifier_refresh(ptr); rc != resultOK {
				return verifyOutcome{err: readLastError(rc).toError()}
			}
			return verifyOutcome{}
		})
	})
	return err
}
