//go:build !grantex_static

package grantex

// The default build links the shared libgrantex found by pkg-config (`make -C bindings-c
// install PREFIX=...`, then PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig). Build with the tag
// grantex_static to link libgrantex.a instead (see link_static.go).

// #cgo pkg-config: grantex
import "C"
