// Package awsapi holds what the emulator's service packages share: AWS errors, request ids,
// the JSON 1.1 protocol (json.go) that Secrets Manager and KMS speak, request regions,
// and the query protocol (form-encoded Action=..., XML answers) that STS and RDS speak.
package awsapi

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
)

// Error is an AWS error: the exception's type, its message and the HTTP status.
type Error struct {
	Type    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// NewError is an Error with status 400.
func NewError(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// ValidationError words a constraint violation as AWS's request validation does.
func ValidationError(member, constraint string, value any) error {
	v := "null"
	if value != nil {
		v = fmt.Sprintf("'%v'", value)
	}
	return NewError("ValidationException",
		"1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", v, member, constraint)
}

// SensitiveValidationError is ValidationError for members whose value must not be echoed:
// AWS leaves the value out of the message for sensitive members such as secretString.
func SensitiveValidationError(member, constraint string) error {
	return NewError("ValidationException",
		"1 validation error detected: Value at '%s' failed to satisfy constraint: %s", member, constraint)
}

// NewUUID returns a random (version 4) UUID, as AWS request ids are.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// RandomString returns n random letters and digits.
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		// 256 is not a multiple of 62; the slight bias does not matter here.
		b[i] = suffixAlphabet[int(b[i])%len(suffixAlphabet)]
	}
	return string(b)
}
