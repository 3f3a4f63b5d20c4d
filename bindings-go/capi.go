package grantex

/*
#include <stdlib.h>
#include <grantex.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Result codes of the C library (grantex_result) that this package tells apart.
const (
	resultOK              = 0
	resultInvalidArgument = 1000
	resultBufferTooSmall  = 1001
	resultNotFound        = 1002
	resultConfig          = 2000
	resultNetwork         = 3000
	resultTimeout         = 4000
	resultAPI             = 5000
	resultDecode          = 5001
	resultAuth            = 6000
)

// cFailure is everything the C library's per-thread last error holds about one failed call.
// It is read on the OS thread that made the call (see lockedCall).
type cFailure struct {
	code      uint32
	message   string
	status    int // 0 when the failure carried no HTTP status
	apiCode   string
	requestID string
	body      []byte
	rateLimit *RateLimit // the failing response's rate-limit headers, when it had them
}

// resultName is the stable string of a result code ("ok", "api_error", "expired", ...).
func resultName(code uint32) string {
	return C.GoString(C.grantex_result_name(C.uint32_t(code)))
}

// readLastError collects the calling thread's last error for the failed call that returned
// code. The caller holds the OS thread (runtime.LockOSThread) since the call.
func readLastError(code C.grantex_result) *cFailure {
	f := &cFailure{code: uint32(code)}
	var s *C.char
	if C.grantex_last_error_string(&s) == resultOK && s != nil {
		f.message = C.GoString(s)
		C.grantex_string_free(s)
	}
	var status C.uint16_t
	if C.grantex_last_error_http_status(&status) == resultOK {
		f.status = int(status)
	}
	f.apiCode = readBuffered(func(buf *C.char, n C.size_t, outLen *C.size_t) C.grantex_result {
		return C.grantex_last_error_api_code(buf, n, outLen)
	})
	f.requestID = readBuffered(func(buf *C.char, n C.size_t, outLen *C.size_t) C.grantex_result {
		return C.grantex_last_error_request_id(buf, n, outLen)
	})
	var body *C.char
	if C.grantex_last_error_body(&body) == resultOK && body != nil {
		f.body = []byte(C.GoString(body))
		C.grantex_string_free(body)
	}
	var rl C.grantex_rate_limit
	if C.grantex_last_error_rate_limit(&rl) == resultOK {
		f.rateLimit = rateLimitFromC(&rl)
	}
	return f
}

// rateLimitFromC converts the C library's rate-limit state.
func rateLimitFromC(rl *C.grantex_rate_limit) *RateLimit {
	out := &RateLimit{Limit: int(rl.limit), Remaining: int(rl.remaining), Reset: int64(rl.reset)}
	if rl.has_retry_after {
		out.RetryAfter = int(rl.retry_after)
	}
	return out
}

// readBuffered reads one of the last-error strings that are copied into a caller's buffer,
// growing the buffer once when the first does not fit. "" when absent.
func readBuffered(get func(*C.char, C.size_t, *C.size_t) C.grantex_result) string {
	size := C.size_t(256)
	for range 2 {
		buf := (*C.char)(C.malloc(size))
		var full C.size_t
		rc := get(buf, size, &full)
		if rc == resultOK {
			s := C.GoString(buf)
			C.free(unsafe.Pointer(buf))
			return s
		}
		C.free(unsafe.Pointer(buf))
		if rc != resultBufferTooSmall {
			return ""
		}
		size = full + 1
	}
	return ""
}

// takeString copies an owned C string into Go and frees it.
func takeString(s *C.char) string {
	if s == nil {
		return ""
	}
	out := C.GoString(s)
	C.grantex_string_free(s)
	return out
}

// cString is a C copy of s the caller frees with C.free; nil for "" when nilIfEmpty.
func cString(s string, nilIfEmpty bool) *C.char {
	if s == "" && nilIfEmpty {
		return nil
	}
	return C.CString(s)
}

// lockedCall runs f with the goroutine locked to its OS thread, so that the C library's
// per-thread last error read after a failure belongs to the call f made.
func lockedCall[T any](f func() T) T {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return f()
}

// callOutcome is the result of one generic call: the JSON text, or the failure.
type callOutcome struct {
	json    string
	failure *cFailure
}

// rawCall runs one catalog operation through grantex_client_call (client non-nil) or
// grantex_call_unauthenticated (client nil, with baseURL). It blocks the calling goroutine's
// thread for the whole request.
func rawCall(client *C.grantex_client, baseURL, op, in string) callOutcome {
	return lockedCall(func() callOutcome {
		cop := C.CString(op)
		defer C.free(unsafe.Pointer(cop))
		cin := C.CString(in)
		defer C.free(unsafe.Pointer(cin))
		var out *C.char
		var rc C.grantex_result
		if client != nil {
			rc = C.grantex_client_call(client, cop, cin, &out)
		} else {
			cbase := cString(baseURL, true)
			defer C.free(unsafe.Pointer(cbase))
			rc = C.grantex_call_unauthenticated(cbase, cop, cin, &out)
		}
		if rc != resultOK {
			return callOutcome{failure: readLastError(rc)}
		}
		return callOutcome{json: takeString(out)}
	})
}
