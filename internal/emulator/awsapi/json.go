package awsapi

// The JSON 1.1 protocol (X-Amz-Target, application/x-amz-json-1.1) that Secrets Manager and
// KMS speak.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxBodyBytes bounds a request body. The largest legal Secrets Manager request is a 64 KiB
// binary secret (about 88 KiB in base64) plus a few fields; 1 MiB leaves room for KMS.
const MaxBodyBytes = 1 << 20

// WriteJSONError writes err in the JSON 1.1 error shape. Errors that are not apiErrors are
// internal faults: their text is not sent, since it might carry request data.
func WriteJSONError(w http.ResponseWriter, err error) {
	var ae *Error
	if !errors.As(err, &ae) {
		ae = &Error{Type: "InternalServiceError", Message: "An internal error occurred in the emulator.", Status: http.StatusInternalServerError}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", ae.Type)
	w.WriteHeader(ae.Status)
	body, _ := json.Marshal(struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
	}{ae.Type, ae.Message})
	_, _ = w.Write(body)
}

func WriteJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		WriteJSONError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// ReadBody reads at most MaxBodyBytes; a larger body is refused before it is parsed.
func ReadBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, NewError("SerializationException", "The request body could not be read.")
	}
	if len(body) > MaxBodyBytes {
		return nil, &Error{Type: "RequestEntityTooLargeException",
			Message: fmt.Sprintf("Request body must be at most %d bytes.", MaxBodyBytes), Status: http.StatusRequestEntityTooLarge}
	}
	return body, nil
}

// DecodeJSON decodes a JSON 1.1 request body into v. An empty body is an empty object, as
// the SDKs send "{}" or nothing for operations without input.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return NewError("SerializationException", "The request body must be a JSON object.")
		}
		if errors.As(err, &te) {
			return NewError("SerializationException", "Invalid type for field %s: expected %s.", te.Field, jsonKind(te.Type.String()))
		}
		return NewError("SerializationException", "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewError("SerializationException", "The request body has data after the JSON object.")
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]uint8"):
		return "base64-encoded blob"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "."):
		return "structure"
	case strings.Contains(goType, "int"):
		return "integer"
	case strings.Contains(goType, "bool"):
		return "boolean"
	default:
		return "string"
	}
}

// Epoch is a timestamp in the JSON protocols' form: seconds since 1970 with a fraction.
type Epoch time.Time

func (t Epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func (t *Epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	*t = Epoch(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

// EpochPtr returns nil for the zero time so that omitempty drops it.
func EpochPtr(t time.Time) *Epoch {
	if t.IsZero() {
		return nil
	}
	e := Epoch(t)
	return &e
}
