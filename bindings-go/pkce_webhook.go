package grantex

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"time"
	"unsafe"
)

// PKCEChallenge is a PKCE (RFC 7636) verifier and its S256 challenge.
type PKCEChallenge struct {
	// CodeVerifier is kept by the client and sent with TokensService.Exchange.
	CodeVerifier string
	// CodeChallenge is sent with Client.Authorize.
	CodeChallenge string
	// CodeChallengeMethod is "S256".
	CodeChallengeMethod string
}

// GeneratePKCE makes a fresh PKCE verifier (from the core's CSPRNG) and its S256 challenge.
func GeneratePKCE() (*PKCEChallenge, error) {
	type pair struct {
		v, c string
		err  error
	}
	p := lockedCall(func() pair {
		var v, c *C.char
		if rc := C.grantex_pkce_generate(&v, &c); rc != resultOK {
			return pair{err: readLastError(rc).toError()}
		}
		return pair{v: takeString(v), c: takeString(c)}
	})
	if p.err != nil {
		return nil, p.err
	}
	return &PKCEChallenge{CodeVerifier: p.v, CodeChallenge: p.c, CodeChallengeMethod: "S256"}, nil
}

// DefaultWebhookTolerance is the replay window VerifyWebhook uses when given 0.
const DefaultWebhookTolerance = 300 * time.Second

// VerifyWebhook checks a webhook delivery: signature is the X-Grantex-Signature-V2 header
// (sha256=<hex>), timestamp the X-Grantex-Timestamp header, payload the raw body. It is true
// when the MAC matches and the timestamp is within tolerance of the system clock (0: the
// default, 5 minutes). Malformed headers are simply false.
func VerifyWebhook(payload []byte, signature, timestamp, secret string, tolerance time.Duration) bool {
	return webhookCheck(payload, signature, timestamp, secret, tolerance, nil)
}

// VerifyWebhookAt is VerifyWebhook with an explicit clock, for tests.
func VerifyWebhookAt(payload []byte, signature, timestamp, secret string, tolerance time.Duration, now time.Time) bool {
	return webhookCheck(payload, signature, timestamp, secret, tolerance, &now)
}

func webhookCheck(payload []byte, signature, timestamp, secret string, tolerance time.Duration, now *time.Time) bool {
	if tolerance <= 0 {
		tolerance = DefaultWebhookTolerance
	}
	csig := C.CString(signature)
	defer C.free(unsafe.Pointer(csig))
	cts := C.CString(timestamp)
	defer C.free(unsafe.Pointer(cts))
	csec := C.CString(secret)
	defer C.free(unsafe.Pointer(csec))
	var p *C.uint8_t
	if len(payload) > 0 {
		p = (*C.uint8_t)(C.CBytes(payload))
		defer C.free(unsafe.Pointer(p))
	}
	var valid C.bool
	var rc C.grantex_result
	secs := C.uint64_t(tolerance / time.Second)
	if now == nil {
		rc = C.grantex_webhook_verify(p, C.size_t(len(payload)), csig, cts, csec, secs, &valid)
	} else {
		rc = C.grantex_webhook_verify_at(p, C.size_t(len(payload)), csig, cts, csec, secs, C.int64_t(now.Unix()), &valid)
	}
	return rc == resultOK && bool(valid)
}

// VerifyWebhookSignature is the reference SDK's check of the legacy (V1) X-Grantex-Signature
// header: a MAC of the body alone, replayable forever. Prefer VerifyWebhook.
func VerifyWebhookSignature(payload []byte, signature, secret string) bool {
	csig := C.CString(signature)
	defer C.free(unsafe.Pointer(csig))
	csec := C.CString(secret)
	defer C.free(unsafe.Pointer(csec))
	var p *C.uint8_t
	if len(payload) > 0 {
		p = (*C.uint8_t)(C.CBytes(payload))
		defer C.free(unsafe.Pointer(p))
	}
	var valid C.bool
	rc := C.grantex_webhook_verify_signature_v1(p, C.size_t(len(payload)), csig, csec, &valid)
	return rc == resultOK && bool(valid)
}

// SignWebhook computes the V2 signature header value a server sends for payload at timestamp
// (Unix seconds), for testing receivers.
func SignWebhook(payload []byte, secret string, timestamp int64) (string, error) {
	r := lockedCall(func() strResult {
		csec := C.CString(secret)
		defer C.free(unsafe.Pointer(csec))
		var p *C.uint8_t
		if len(payload) > 0 {
			p = (*C.uint8_t)(C.CBytes(payload))
			defer C.free(unsafe.Pointer(p))
		}
		var out *C.char
		if rc := C.grantex_webhook_sign(p, C.size_t(len(payload)), csec, C.uint64_t(timestamp), &out); rc != resultOK {
			return strResult{err: readLastError(rc).toError()}
		}
		return strResult{s: takeString(out)}
	})
	return r.s, r.err
}
