//go:build !grantex_static && !grantex_shared && !(linux && amd64)

package grantex

// The module carries a prebuilt libgrantex for linux/amd64 only. Elsewhere, build libgrantex
// from source (make -C bindings-c install) and use the build tag grantex_shared or
// grantex_static (see link_shared.go, link_static.go); the name below makes the default build
// fail with that hint.
var _ = prebuiltLibgrantexIsLinuxAmd64Only_BuildWithTagGrantexSharedOrGrantexStatic
