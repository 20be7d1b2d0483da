package emulator

import (
	"net/http"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// The wire helpers live in package awsapi, shared with the service packages.

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
	return awsapi.SensitiveValidationError(member, constraint)
}

func writeJSONError(w http.ResponseWriter, err error) { awsapi.WriteJSONError(w, err) }

func writeJSON(w http.ResponseWriter, v any) { awsapi.WriteJSON(w, v) }

func readBody(r *http.Request) ([]byte, error) { return awsapi.ReadBody(r) }

func decodeJSON(body []byte, v any) error { return awsapi.DecodeJSON(body, v) }

// requestRegion returns the region the request was signed for, or DefaultRegion.
func requestRegion(r *http.Request) string { return awsapi.RequestRegion(r) }

// epoch is a timestamp in the JSON protocols' form (package awsapi).
type epoch = awsapi.Epoch

func epochPtr(t time.Time) *epoch { return awsapi.EpochPtr(t) }
