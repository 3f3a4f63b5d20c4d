//go:build !grantex_static && !grantex_shared

package grantex

// The default build links the prebuilt static library carried inside the module
// (internal/lib/<GOOS>_<GOARCH>/libgrantex.a, with the headers in include/), so `go build`
// needs no cargo and no installed libgrantex; the program has no run-time dependency on it.
// The packaged module (scripts/package) holds them; in the repository they are generated, not
// committed: scripts/lib/go-prebuilt.sh builds them (cargo, release). Platforms: linux/amd64.
// Build tags for a libgrantex of your own: grantex_shared (pkg-config, link_shared.go) or
// grantex_static (CGO_CFLAGS/CGO_LDFLAGS, link_static.go).
//
// The system libraries are those bindings-c/README.md lists for a static link.

// #cgo CFLAGS: -I${SRCDIR}/include
// #cgo linux,amd64 LDFLAGS: ${SRCDIR}/internal/lib/linux_amd64/libgrantex.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
import "C"
