//go:build grantex_static

package grantex

// With the build tag grantex_static the package links a libgrantex.a of your own (no run-time
// dependency on libgrantex.so). The header and the library are found through the environment:
//
//	CGO_CFLAGS=-I$PREFIX/include CGO_LDFLAGS=-L$PREFIX/lib go build -tags grantex_static
//
// The system libraries are those bindings-c/README.md lists for a static link.

// #cgo LDFLAGS: -l:libgrantex.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
import "C"
