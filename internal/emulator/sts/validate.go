package sts

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// STS, a query-protocol service, names its validation failures ValidationError (the JSON
// services say ValidationException), and lists every failed constraint in one message:
// "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: ...; ...".

// violations collects failed constraints in the order AWS checks them.
type violations []string

// add records one failed constraint of member; value nil is a missing member, and sensitive
// members (tokens, policies) are named without their value.
func (v *violations) add(member string, value *string, sensitive bool, constraint string) {
	var s string
	switch {
	case value == nil:
		s = "Value null at '" + member + "'"
	case sensitive:
		s = "Value at '" + member + "'"
	default:
		s = "Value '" + *value + "' at '" + member + "'"
	}
	*v = append(*v, s+" failed to satisfy constraint: "+constraint)
}

// err is the ValidationError of the violations, or nil.
func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return awsapi.NewError("ValidationError", "1 validation error detected: %s", v[0])
	}
	return awsapi.NewError("ValidationError", "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// arnPattern is the pattern of STS's arnType (RoleArn, PrincipalArn, ...): printable
// characters, as AWS states it.
const arnPattern = `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`

var (
	arnRE         = regexp.MustCompile(`^[\t\n\r\x{20}-\x{7E}\x{85}\x{A0}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]+$`)
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)
	// roleARNRE is what STS resolves as a role: anything else is "Request ARN is invalid".
	roleARNRE = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::(\d{12}):role/([\w+=,.@/-]+)$`)
)

// field reads a form member: nil when the request does not carry it.
func field(form map[string][]string, name string) *string {
	if v, ok := form[name]; ok && len(v) > 0 {
		return &v[0]
	}
	return nil
}

// checkLength adds the length constraints of member, as AWS words them.
func (v *violations) checkLength(member string, value *string, sensitive bool, minLen, maxLen int) {
	if value == nil {
		return
	}
	n := utf8.RuneCountInString(*value)
	if n < minLen {
		v.add(member, value, sensitive, fmt.Sprintf("Member must have length greater than or equal to %d", minLen))
	}
	if n > maxLen {
		v.add(member, value, sensitive, fmt.Sprintf("Member must have length less than or equal to %d", maxLen))
	}
}

// checkRoleARN checks a RoleArn member: present, printable, 20 to 2048 characters.
func (v *violations) checkRoleARN(value *string) {
	if value == nil {
		v.add("roleArn", nil, false, "Member must not be null")
		return
	}
	if !arnRE.MatchString(*value) {
		v.add("roleArn", value, false, "Member must satisfy regular expression pattern: "+arnPattern)
	}
	v.checkLength("roleArn", value, false, 20, 2048)
}

// checkSessionName checks a RoleSessionName member: present, [\w+=,.@-]*, 2 to 64 characters.
func (v *violations) checkSessionName(value *string) {
	if value == nil {
		v.add("roleSessionName", nil, false, "Member must not be null")
		return
	}
	if !sessionNameRE.MatchString(*value) {
		v.add("roleSessionName", value, false, `Member must satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	v.checkLength("roleSessionName", value, false, 2, 64)
}

// parseRoleARN returns the account and the role's name (the last part of its path) of a
// role ARN, or the error STS answers for an ARN that names no role (an OIDC provider's ARN,
// a common mistake).
func parseRoleARN(arn string) (account, role string, err error) {
	m := roleARNRE.FindStringSubmatch(arn)
	if m == nil || strings.HasSuffix(m[2], "/") {
		return "", "", awsapi.NewError("ValidationError", "Request ARN is invalid")
	}
	return m[1], m[2][strings.LastIndex(m[2], "/")+1:], nil
}
