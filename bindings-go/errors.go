package grantex

import (
	"encoding/json"
	"errors"
	"fmt"
)

// RateLimit is the rate-limit metadata of an API response: X-RateLimit-Limit, -Remaining and
// -Reset, and Retry-After. It is given (Client.LastRateLimit, APIError.RateLimit) only when the
// response carried all three X-RateLimit-* headers as integers, as in the reference SDK. The
// core also honours Retry-After itself when it retries a 429.
type RateLimit struct {
	// Limit is the request budget of the window (X-RateLimit-Limit).
	Limit int
	// Remaining is what is left of it (X-RateLimit-Remaining).
	Remaining int
	// Reset is X-RateLimit-Reset as the server sends it; grantex-server sends the seconds
	// until the window resets (1 to 60).
	Reset int64
	// RetryAfter is the Retry-After header in seconds (429 answers carry it); 0 when absent.
	RetryAfter int
}

// APIError is a non-2xx answer of the Grantex API other than 401/403 (those are *AuthError).
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the server's error code, e.g. "NOT_FOUND".
	Code string
	// Message is the server's (or the core's) description of the failure.
	Message string
	// RequestID is the x-request-id of the answer, when the server sent one.
	RequestID string
	// Body is the response body as the server sent it (JSON), when there was one.
	Body json.RawMessage
	// RateLimit is the failing response's rate-limit headers (with RetryAfter on a 429), nil
	// when it had none.
	RateLimit *RateLimit
}

// Error describes the failure with its status, code and request id.
func (e *APIError) Error() string {
	s := fmt.Sprintf("grantex: API error %d", e.StatusCode)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request " + e.RequestID + ")"
	}
	return s
}

// AuthError is a 401 or 403 answer: a missing, wrong or rotated API key, or a forbidden call.
// It wraps the *APIError with the details, so errors.As finds either.
type AuthError struct {
	*APIError
}

// Error describes the failure.
func (e *AuthError) Error() string {
	if e.APIError == nil {
		return "grantex: authentication error"
	}
	return "grantex: authentication error: " + e.APIError.Error()
}

// Unwrap gives the *APIError with the status, code, request id and body.
func (e *AuthError) Unwrap() error {
	if e.APIError == nil {
		return nil
	}
	return e.APIError
}

// TokenError is a grant token (or a key set) refused by the offline verifier, or an online
// verification that found the token revoked or inactive.
type TokenError struct {
	// Code is the stable reason every Grantex SDK uses: "malformed", "too_large",
	// "duplicate_member", "unsupported_alg", "forbidden_header", "unknown_kid",
	// "ambiguous_kid", "weak_key", "bad_signature", "expired", "not_yet_valid",
	// "issued_in_future", "wrong_issuer", "wrong_audience", "missing_scopes",
	// "missing_claim", "invalid_claim", "claim_conflict", "delegation_too_deep",
	// "invalid_jwks", "jwks_fetch", "revoked", "inactive", "sandbox_token", "wrong_principal",
	// "wrong_agent", "authority_mismatch", "proof_required", "not_key_bound",
	// "proof_mismatch", "invalid_proof".
	Code string
	// Message is the verifier's detail (it never contains the token).
	Message string
	// Cause is an underlying error, if any.
	Cause error
}

// Error describes the failure with its code.
func (e *TokenError) Error() string {
	if e.Message == "" {
		return "grantex: token error: " + e.Code
	}
	return "grantex: token error (" + e.Code + "): " + e.Message
}

// Unwrap gives the cause, if any.
func (e *TokenError) Unwrap() error { return e.Cause }

// NetworkError is a request that got no usable answer: connection refused, DNS, TLS, reset,
// a timeout after the retries, or a 2xx answer whose body did not have the expected shape.
type NetworkError struct {
	// Message describes the failure.
	Message string
	// Timeout is true when no answer came within the timeout.
	Timeout bool
	// Cause is an underlying error, if any.
	Cause error
}

// Error describes the failure.
func (e *NetworkError) Error() string {
	if e.Cause != nil {
		return "grantex: network error: " + e.Message + ": " + e.Cause.Error()
	}
	return "grantex: network error: " + e.Message
}

// Unwrap gives the cause, if any.
func (e *NetworkError) Unwrap() error { return e.Cause }

// Error is any other failure of the library: an invalid argument (a missing or unknown
// member, a bad value; nothing was sent), a configuration error (no API key, a bad base URL
// or JWKS URI, a refused verify option), or an internal error.
type Error struct {
	// Code is the stable string of the C library's result: "invalid_argument",
	// "config_error", "panic", ...
	Code string
	// Message describes the failure.
	Message string
}

// Error describes the failure with its code.
func (e *Error) Error() string { return "grantex: " + e.Code + ": " + e.Message }

// ErrClosed is returned by calls on a Client or Verifier after Close.
var ErrClosed = errors.New("grantex: use of a closed client or verifier")

// toError maps a failure of the C library to this package's error types.
func (f *cFailure) toError() error {
	switch {
	case f.code >= 7000 && f.code < 8000:
		return &TokenError{Code: resultName(f.code), Message: f.message}
	case f.code == resultAuth, f.code == resultAPI:
		api := &APIError{
			StatusCode: f.status,
			Code:       f.apiCode,
			Message:    f.message,
			RequestID:  f.requestID,
			RateLimit:  f.rateLimit,
		}
		if len(f.body) > 0 {
			api.Body = json.RawMessage(f.body)
		}
		if f.code == resultAuth {
			return &AuthError{APIError: api}
		}
		return api
	case f.code == resultNetwork:
		return &NetworkError{Message: f.message}
	case f.code == resultTimeout:
		return &NetworkError{Message: f.message, Timeout: true}
	case f.code == resultDecode:
		return &NetworkError{Message: "unexpected response: " + f.message}
	default:
		return &Error{Code: resultName(f.code), Message: f.message}
	}
}
