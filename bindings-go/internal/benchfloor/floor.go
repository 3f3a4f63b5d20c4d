//go:build grantex_bench

// Package benchfloor wraps the raw RS256 verification floor of a libgrantex built with
// `make -C bindings-c install FEATURES=bench` (the core's RsaFloor: one RSA PKCS#1 SHA-256
// verification of the token's signature with a pre-parsed key, nothing else). Benchmarks only:
// the exports exist in no release library and are declared here, not in grantex.h.
package benchfloor

/*
#include <stdbool.h>
#include <stdlib.h>
#include <grantex.h>
typedef struct grantex_bench_floor grantex_bench_floor;
grantex_result grantex_bench_floor_new(const char *jwks_json, const char *token, grantex_bench_floor **out);
grantex_result grantex_bench_floor_verify(const grantex_bench_floor *floor, bool *out_valid);
void grantex_bench_floor_free(grantex_bench_floor *floor);
*/
import "C"

import (
	"errors"
	"unsafe"
)

// Floor is one token and its key, ready for the raw signature check.
type Floor struct{ p *C.grantex_bench_floor }

// New prepares the floor for token under the key set jwksJSON.
func New(jwksJSON, token string) (*Floor, error) {
	cj := C.CString(jwksJSON)
	defer C.free(unsafe.Pointer(cj))
	ct := C.CString(token)
	defer C.free(unsafe.Pointer(ct))
	f := &Floor{}
	if rc := C.grantex_bench_floor_new(cj, ct, &f.p); rc != 0 {
		return nil, errors.New("grantex_bench_floor_new failed")
	}
	return f, nil
}

// Verify runs one raw RSA verification; false when the signature does not verify.
func (f *Floor) Verify() bool {
	var ok C.bool
	return C.grantex_bench_floor_verify(f.p, &ok) == 0 && bool(ok)
}

// Raw is grantex_verify with a verifier and options built once, the loop scripts/bench-c times
// (for telling the cost of the Go wrapper from the core's).
type Raw struct {
	v     *C.grantex_verifier
	o     *C.grantex_verify_options
	token *C.char
}

// NewRaw prepares Raw for token under jwksJSON with the issuer and clock given.
func NewRaw(jwksJSON, token, issuer string, now int64) (*Raw, error) {
	r := &Raw{token: C.CString(token)}
	cj := C.CString(jwksJSON)
	defer C.free(unsafe.Pointer(cj))
	ci := C.CString(issuer)
	defer C.free(unsafe.Pointer(ci))
	if C.grantex_verifier_new_from_json(cj, &r.v) != 0 || C.grantex_verify_options_new(&r.o) != 0 ||
		C.grantex_verify_options_set_issuer(r.o, ci) != 0 || C.grantex_verify_options_set_now(r.o, C.int64_t(now)) != 0 {
		return nil, errors.New("raw verifier set-up failed")
	}
	return r, nil
}

// Verify runs grantex_verify and frees the grant; false on failure.
func (r *Raw) Verify() bool {
	var g *C.grantex_verified_grant
	ok := C.grantex_verify(r.v, r.token, r.o, &g) == 0
	C.grantex_verified_grant_free(g)
	return ok
}

// Close frees the floor.
func (f *Floor) Close() { C.grantex_bench_floor_free(f.p) }
