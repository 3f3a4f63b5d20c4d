package grantex

import "encoding/json"

// strResult is a string or the error that prevented it.
type strResult struct {
	s   string
	err error
}

func jsonUnmarshalString(s string, v any) error { return json.Unmarshal([]byte(s), v) }
