package secretsmanager

import (
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// apiError is an AWS error (package awsapi).
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

func validationError(member, constraint string, value any) error {
	return awsapi.ValidationError(member, constraint, value)
}

func sensitiveValidationError(member, constraint string) error {
	return awsapi.SensitiveValidationError(member, constraint)
}

// epoch is a timestamp in the JSON protocols' form.
type epoch = awsapi.Epoch

func epochPtr(t time.Time) *epoch { return awsapi.EpochPtr(t) }
