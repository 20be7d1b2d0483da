// Package secretsmanager is the emulator's Secrets Manager. Service holds the secrets of
// every region and runs rotations; the rules AWS applies (rotation_rules.go, cron.go,
// policy.go, password.go) take no JSON or HTTP, so that they can be tested on their own
// against answers recorded from AWS (testdata/*.json, each case with its source); the API
// layer (api*.go, list.go, rotation.go) decodes the JSON 1.1 operations and applies them.
// It reaches KMS and Lambda through the small interfaces Keys and Functions.
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

func ruleInvalidParameter(msg string) *RuleError {
	return &RuleError{Type: "InvalidParameterException", Message: msg}
}
