module github.com/grantex-rs/grantex/examples/go/quickstart

go 1.24

require github.com/grantex-rs/grantex/bindings-go v0.0.0

replace github.com/grantex-rs/grantex/bindings-go => ../../../bindings-go
