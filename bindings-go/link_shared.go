//go:build grantex_shared

package grantex

// With the build tag grantex_shared the package links the shared libgrantex found by
// pkg-config (`make -C bindings-c install PREFIX=...`, then
// PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig). See link_prebuilt.go for the default build and
// link_static.go for the other tag.

// #cgo pkg-config: grantex
import "C"
