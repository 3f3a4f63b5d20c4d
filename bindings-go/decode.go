package grantex

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"encoding/json"
	"unsafe"
)

// TokenInfo is what a grant token says about itself, read without verification (see
// GetTokenInfo). Claims that are absent or of another type are nil.
type TokenInfo struct {
	TokenID         *string         `json:"tokenId"`
	GrantID         *string         `json:"grantId"`
	PrincipalID     *string         `json:"principalId"`
	AgentDID        *string         `json:"agentDid"`
	DeveloperID     *string         `json:"developerId"`
	Scopes          []string        `json:"scopes"`
	Issuer          *string         `json:"issuer"`
	Audience        json.RawMessage `json:"audience"`
	IssuedAt        *int64          `json:"issuedAt"`
	ExpiresAt       *int64          `json:"expiresAt"`
	Expired         bool            `json:"expired"`
	DelegationDepth *int            `json:"delegationDepth"`
	ParentGrantID   *string         `json:"parentGrantId"`
	Sandbox         bool            `json:"sandbox"`
}

func decodeCall(token string, call func(*C.char, **C.char) C.grantex_result) (string, error) {
	r := lockedCall(func() strResult {
		ctoken := C.CString(token)
		defer C.free(unsafe.Pointer(ctoken))
		var out *C.char
		if rc := call(ctoken, &out); rc != resultOK {
			return strResult{err: readLastError(rc).toError()}
		}
		return strResult{s: takeString(out)}
	})
	return r.s, r.err
}

// DecodeJWTPayload returns the JSON object in a JWT's payload WITHOUT verifying it (no
// signature, issuer, audience or expiry check): for logs and displays, never to decide what a
// token allows (use a Verifier). A string that is not a JWT with a JSON-object payload is a
// *TokenError with code "malformed".
func DecodeJWTPayload(token string) (map[string]any, error) {
	text, err := decodeCall(token, func(t *C.char, out **C.char) C.grantex_result {
		return C.grantex_decode_jwt_payload(t, out)
	})
	if err != nil {
		return nil, err
	}
	var payload map[string]any
	if err := json.Unmarshal([]byte(text), &payload); err != nil {
		return nil, err
	}
	return payload, nil
}

// GetTokenInfo reads what a grant token says about itself from either claim layout, WITHOUT
// verifying it; it fails like DecodeJWTPayload.
func GetTokenInfo(token string) (*TokenInfo, error) {
	text, err := decodeCall(token, func(t *C.char, out **C.char) C.grantex_result {
		return C.grantex_get_token_info(t, out)
	})
	if err != nil {
		return nil, err
	}
	var info TokenInfo
	if err := json.Unmarshal([]byte(text), &info); err != nil {
		return nil, err
	}
	return &info, nil
}
