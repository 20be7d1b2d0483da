// Package secretsmanager is the model of the emulator's Secrets Manager: the rules AWS
// applies, without JSON or HTTP, so that they can be tested on their own against answers
// recorded from AWS (testdata/*.json, each case with its source).
//
// These rules are the emulator's own. The provider's plan-time checks (secretcache/schedule,
// internal/iampolicy) are written separately, so that a mistake in one is caught by the
// other instead of passing every test of both.
package secretsmanager

// RuleError is a refusal in AWS's words: the exception's type and message.
type RuleError struct {
	Type    string
	Message string
}

func (e *RuleError) Error() string { return e.Type + ": " + e.Message }

func invalidParameter(msg string) *RuleError {
	return &RuleError{Type: "InvalidParameterException", Message: msg}
}
