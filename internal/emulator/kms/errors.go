package kms

import "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"

func newError(typ, format string, args ...any) *awsapi.Error {
	return awsapi.NewError(typ, format, args...)
}

func validationError(member, constraint string, value any) error {
	return awsapi.ValidationError(member, constraint, value)
}

func sensitiveValidationError(member, constraint string) error {
	return awsapi.SensitiveValidationError(member, constraint)
}

// empty is the answer of an operation without output: {}.
type empty struct{}
