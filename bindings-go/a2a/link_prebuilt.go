//go:build !grantex_static && !grantex_shared

package a2a

// The default build: the header the module carries (see the grantex package's
// link_prebuilt.go, which links the prebuilt library for both packages).

// #cgo CFLAGS: -I${SRCDIR}/../include
import "C"
