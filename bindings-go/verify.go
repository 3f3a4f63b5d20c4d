package grantex

/*
#include <stdint.h>
#include <stdlib.h>
#include <grantex.h>

// The fast path of a verification: verification and the read-out of the grant in one crossing
// of the cgo boundary, through libgrantex_go_verify, an internal entry point of libgrantex for
// this binding (bindings-c/src/verifier.rs; not in grantex.h, so declared here): the token goes
// as bytes and length (Go's memory, not copied), the grant's strings come back copied into a Go
// buffer as offsets and lengths, with no C string made for them and no handle to free. The
// struct's layout is libgrantex_go_grant's (the library checks its size on every call).
#define GX_MAX_LIST 32
enum { GX_TOKEN_ID, GX_GRANT_ID, GX_PRINCIPAL_ID, GX_AGENT_DID, GX_DEVELOPER_ID, GX_ISSUER,
	GX_PARENT_AGENT_DID, GX_PARENT_GRANT_ID, GX_NSTR };
typedef struct {
	uint32_t off[GX_NSTR], len[GX_NSTR];
	uint8_t set[GX_NSTR];
	uint32_t scopes_len, audience_len;
	uint32_t scope_off[GX_MAX_LIST], scope_len[GX_MAX_LIST];
	uint32_t aud_off[GX_MAX_LIST], aud_len[GX_MAX_LIST];
	uint32_t used;
	int64_t issued_at, expires_at;
	uint32_t depth;
	int32_t has_depth, has_budget;
	double budget;
	// legacy_claims_used as bits of gxLegacyNames; the rare raw claims (clientId,
	// authorizationDetails, act, cnf, webauthnEvidence) as one JSON object in the buffer
	// (extra_len 0: none).
	uint32_t legacy, extra_off, extra_len;
	// Non-NULL when the grant did not fit (a list over GX_MAX_LIST items, or strings over the
	// buffer): a grant handle the caller reads with the accessors and frees.
	grantex_verified_grant *kept;
} gx_grant_copy;

grantex_result libgrantex_go_verify(const grantex_verifier *verifier, const char *jwks_uri,
		size_t jwks_uri_len, const char *token, size_t token_len, const grantex_verify_options *options,
		char *buf, size_t cap, gx_grant_copy *out, size_t out_size);

// Builds verification options in one call (the caller frees them).
static grantex_result gx_build_options(const char *issuer, const char *audience,
		const char *developer, char **scopes, size_t nscopes, uint64_t tolerance, int has_depth,
		int64_t depth, int32_t allow_sandbox, int has_now, int64_t now,
		grantex_verify_options **out) {
	grantex_verify_options *o = NULL;
	grantex_result rc = grantex_verify_options_new(&o);
	if (rc != GRANTEX_OK) return rc;
	if (issuer) rc = grantex_verify_options_set_issuer(o, issuer);
	if (rc == GRANTEX_OK && audience) rc = grantex_verify_options_set_audience(o, audience);
	if (rc == GRANTEX_OK && developer) rc = grantex_verify_options_set_expected_developer(o, developer);
	for (size_t i = 0; rc == GRANTEX_OK && i < nscopes; i++) rc = grantex_verify_options_add_required_scope(o, scopes[i]);
	if (rc == GRANTEX_OK && tolerance) rc = grantex_verify_options_set_clock_tolerance(o, tolerance);
	if (rc == GRANTEX_OK && has_depth) rc = grantex_verify_options_set_max_delegation_depth(o, depth);
	if (rc == GRANTEX_OK && allow_sandbox != -1) rc = grantex_verify_options_set_allow_sandbox(o, allow_sandbox);
	if (rc == GRANTEX_OK && has_now) rc = grantex_verify_options_set_now(o, now);
	if (rc != GRANTEX_OK) {
		grantex_verify_options_free(o);
		return rc;
	}
	*out = o;
	return GRANTEX_OK;
}

*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sort"
	"strconv"
	"strings"
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

	// IssuerDID is a did:web issuer (the reference's IssuerDID): the key set is read from the
	// DID's https://<host>[:<port>][/<path>]/.well-known/jwks.json instead of JwksURI (which may
	// then be empty) and Issuer defaults to that location. Another DID method, an IP address, a
	// local or private host or a single label is an *Error "config_error"
	// (did:web:localhost… resolves to http://localhost… only with
	// GRANTEX_DID_WEB_ALLOW_LOCALHOST=1, for development).
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

	// ExpectedPrincipalID, when set, must equal the token's principal (sub), else a *TokenError
	// "wrong_principal"; an empty string matches nothing (the reference SDKs'
	// expected_principal_id).
	ExpectedPrincipalID *string

	// ExpectedAgentDID, when set, must equal the token's agent DID, else a *TokenError
	// "wrong_agent" (the reference SDKs' expected_agent_did).
	ExpectedAgentDID *string

	// CurrentAuthority, when set, is asked after verification what the grant is now — typically
	// the server's online answer, client.Grants.Verify — and its answer must describe the same
	// grant (issuer, ids, principal, agent, developer, times, audience, scopes), else a
	// *TokenError "authority_mismatch", as is an error from it. Requires Audience (the
	// reference SDKs' current_authority).
	CurrentAuthority func(ctx context.Context, token string) (*VerifiedGrant, error)

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
	// JavaScript name, to a value encoded as JSON (nil: unset), by the core's one rule as in the
	// Python and Node SDKs: "proof_jkt" (the RFC 7638 thumbprint of the key the request proved
	// possession of; the token's cnf.jkt must equal it: *TokenError "not_key_bound" /
	// "proof_mismatch"), "require_proof_of_possession" (true without proof_jkt:
	// "proof_required"), "legacy_claims" (false: standard claims only, typ at+jwt, else
	// "forbidden_header"), "algorithms" and "bounded_jwks_fetch" (fixed behaviour, accepted when
	// they ask for it). A value that cannot be used is an *Error "config_error".
	ReferenceOptions map[string]any

	// DPoP is the DPoP proof sent with the token and the request it came with (this SDK's
	// "dpop" option): the proof (RFC 9449) must be a dpop+jwt signed by the key in its header,
	// for that method and URI (query and fragment ignored), at most 5 minutes old, bound to
	// this token (ath) and not used before in this process; its key's thumbprint must be the
	// token's cnf.jkt. A bad proof is *TokenError "invalid_proof", one made with another key
	// "proof_mismatch". A fixed Now turns replay detection off.
	DPoP *DPoPRequest
}

// DPoPRequest is a DPoP proof and the request it was sent with.
type DPoPRequest struct {
	// Proof is the request's DPoP header.
	Proof string `json:"proof"`
	// Method is the request's HTTP method.
	Method string `json:"method"`
	// URL is the request's absolute URI.
	URL string `json:"url"`
}

// Bool returns a pointer to b, for VerifyOptions.AllowSandbox.
func Bool(b bool) *bool { return &b }

// Int returns a pointer to n, for VerifyOptions.MaxDelegationDepth.
func Int(n int) *int { return &n }

// String returns a pointer to s, for VerifyOptions.ExpectedPrincipalID and ExpectedAgentDID.
func String(s string) *string { return &s }

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
	for _, id := range []struct {
		v   *string
		set func(*C.char) C.grantex_result
	}{
		{o.ExpectedPrincipalID, func(s *C.char) C.grantex_result {
			return C.grantex_verify_options_set_expected_principal_id(opts, s)
		}},
		{o.ExpectedAgentDID, func(s *C.char) C.grantex_result {
			return C.grantex_verify_options_set_expected_agent_did(opts, s)
		}},
	} {
		if id.v == nil {
			continue
		}
		cs := C.CString(*id.v)
		rc := id.set(cs)
		C.free(unsafe.Pointer(cs))
		if rc != resultOK {
			return nil, fail(rc)
		}
	}
	if o.CurrentAuthority != nil {
		if rc := C.grantex_verify_options_set_current_authority(opts, 1); rc != resultOK {
			return nil, fail(rc)
		}
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
	if o.DPoP != nil {
		refs["dpop"] = o.DPoP
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

// readGrant reads a verified grant into Go through its JSON form, every field of it (and
// leaves freeing it to the caller): the path of reference options and of grants too big for
// the fast path's copy.
func readGrant(g *C.grantex_verified_grant) (*VerifiedGrant, error) {
	var s *C.char
	if rc := C.grantex_verified_grant_json(g, &s); rc != resultOK {
		return nil, readLastError(rc).toError()
	}
	defer C.grantex_string_free(s)
	out := new(VerifiedGrant)
	if err := json.Unmarshal([]byte(C.GoString(s)), out); err != nil {
		return nil, &Error{Code: "decode", Message: "the verified grant's JSON: " + err.Error()}
	}
	return out, nil
}

// verifyOutcome is the result of one verification.
type verifyOutcome struct {
	grant *VerifiedGrant
	err   error
}

// verifyScratch is the per-call memory of the fast path, pooled: the buffer C copies the
// grant's strings into, the copy's offsets, the options key. None of it holds a Go pointer, so
// C may write it during the call.
type verifyScratch struct {
	view C.gx_grant_copy
	strs []byte
	key  []byte
}

// maxPooledScratch: a scratch whose buffers grew past this (a huge token) is not kept.
const maxPooledScratch = 64 << 10

var scratchPool = sync.Pool{New: func() any { return new(verifyScratch) }}

func putScratch(s *verifyScratch) {
	if cap(s.strs) > maxPooledScratch || cap(s.key) > maxPooledScratch {
		return
	}
	scratchPool.Put(s)
}

// cStr is s's bytes for C: a pointer into the string's own memory (never written; NULL for "")
// and the length. libgrantex reads it as the NUL-terminated copy C.CString would make.
func cStr(s string) (*C.char, C.size_t) {
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// verifyWith runs one verification on a locked thread: through verifier when non-nil, else
// through the process-wide cache for jwksURI. Options the fast path does not take (the
// reference options) go through buildOptions.
func verifyWith(verifier *C.grantex_verifier, cache *optionsCache, jwksURI, token string, o *VerifyOptions) verifyOutcome {
	if err := noNUL(o); err != nil {
		return verifyOutcome{err: err}
	}
	if len(o.ReferenceOptions) > 0 || o.IssuerDID != "" || o.DPoP != nil || o.ClockTolerance < 0 ||
		o.ExpectedPrincipalID != nil || o.ExpectedAgentDID != nil || o.CurrentAuthority != nil {
		return verifySlow(verifier, jwksURI, token, o)
	}
	// The thread is held from the call to the read of its last error (see lockedCall).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s := scratchPool.Get().(*verifyScratch)
	defer putScratch(s)
	opts, owned, err := fastOptions(cache, o, s)
	if err != nil {
		return verifyOutcome{err: err}
	}
	if owned {
		defer C.grantex_verify_options_free(opts)
	}
	var curi *C.char
	var nuri C.size_t
	if verifier == nil {
		curi, nuri = cStr(jwksURI)
	}
	ctoken, ntoken := cStr(token)
	// The grant's strings come from the token's payload, so they fit in len(token) bytes; when
	// they do not (or a list is longer than the copy holds) the library hands over the grant.
	if n := max(len(token), 256); cap(s.strs) < n {
		s.strs = make([]byte, n)
	}
	s.strs = s.strs[:cap(s.strs)]
	rc := C.libgrantex_go_verify(verifier, curi, nuri, ctoken, ntoken, opts,
		(*C.char)(unsafe.Pointer(&s.strs[0])), C.size_t(len(s.strs)), &s.view, C.size_t(unsafe.Sizeof(s.view)))
	if rc != resultOK {
		return verifyOutcome{err: readLastError(rc).toError()}
	}
	if g := s.view.kept; g != nil {
		s.view.kept = nil
		defer C.grantex_verified_grant_free(g)
		grant, err := readGrant(g)
		return verifyOutcome{grant: grant, err: err}
	}
	grant, err := grantFromCopy(&s.view, s.strs)
	return verifyOutcome{grant: grant, err: err}
}

// optionsCache holds built C options by their content: building them costs the core a few
// microseconds (the issuer is parsed and normalised), a tenth of a verification. Entries are
// immutable (safe to share between threads) and live as long as their cache; a full cache
// stops caching rather than evicting, so no entry is ever freed under a running call.
type optionsCache struct {
	mu sync.Mutex
	m  map[string]*C.grantex_verify_options
}

const optionsCacheSize = 64

// globalOptions serves VerifyGrantToken (process lifetime).
var globalOptions = &optionsCache{}

func (c *optionsCache) get(key []byte) *C.grantex_verify_options {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[string(key)] // no allocation: the conversion only serves the lookup
}

// put stores o under key unless the cache is full; false when the caller keeps ownership.
func (c *optionsCache) put(key string, o *C.grantex_verify_options) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*C.grantex_verify_options{}
	}
	if _, ok := c.m[key]; ok || len(c.m) >= optionsCacheSize {
		return false
	}
	c.m[key] = o
	return true
}

func (c *optionsCache) freeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range c.m {
		C.grantex_verify_options_free(o)
	}
	c.m = nil
}

// appendOptionsKey appends the content of the options the fast path takes to b, as a map key
// (built in the caller's scratch memory: no allocation per verification).
func appendOptionsKey(b []byte, o *VerifyOptions) []byte {
	for _, s := range [...]string{o.Issuer, o.Audience, o.ExpectedDeveloper} {
		b = append(b, s...)
		b = append(b, 0)
	}
	for _, s := range o.RequiredScopes {
		b = append(b, s...)
		b = append(b, 1)
	}
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(o.ClockTolerance/time.Second), 10)
	if o.MaxDelegationDepth != nil {
		b = append(b, "|d"...)
		b = strconv.AppendInt(b, int64(*o.MaxDelegationDepth), 10)
	}
	if o.AllowSandbox != nil {
		b = append(b, "|s"...)
		b = strconv.AppendBool(b, *o.AllowSandbox)
	}
	if !o.Now.IsZero() {
		b = append(b, "|n"...)
		b = strconv.AppendInt(b, o.Now.Unix(), 10)
	}
	return b
}

// fastOptions returns the C options for o: from cache (nil: the global one), or built now, and
// whether the caller owns them (must free them: the cache was full). The key is built in s.
func fastOptions(cache *optionsCache, o *VerifyOptions, s *verifyScratch) (*C.grantex_verify_options, bool, error) {
	if cache == nil {
		cache = globalOptions
	}
	s.key = appendOptionsKey(s.key[:0], o)
	if cached := cache.get(s.key); cached != nil {
		return cached, false, nil
	}
	opts, err := buildFastOptions(o)
	if err != nil {
		return nil, false, err
	}
	if cache.put(string(s.key), opts) {
		return opts, false, nil
	}
	return opts, true, nil
}

// buildFastOptions makes the C options of the fast path in one call (the caller frees them).
func buildFastOptions(o *VerifyOptions) (*C.grantex_verify_options, error) {
	var opts *C.grantex_verify_options
	var cissuer, caud, cdev *C.char
	if o.Issuer != "" {
		cissuer = C.CString(o.Issuer)
		defer C.free(unsafe.Pointer(cissuer))
	}
	if o.Audience != "" {
		caud = C.CString(o.Audience)
		defer C.free(unsafe.Pointer(caud))
	}
	if o.ExpectedDeveloper != "" {
		cdev = C.CString(o.ExpectedDeveloper)
		defer C.free(unsafe.Pointer(cdev))
	}
	var scopes **C.char
	if n := len(o.RequiredScopes); n > 0 {
		arr := unsafe.Slice((**C.char)(C.malloc(C.size_t(n)*C.size_t(unsafe.Sizeof((*C.char)(nil))))), n)
		for i, sc := range o.RequiredScopes {
			arr[i] = C.CString(sc)
		}
		defer func() {
			for _, p := range arr {
				C.free(unsafe.Pointer(p))
			}
			C.free(unsafe.Pointer(&arr[0]))
		}()
		scopes = &arr[0]
	}
	var hasDepth C.int
	var depth C.int64_t
	if o.MaxDelegationDepth != nil {
		hasDepth, depth = 1, C.int64_t(*o.MaxDelegationDepth)
	}
	allow := C.int32_t(-1)
	if o.AllowSandbox != nil {
		allow = 0
		if *o.AllowSandbox {
			allow = 1
		}
	}
	var hasNow C.int
	var now C.int64_t
	if !o.Now.IsZero() {
		hasNow, now = 1, C.int64_t(o.Now.Unix())
	}
	rc := C.gx_build_options(cissuer, caud, cdev, scopes, C.size_t(len(o.RequiredScopes)),
		C.uint64_t(o.ClockTolerance/time.Second), hasDepth, depth, allow, hasNow, now, &opts)
	if rc != resultOK {
		return nil, readLastError(rc).toError()
	}
	return opts, nil
}

// grantBox is a VerifiedGrant with room for what it points to: short lists (scopes and
// audience share the array, each capped at its length) and the optional values. One
// allocation for the grant, one for its strings.
type grantBox struct {
	g       VerifiedGrant
	lists   [6]string
	parents [2]string
	legacy  [len(gxLegacyNames)]string
	depth   int
	budget  float64
}

// gxLegacyNames are the legacy claim names in the order of the bits of gx_grant_copy.legacy
// (GO_LEGACY_NAMES in bindings-c/src/verifier.rs: the verifier's order).
var gxLegacyNames = [...]string{"scp", "agt", "dev", "grnt", "parentGrnt", "delegationDepth", "parentAgt"}

// rareClaims are the raw claims the fast path carries as JSON.
type rareClaims struct {
	ClientID             *string                `json:"clientId"`
	AuthorizationDetails []map[string]any       `json:"authorizationDetails"`
	Act                  map[string]any         `json:"act"`
	Cnf                  map[string]any         `json:"cnf"`
	WebAuthnEvidence     *WebAuthnGrantEvidence `json:"webauthnEvidence"`
}

// grantFromCopy makes the grant from the copy C made: one string holding every string field,
// each field a slice of it.
func grantFromCopy(v *C.gx_grant_copy, buf []byte) (*VerifiedGrant, error) {
	all := string(buf[:v.used])
	box := new(grantBox)
	g := &box.g
	str := func(i int) string {
		if v.set[i] == 0 {
			return ""
		}
		return all[v.off[i] : v.off[i]+v.len[i]]
	}
	g.TokenID = str(C.GX_TOKEN_ID)
	g.GrantID = str(C.GX_GRANT_ID)
	g.PrincipalID = str(C.GX_PRINCIPAL_ID)
	g.AgentDID = str(C.GX_AGENT_DID)
	g.DeveloperID = str(C.GX_DEVELOPER_ID)
	g.Issuer = str(C.GX_ISSUER)
	if v.set[C.GX_PARENT_AGENT_DID] != 0 {
		box.parents[0] = str(C.GX_PARENT_AGENT_DID)
		g.ParentAgentDID = &box.parents[0]
	}
	if v.set[C.GX_PARENT_GRANT_ID] != 0 {
		box.parents[1] = str(C.GX_PARENT_GRANT_ID)
		g.ParentGrantID = &box.parents[1]
	}
	g.IssuedAt = int64(v.issued_at)
	g.ExpiresAt = int64(v.expires_at)
	ns, na := int(v.scopes_len), int(v.audience_len)
	var lists []string
	if ns+na <= len(box.lists) {
		lists = box.lists[:ns+na]
	} else {
		lists = make([]string, ns+na)
	}
	g.Scopes = lists[:ns:ns]
	if na > 0 {
		g.Audience = lists[ns : ns+na : ns+na] // nil when absent, as the JSON path has it
	}
	for i := range g.Scopes {
		g.Scopes[i] = all[v.scope_off[i] : v.scope_off[i]+v.scope_len[i]]
	}
	for i := range g.Audience {
		g.Audience[i] = all[v.aud_off[i] : v.aud_off[i]+v.aud_len[i]]
	}
	if v.has_depth != 0 {
		box.depth = int(v.depth)
		g.DelegationDepth = &box.depth
	}
	if v.has_budget != 0 {
		box.budget = float64(v.budget)
		g.Budget = &box.budget
	}
	if v.legacy != 0 {
		n := 0
		for i, name := range gxLegacyNames {
			if v.legacy&(1<<i) != 0 {
				box.legacy[n] = name
				n++
			}
		}
		g.LegacyClaimsUsed = box.legacy[:n:n]
	}
	if v.extra_len != 0 {
		var rare rareClaims
		if err := json.Unmarshal(buf[v.extra_off:v.extra_off+v.extra_len], &rare); err != nil {
			return nil, &Error{Code: "decode", Message: "the verified grant's raw claims: " + err.Error()}
		}
		g.ClientID, g.AuthorizationDetails, g.Act, g.Cnf, g.WebAuthnEvidence =
			rare.ClientID, rare.AuthorizationDetails, rare.Act, rare.Cnf, rare.WebAuthnEvidence
	}
	return g, nil
}

// verifySlow is verifyWith with the options built one setter at a time (reference options).
func verifySlow(verifier *C.grantex_verifier, jwksURI, token string, o *VerifyOptions) verifyOutcome {
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
			var curi *C.char // NULL with only an IssuerDID: the DID's key set
			if jwksURI != "" {
				curi = C.CString(jwksURI)
				defer C.free(unsafe.Pointer(curi))
			}
			rc = C.grantex_verify_grant_token(ctoken, curi, opts, &g)
		}
		if rc != resultOK {
			return verifyOutcome{err: readLastError(rc).toError()}
		}
		defer C.grantex_verified_grant_free(g)
		grant, err := readGrant(g)
		return verifyOutcome{grant: grant, err: err}
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
	if opts.JwksURI == "" && opts.IssuerDID == "" {
		return nil, &Error{Code: "config_error", Message: "VerifyOptions.JwksURI (or IssuerDID) is required"}
	}
	g, err := verifyAsync(ctx, func() verifyOutcome { return verifyWith(nil, nil, opts.JwksURI, token, &opts) })
	return withAuthority(ctx, g, err, token, opts.CurrentAuthority)
}

// noNUL refuses option strings holding a NUL byte: C strings end there, so the library would
// otherwise see a shorter value (an expected principal "alice\x00x" checked as "alice").
func noNUL(o *VerifyOptions) error {
	bad := func(name string) error {
		return &Error{Code: "invalid_argument", Message: "VerifyOptions." + name + " contains a NUL byte"}
	}
	has := func(v string) bool { return strings.IndexByte(v, 0) >= 0 }
	switch {
	case has(o.Issuer):
		return bad("Issuer")
	case has(o.Audience):
		return bad("Audience")
	case has(o.ExpectedDeveloper):
		return bad("ExpectedDeveloper")
	case has(o.IssuerDID):
		return bad("IssuerDID")
	case o.ExpectedPrincipalID != nil && has(*o.ExpectedPrincipalID):
		return bad("ExpectedPrincipalID")
	case o.ExpectedAgentDID != nil && has(*o.ExpectedAgentDID):
		return bad("ExpectedAgentDID")
	}
	for _, sc := range o.RequiredScopes {
		if has(sc) {
			return bad("RequiredScopes")
		}
	}
	return nil
}

// withAuthority runs the current-authority step after a successful verification: the callback's
// answer goes to the core's comparison (grantex_check_current_authority) with the grant.
func withAuthority(ctx context.Context, g *VerifiedGrant, err error, token string, authority func(context.Context, string) (*VerifiedGrant, error)) (*VerifiedGrant, error) {
	if err != nil || authority == nil {
		return g, err
	}
	want, err := json.Marshal(g)
	if err != nil {
		return nil, &Error{Code: "decode", Message: "the verified grant as JSON: " + err.Error()}
	}
	// No answer (NULL) is, for the core, an authority that could not be verified.
	var answer *C.char
	current, aerr := authority(ctx, token)
	if aerr == nil {
		text, merr := json.Marshal(current)
		if merr != nil {
			text = []byte("null")
		}
		answer = C.CString(string(text))
		defer C.free(unsafe.Pointer(answer))
	}
	r := lockedCall(func() verifyOutcome {
		cwant := C.CString(string(want))
		defer C.free(unsafe.Pointer(cwant))
		if rc := C.grantex_check_current_authority(cwant, answer); rc != resultOK {
			return verifyOutcome{err: readLastError(rc).toError()}
		}
		return verifyOutcome{}
	})
	if r.err != nil {
		var te *TokenError
		if aerr != nil && errors.As(r.err, &te) {
			te.Cause = aerr
		}
		return nil, r.err
	}
	return g, nil
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
	options  *optionsCache
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
	v := &Verifier{static: static, options: &optionsCache{}}
	err := lockedCall(func() error {
		var ptr *C.grantex_verifier
		if rc := make(&ptr); rc != resultOK {
			return readLastError(rc).toError()
		}
		v.ptr = ptr
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
		v.freeLocked()
	}
}

// freeLocked frees the verifier and its cached options (no call runs on them).
func (v *Verifier) freeLocked() {
	v.options.freeAll()
	C.grantex_verifier_free(v.ptr)
	v.ptr = nil
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
		v.freeLocked()
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
		o := verifyWith(ptr, v.options, "", token, &opts)
		v.release()
		return withAuthority(ctx, o.grant, o.err, token, opts.CurrentAuthority)
	}
	remote := opts // captured by the goroutine (opts itself stays on the stack)
	g, err := verifyAsync(ctx, func() verifyOutcome {
		defer v.release()
		return verifyWith(ptr, v.options, "", token, &remote)
	})
	return withAuthority(ctx, g, err, token, opts.CurrentAuthority)
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
