module github.com/grantex-rs/grantex/bindings-go

go 1.24
