package a2a

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"unsafe"

	grantex "github.com/grantex-rs/grantex/bindings-go"
)

// Error is a failed call of a Client that is the A2A bridge's own (the other failures are the
// grantex package's errors: *grantex.NetworkError, *grantex.TokenError, *grantex.Error).
type Error struct {
	// Code is stable: "a2a_preflight" (our token failed the offline check; nothing was sent),
	// "a2a_rpc_error" (the agent answered with a JSON-RPC error), "a2a_http_error" (a non-2xx
	// answer without one), "a2a_card_error" (no usable card, or it contradicts the options),
	// "a2a_protocol_error" (the answer is not a JSON-RPC 2.0 response to our request).
	Code string
	// Reason is the finer reason: the token error code of a preflight failure, or the remote
	// guard's data.reason ("expired", "missing_scopes", "delegation_too_deep", "revoked", ...).
	Reason string
	// Status is the HTTP status the agent answered with (0 when it did not answer).
	Status int
	// Message describes the failure.
	Message string
	// RPC is the agent's JSON-RPC error object (Code "a2a_rpc_error").
	RPC *RPCError
}

// RPCError is a JSON-RPC error object.
type RPCError struct {
	// Code is the JSON-RPC code (-32001 / -32003 / -32005 for a Grantex guard's refusal).
	Code int `json:"code"`
	// Message is the agent's message.
	Message string `json:"message"`
	// Data is the error's data, if any (a Grantex guard puts {"reason": ...} there).
	Data json.RawMessage `json:"data,omitempty"`
}

// Error describes the failure with its code.
func (e *Error) Error() string {
	s := "grantex a2a: " + e.Code
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.Status != 0 {
		s += fmt.Sprintf(" HTTP %d", e.Status)
	}
	return s + ": " + e.Message
}

// Unwrap gives, for a preflight failure, the token error as a *grantex.TokenError.
func (e *Error) Unwrap() error {
	if e.Code == "a2a_preflight" {
		return &grantex.TokenError{Code: e.Reason, Message: e.Message}
	}
	return nil
}

// readFailure is the calling thread's last error (the thread is locked since the call that
// returned rc) as this package's or the grantex package's error.
func readFailure(rc C.grantex_result) error {
	code := C.GoString(C.grantex_result_name(C.uint32_t(rc)))
	msg := ""
	var s *C.char
	if C.grantex_last_error_string(&s) == 0 && s != nil {
		msg = C.GoString(s)
		C.grantex_string_free(s)
	}
	switch {
	case rc >= C.GRANTEX_A2A_PREFLIGHT && rc <= C.GRANTEX_A2A_PROTOCOL:
		e := &Error{Code: code, Message: msg, Reason: lastAPICode()}
		var status C.uint16_t
		if C.grantex_last_error_http_status(&status) == 0 {
			e.Status = int(status)
		}
		var body *C.char
		if rc == C.GRANTEX_A2A_RPC && C.grantex_last_error_body(&body) == 0 && body != nil {
			var rpc RPCError
			if json.Unmarshal([]byte(C.GoString(body)), &rpc) == nil {
				e.RPC = &rpc
			}
			C.grantex_string_free(body)
		}
		return e
	case rc >= 7000 && rc < 8000:
		return &grantex.TokenError{Code: code, Message: msg}
	case rc == C.GRANTEX_NETWORK:
		return &grantex.NetworkError{Message: msg}
	case rc == C.GRANTEX_TIMEOUT:
		return &grantex.NetworkError{Message: msg, Timeout: true}
	default:
		return &grantex.Error{Code: code, Message: msg}
	}
}

// lastAPICode is the last error's API code / reason ("" when absent).
func lastAPICode() string {
	size := C.size_t(128)
	for range 2 {
		buf := (*C.char)(C.malloc(size))
		var full C.size_t
		rc := C.grantex_last_error_api_code(buf, size, &full)
		if rc == 0 {
			s := C.GoString(buf)
			C.free(unsafe.Pointer(buf))
			return s
		}
		C.free(unsafe.Pointer(buf))
		if rc != C.GRANTEX_BUFFER_TOO_SMALL {
			return ""
		}
		size = full + 1
	}
	return ""
}
