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

// DPoP (RFC 9449) for agents, by the core: the agent's key, the public half it registers as
// its PublicJwk (the server then binds its grant tokens to that key: cnf.jkt) and a proof per
// request. A resource server checks proofs with VerifyOptions.DPoP.

// strCall runs one C call that takes string arguments (nil for a "" marked optional) and
// writes one new string.
func strCall(args []string, optionalLast bool, call func([]*C.char, **C.char) C.grantex_result) (string, error) {
	r := lockedCall(func() strResult {
		cargs := make([]*C.char, len(args))
		for i, a := range args {
			cargs[i] = cString(a, optionalLast && i == len(args)-1)
			defer C.free(unsafe.Pointer(cargs[i]))
		}
		var out *C.char
		if rc := call(cargs, &out); rc != resultOK {
			return strResult{err: readLastError(rc).toError()}
		}
		return strResult{s: takeString(out)}
	})
	return r.s, r.err
}

// GenerateDPoPJWK returns a new EC P-256 private key as a JWK (JSON text): the agent's DPoP
// key. Keep it secret.
func GenerateDPoPJWK() (string, error) {
	return strCall(nil, false, func(_ []*C.char, out **C.char) C.grantex_result {
		return C.grantex_dpop_generate_jwk(out)
	})
}

// DPoPPublicJWK returns the public half of jwk (JSON text), to register as the agent's
// PublicJwk (decode it with json.Unmarshal into the params' map).
func DPoPPublicJWK(jwk string) (string, error) {
	return strCall([]string{jwk}, false, func(a []*C.char, out **C.char) C.grantex_result {
		return C.grantex_dpop_public_jwk(a[0], out)
	})
}

// DPoPPublicJWKMap is DPoPPublicJWK decoded, ready for RegisterAgentParams.PublicJwk.
func DPoPPublicJWKMap(jwk string) (map[string]any, error) {
	text, err := DPoPPublicJWK(jwk)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, &Error{Code: "decode_error", Message: "public JWK: " + err.Error()}
	}
	return m, nil
}

// JWKThumbprint returns the RFC 7638 SHA-256 thumbprint of jwk (JSON text, public or
// private): the cnf.jkt of the tokens bound to it.
func JWKThumbprint(jwk string) (string, error) {
	return strCall([]string{jwk}, false, func(a []*C.char, out **C.char) C.grantex_result {
		return C.grantex_jwk_thumbprint(a[0], out)
	})
}

// CreateDPoPProof returns a DPoP proof (ES256, a fresh jti, the current time as iat) for a
// method request to url (its query and fragment are left out), bound to accessToken (ath)
// unless it is "": send it as the request's DPoP header.
func CreateDPoPProof(privateJWK, method, url, accessToken string) (string, error) {
	args := []string{privateJWK, method, url, accessToken}
	return strCall(args, true, func(a []*C.char, out **C.char) C.grantex_result {
		return C.grantex_dpop_create_proof(a[0], a[1], a[2], a[3], out)
	})
}
