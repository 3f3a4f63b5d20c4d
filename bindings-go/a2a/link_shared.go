//go:build grantex_shared

package a2a

// See the grantex package's link_prebuilt.go / link_shared.go / link_static.go: the same build
// tags apply.

// #cgo pkg-config: grantex
import "C"
