package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// maxBodyBytes bounds a request body. The largest legal Secrets Manager request is a 64 KiB
// binary secret (about 88 KiB in base64) plus a few fields; 1 MiB leaves room for KMS.
const maxBodyBytes = 1 << 20

// apiError is an AWS error (package awsapi, shared with the service packages).
type apiError = awsapi.Error

func newError(typ, format string, args ...any) *apiError {
	return awsapi.NewError(typ, format, args...)
}

func invalidParameter(format string, args ...any) error {
	return newError("InvalidParameterException", format, args...)
}

func invalidRequest(format string, args ...any) error {
	return newError("InvalidRequestException", format, args...)
}

// validationError words a constraint violation as AWS's request validation does.
func validationError(member, constraint string, value any) error {
	return awsapi.ValidationError(member, constraint, value)
}

// sensitiveValidationError is validationError for members whose value must not be echoed:
// AWS leaves the value out of the message for sensitive members such as secretString.
func sensitiveValidationError(member, constraint string) error {
	return newError("ValidationException",
		"1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint)
}

// writeJSONError writes err in the JSON 1.1 error shape. Errors that are not apiErrors are
// internal faults: their text is not sent, since it might carry request data.
func writeJSONError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{Type: "InternalServiceError", Message: "An internal error occurred in the emulator.", Status: http.StatusInternalServerError}
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

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// readBody reads at most maxBodyBytes; a larger body is refused before it is parsed.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, newError("SerializationException", "The request body could not be read.")
	}
	if len(body) > maxBodyBytes {
		return nil, &apiError{Type: "RequestEntityTooLargeException",
			Message: fmt.Sprintf("Request body must be at most %d bytes.", maxBodyBytes), Status: http.StatusRequestEntityTooLarge}
	}
	return body, nil
}

// decodeJSON decodes a JSON 1.1 request body into v. An empty body is an empty object, as
// the SDKs send "{}" or nothing for operations without input.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return newError("SerializationException", "The request body must be a JSON object.")
		}
		if errors.As(err, &te) {
			return newError("SerializationException", "Invalid type for field %s: expected %s.", te.Field, jsonKind(te.Type.String()))
		}
		return newError("SerializationException", "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return newError("SerializationException", "The request body has data after the JSON object.")
	}
	return nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]uint8"):
		return "base64-encoded blob"
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case strings.HasPrefix(goType, "map"), strings.Contains(goType, "emulator."):
		return "structure"
	case strings.Contains(goType, "int"):
		return "integer"
	case strings.Contains(goType, "bool"):
		return "boolean"
	default:
		return "string"
	}
}

// credentialScope matches the SigV4 scope: Credential=AKID/DATE/REGION/SERVICE/aws4_request.
var credentialScope = regexp.MustCompile(`Credential=[^/,\s]*/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)

// requestRegion returns the region the request was signed for, or DefaultRegion.
func requestRegion(r *http.Request) string {
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		return m[1]
	}
	if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		if parts := strings.Split(c, "/"); len(parts) == 5 {
			return parts[2]
		}
	}
	return DefaultRegion
}

// epoch is a timestamp in the JSON protocols' form: seconds since 1970 with a fraction.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

func (t *epoch) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	*t = epoch(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

// epochPtr returns nil for the zero time so that omitempty drops it.
func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
