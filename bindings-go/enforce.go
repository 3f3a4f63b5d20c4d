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
	"sync"
	"unsafe"
)

// EnforceConfig is an Enforcer's settings (the core's EnforceConfig; zero values mean the
// defaults: strict, revocation check offline, audience check on, caps enforced).
type EnforceConfig struct {
	// EnforceMode is "strict" (default) or "permissive" (a denial is allowed, its reason kept;
	// audience and data-region denials stay denials).
	EnforceMode string `json:"enforceMode,omitempty"`
	// RevocationCheck is "offline" (default: a revoked grant's token passes until it expires),
	// "online" (GET /v1/revocations/status on every call; denied when it cannot ask) or "feed"
	// (follows GET /v1/revocations in the background; denied when it is stale).
	RevocationCheck string `json:"revocationCheck,omitempty"`
	// RevocationFeedStaleAfter bounds, in seconds, how old the "feed" mode's knowledge may be
	// (default 5); a feed that has not heard from the server within it makes Enforce deny.
	RevocationFeedStaleAfter float64 `json:"revocationFeedStaleAfter,omitempty"`
	// CapsMode is "enforce" (default), "warn" or "off".
	CapsMode string `json:"capsMode,omitempty"`
	// DecisionsMode is "enforce" (default) or "warn".
	DecisionsMode string `json:"decisionsMode,omitempty"`
	// Audience is the audience this service expects in aud.
	Audience *string `json:"audience,omitempty"`
	// AudienceCheck is "on" (default) or "off".
	AudienceCheck string `json:"audienceCheck,omitempty"`
	// DataRegion is the region this service processes data in; DataRegionCheck "on" enforces it.
	DataRegion      *string `json:"dataRegion,omitempty"`
	DataRegionCheck string  `json:"dataRegionCheck,omitempty"`
	// ToolQualifiedScopes honours the tool segment of tool:<connector>:<permission>:<tool>.
	ToolQualifiedScopes bool `json:"toolQualifiedScopes,omitempty"`
	// JwksURI defaults to the client's <base URL>/.well-known/jwks.json.
	JwksURI *string `json:"jwksUri,omitempty"`
	// Issuer defaults to the one derived from the JWKS URI.
	Issuer *string `json:"issuer,omitempty"`
	// JWKS is a static key set used instead of fetching JwksURI (needs Issuer).
	JWKS json.RawMessage `json:"jwks,omitempty"`
	// Now fixes the clock (Unix seconds), for the shared vectors.
	Now *int64 `json:"now,omitempty"`
}

// EnforceCall is one tool call to check.
type EnforceCall struct {
	GrantToken string `json:"grantToken"`
	Connector  string `json:"connector"`
	Tool       string `json:"tool"`
	// Amount is the call's amount, for capped:<N> scopes.
	Amount *float64 `json:"amount,omitempty"`
	// Per-call overrides; each may only tighten the Enforcer's settings.
	Audience        *string  `json:"audience,omitempty"`
	DataRegion      *string  `json:"dataRegion,omitempty"`
	RevocationCheck string   `json:"revocationCheck,omitempty"`
	CapsMode        string   `json:"capsMode,omitempty"`
	DecisionsMode   string   `json:"decisionsMode,omitempty"`
	DecisionGrants  []string `json:"decisionGrants,omitempty"`
}

// EnforceResult is the decision for one tool call. A denied call has Allowed false, a
// sentence in Reason and stable codes in ReasonCode / SubReason (the DenialReason* constants).
type EnforceResult struct {
	Allowed      bool             `json:"allowed"`
	Reason       string           `json:"reason"`
	GrantID      string           `json:"grantId"`
	AgentDID     string           `json:"agentDid"`
	Scopes       []string         `json:"scopes"`
	Permission   string           `json:"permission"`
	Connector    string           `json:"connector"`
	Tool         string           `json:"tool"`
	ReasonCode   string           `json:"reasonCode"`
	SubReason    string           `json:"subReason"`
	Details      map[string]any   `json:"details"`
	Purpose      string           `json:"purpose"`
	WouldDeny    map[string]any   `json:"wouldDeny"`
	WouldDenyAll []map[string]any `json:"wouldDenyAll"`
	Grant        *VerifiedGrant   `json:"grant,omitempty"`
	AmountCap    *float64         `json:"amountCap,omitempty"`
}

// The reason codes of a denied EnforceResult.
const (
	DenialPurposeNotAllowed      = "purpose_not_allowed"
	DenialToolNotGranted         = "tool_not_granted"
	DenialPermissionInsufficient = "permission_insufficient"
	DenialCapExceeded            = "cap_exceeded"
	DenialDecisionRequired       = "decision_required"
	DenialDecisionInvalid        = "decision_invalid"
	DenialGrantRevoked           = "grant_revoked"
	DenialRegionMismatch         = "region_mismatch"
	DenialManifestUnknownTool    = "manifest_unknown_tool"
	DenialTokenInvalid           = "token_invalid"
)

// Enforcer checks tool calls against tool manifests: the grant token verified offline, its
// revocation checked as configured, the grant's scopes and authorization_details. Safe for
// concurrent use; Close frees it.
type Enforcer struct {
	mu       sync.Mutex
	ptr      *C.grantex_enforcer
	inflight int
	closed   bool
}

// NewEnforcer builds an Enforcer over client (which answers online revocation checks). A bad
// setting is an *Error with Code "config_error".
func NewEnforcer(client *Client, config EnforceConfig) (*Enforcer, error) {
	if client.initErr != nil {
		return nil, client.initErr
	}
	js, err := json.Marshal(config)
	if err != nil {
		return nil, err
	}
	cptr, ok := client.h.acquire()
	if !ok {
		return nil, ErrClosed
	}
	defer client.h.release()
	e := &Enforcer{}
	err = lockedCall(func() error {
		cj := C.CString(string(js))
		defer C.free(unsafe.Pointer(cj))
		var ptr *C.grantex_enforcer
		if rc := C.grantex_enforcer_new(cptr, cj, &ptr); rc != resultOK {
			return readLastError(rc).toError()
		}
		e.ptr = ptr
		return nil
	})
	if err != nil {
		return nil, err
	}
	runtime.SetFinalizer(e, (*Enforcer).Close)
	return e, nil
}

func (e *Enforcer) acquire() (*C.grantex_enforcer, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || e.ptr == nil {
		return nil, false
	}
	e.inflight++
	return e.ptr, true
}

func (e *Enforcer) release() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inflight--
	if e.closed && e.inflight == 0 && e.ptr != nil {
		C.grantex_enforcer_free(e.ptr)
		e.ptr = nil
	}
}

// Close frees the enforcer once no call runs on it; later calls return ErrClosed.
func (e *Enforcer) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if e.inflight == 0 && e.ptr != nil {
		C.grantex_enforcer_free(e.ptr)
		e.ptr = nil
	}
	return nil
}

func (e *Enforcer) withPtr(f func(*C.grantex_enforcer) C.grantex_result) error {
	ptr, ok := e.acquire()
	if !ok {
		return ErrClosed
	}
	defer e.release()
	return lockedCall(func() error {
		if rc := f(ptr); rc != resultOK {
			return readLastError(rc).toError()
		}
		return nil
	})
}

// LoadManifestJSON loads (or replaces) its connector's manifest from a manifest document (a
// repeated key is refused). An invalid manifest is an *Error with Code "manifest_invalid".
func (e *Enforcer) LoadManifestJSON(manifest []byte) error {
	return e.withPtr(func(ptr *C.grantex_enforcer) C.grantex_result {
		cj := C.CString(string(manifest))
		defer C.free(unsafe.Pointer(cj))
		return C.grantex_enforcer_load_manifest(ptr, cj)
	})
}

// LoadPrebuiltManifest loads a prebuilt manifest (PrebuiltManifestNames lists them).
func (e *Enforcer) LoadPrebuiltManifest(connector string) error {
	return e.withPtr(func(ptr *C.grantex_enforcer) C.grantex_result {
		cn := C.CString(connector)
		defer C.free(unsafe.Pointer(cn))
		return C.grantex_enforcer_load_prebuilt(ptr, cn)
	})
}

// Enforce checks one tool call. A token or grant problem is a denial in the result, never an
// error; an error means a malformed call or a per-call option that would loosen the settings.
// It honours ctx while a revocation check or key fetch runs.
func (e *Enforcer) Enforce(ctx context.Context, call EnforceCall) (*EnforceResult, error) {
	js, err := json.Marshal(call)
	if err != nil {
		return nil, err
	}
	return e.enforceJSON(ctx, js)
}

func (e *Enforcer) enforceJSON(ctx context.Context, js []byte) (*EnforceResult, error) {
	ptr, ok := e.acquire()
	if !ok {
		return nil, ErrClosed
	}
	r := runAsync(ctx, func() callOutcome {
		defer e.release()
		return lockedCall(func() callOutcome {
			cj := C.CString(string(js))
			defer C.free(unsafe.Pointer(cj))
			var out *C.char
			if rc := C.grantex_enforce(ptr, cj, &out); rc != resultOK {
				return callOutcome{failure: readLastError(rc)}
			}
			return callOutcome{json: takeString(out)}
		})
	})
	var result EnforceResult
	if err := finish(r, &result); err != nil {
		return nil, err
	}
	return &result, nil
}

// RevocationFeedState is what an Enforcer's revocation feed knows.
type RevocationFeedState struct {
	Synced      bool     `json:"synced"`
	Fresh       bool     `json:"fresh"`
	AgeSecs     *float64 `json:"ageSecs"`
	Cursor      int64    `json:"cursor"`
	Known       int      `json:"known"`
	Unavailable *string  `json:"unavailable"`
}

// RevocationFeedState returns what the revocation feed knows, or nil when no feed was started
// (RevocationCheck "feed" starts it).
func (e *Enforcer) RevocationFeedState() (*RevocationFeedState, error) {
	ptr, ok := e.acquire()
	if !ok {
		return nil, ErrClosed
	}
	defer e.release()
	r := lockedCall(func() strResult {
		var out *C.char
		if rc := C.grantex_enforcer_feed_state(ptr, &out); rc != resultOK {
			return strResult{err: readLastError(rc).toError()}
		}
		return strResult{s: takeString(out)}
	})
	if r.err != nil {
		return nil, r.err
	}
	var state *RevocationFeedState
	return state, json.Unmarshal([]byte(r.s), &state)
}

// PrebuiltManifestNames lists the connectors with a prebuilt manifest.
func PrebuiltManifestNames() ([]string, error) {
	r := lockedCall(func() strResult {
		var out *C.char
		if rc := C.grantex_prebuilt_manifest_names(&out); rc != resultOK {
			return strResult{err: readLastError(rc).toError()}
		}
		return strResult{s: takeString(out)}
	})
	if r.err != nil {
		return nil, r.err
	}
	var names []string
	return names, json.Unmarshal([]byte(r.s), &names)
}
