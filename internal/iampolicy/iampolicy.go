// Package iampolicy checks and compares IAM resource policy documents: the syntax and
// public-access checks of Secrets Manager's PutResourcePolicy and ValidateResourcePolicy (used
// by the emulator), and a canonical form under which equivalent policies compare equal (used
// by the provider so that reformatted policies never show a diff).
package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"
)

// Resource policy checks for PutResourcePolicy and ValidateResourcePolicy.
//
// AWS facts this file relies on:
//   - ResourcePolicy is NonEmptyResourcePolicyType, a string of 1..20480 characters
//     (Secrets Manager API model). Smithy counts string length in characters, so we do too.
//   - ValidateResourcePolicy returns PolicyValidationPassed and ValidationErrors, a list of
//     {CheckName, ErrorMessage}. AWS documents neither the CheckName values nor the messages,
//     so the names below are the emulator's own.
//   - GetResourcePolicy does not echo the submitted bytes: AWS re-serializes the document
//     (pretty-printed, single-element arrays collapsed to scalars), as reported in
//     https://github.com/crossplane-contrib/provider-aws/issues/1804. Clients therefore compare
//     policies semantically; canonicalPolicy exists for such comparisons and is not meant
//     to reproduce AWS's exact output text.
//   - What counts as public follows S3 Block Public Access's documented "meaning of public"
//     (fixed principal, or a fixed aws:SourceArn/SourceVpc/SourceVpce/SourceOwner/
//     SourceAccount/userid, or a limiting set of aws:SourceIp CIDRs), extended with the
//     aws:Principal* and aws:SourceOrg* keys IAM Access Analyzer also treats as trusted.
//     checkStatement and policyConditionRestricts define the exact subset.

// MaxLength is the maximum ResourcePolicy length in characters.
const MaxLength = 20480

// CheckName values of ValidationErrors entries.
const (
	SyntaxCheck       = "SYNTAX_CHECK"
	PublicAccessCheck = "PUBLIC_ACCESS_CHECK"
)

// Finding is one ValidateResourcePolicy ValidationErrors entry.
type Finding struct{ CheckName, ErrorMessage string }

// publicAccessFinding is the entry ValidateResourcePolicy reports when checkPolicy says public.
func PublicAccessFinding() Finding {
	return Finding{
		CheckName:    PublicAccessCheck,
		ErrorMessage: "The resource policy grants public access: an Allow statement applies to all principals (\"*\" or NotPrincipal) without a condition that limits it to specific accounts, organizations, networks or source resources.",
	}
}

// checkPolicy parses an IAM resource policy document. It returns syntax findings (malformed
// JSON, wrong types, missing Statement/Effect, Effect not Allow|Deny, missing Principal on a
// resource policy, Action/NotAction both or neither, Version not "2012-10-17"/"2008-10-17",
// size over 20480 chars) and whether the policy grants public access. public considers every
// statement it could interpret, even when other parts of the document have findings.
func Check(doc string) (findings []Finding, public bool) {
	c := &policyChecker{}
	if n := utf8.RuneCountInString(doc); n > MaxLength {
		c.addf("The policy is %d characters long; the maximum is %d.", n, MaxLength)
	}
	root, err := decodePolicyJSON(doc)
	if err != nil {
		c.addf("The policy is not valid JSON: %v.", err)
		return c.findings, false
	}
	obj, ok := root.(map[string]any)
	if !ok {
		c.addf("The policy must be a JSON object.")
		return c.findings, false
	}
	for _, k := range policySortedKeys(obj) {
		switch k {
		case "Version", "Id", "Statement":
		default:
			c.addf("Unknown policy element %q; allowed elements are Version, Id and Statement.", k)
		}
	}
	if v, ok := obj["Version"]; ok {
		if s, isStr := v.(string); !isStr || (s != "2012-10-17" && s != "2008-10-17") {
			c.addf("Version must be \"2012-10-17\" or \"2008-10-17\", got %s.", policyDescribeJSON(v))
		}
	}
	if v, ok := obj["Id"]; ok {
		if _, isStr := v.(string); !isStr {
			c.addf("Id must be a string, got %s.", policyDescribeJSON(v))
		}
	}

	stmts, ok := obj["Statement"]
	if !ok {
		c.addf("The policy has no Statement element.")
		return c.findings, false
	}
	var list []any
	var paths []string
	switch s := stmts.(type) {
	case map[string]any:
		list, paths = []any{s}, []string{"Statement"}
	case []any:
		if len(s) == 0 {
			c.addf("Statement must contain at least one statement.")
		}
		list = s
		for i := range s {
			paths = append(paths, fmt.Sprintf("Statement[%d]", i))
		}
	default:
		c.addf("Statement must be an object or an array of objects, got %s.", policyDescribeJSON(stmts))
	}
	sids := map[string]bool{}
	for i, raw := range list {
		st, ok := raw.(map[string]any)
		if !ok {
			c.addf("%s must be an object, got %s.", paths[i], policyDescribeJSON(raw))
			continue
		}
		if c.checkStatement(paths[i], st, sids) {
			public = true
		}
	}
	return c.findings, public
}

// policyChecker accumulates syntax findings.
type policyChecker struct{ findings []Finding }

func (c *policyChecker) addf(format string, args ...any) {
	c.findings = append(c.findings, Finding{CheckName: SyntaxCheck, ErrorMessage: fmt.Sprintf(format, args...)})
}

// checkStatement reports the statement's findings and whether it grants public access.
func (c *policyChecker) checkStatement(path string, st map[string]any, sids map[string]bool) bool {
	for _, k := range policySortedKeys(st) {
		switch k {
		case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
		default:
			c.addf("%s has unknown element %q.", path, k)
		}
	}
	if v, ok := st["Sid"]; ok {
		switch s, isStr := v.(string); {
		case !isStr:
			c.addf("%s.Sid must be a string, got %s.", path, policyDescribeJSON(v))
		case s != "" && sids[s]:
			c.addf("%s.Sid %q is not unique within the policy.", path, s)
		default:
			sids[s] = true
		}
	}

	effect, hasEffect := st["Effect"]
	switch e, isStr := effect.(string); {
	case !hasEffect:
		c.addf("%s has no Effect element.", path)
	case !isStr || (e != "Allow" && e != "Deny"):
		c.addf("%s.Effect must be \"Allow\" or \"Deny\", got %s.", path, policyDescribeJSON(effect))
	}

	principal, hasP := st["Principal"]
	notPrincipal, hasNP := st["NotPrincipal"]
	principalOK := false
	switch {
	case hasP && hasNP:
		c.addf("%s must not contain both Principal and NotPrincipal.", path)
	case !hasP && !hasNP:
		c.addf("%s has no Principal element; a resource policy must name the principals it applies to.", path)
	case hasP:
		principalOK = c.checkPrincipal(path+".Principal", principal)
	default:
		principalOK = c.checkPrincipal(path+".NotPrincipal", notPrincipal)
	}

	c.checkExclusivePair(path, st, "Action", "NotAction", true, validPolicyAction,
		"\"*\" or a service prefix and action name such as \"secretsmanager:GetSecretValue\"")
	c.checkExclusivePair(path, st, "Resource", "NotResource", false, validPolicyResource,
		"\"*\" or an ARN")

	restricted := false
	if cond, ok := st["Condition"]; ok {
		restricted = c.checkCondition(path+".Condition", cond)
	}

	if effect != "Allow" || !principalOK {
		return false
	}
	// NotPrincipal with Allow grants access to everyone except the listed principals.
	broad := hasNP || (hasP && policyPrincipalWildcard(principal))
	return broad && !restricted
}

// checkExclusivePair checks an element that may be written positively or negatively
// (Action/NotAction, Resource/NotResource): never both, and exactly one when required.
func (c *policyChecker) checkExclusivePair(path string, st map[string]any, pos, neg string, required bool, valid func(string) bool, want string) {
	pv, hasPos := st[pos]
	nv, hasNeg := st[neg]
	switch {
	case hasPos && hasNeg:
		c.addf("%s must not contain both %s and %s.", path, pos, neg)
		return
	case !hasPos && !hasNeg:
		if required {
			c.addf("%s must contain either %s or %s.", path, pos, neg)
		}
		return
	}
	name, v := pos, pv
	if hasNeg {
		name, v = neg, nv
	}
	values, ok := policyStrings(v)
	if !ok {
		c.addf("%s.%s must be a string or a non-empty array of strings, got %s.", path, name, policyDescribeJSON(v))
		return
	}
	for _, s := range values {
		if !valid(s) {
			c.addf("%s.%s value %q is not valid; use %s.", path, name, s, want)
		}
	}
}

// checkPrincipal validates a Principal or NotPrincipal value and reports whether it is well formed.
func (c *policyChecker) checkPrincipal(path string, v any) bool {
	switch p := v.(type) {
	case string:
		if p != "*" {
			c.addf("%s must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}, got %q.", path, p)
			return false
		}
		return true
	case map[string]any:
		if len(p) == 0 {
			c.addf("%s must name at least one principal.", path)
			return false
		}
		ok := true
		for _, k := range policySortedKeys(p) {
			switch k {
			case "AWS", "Service", "Federated", "CanonicalUser":
			default:
				c.addf("%s has unknown principal type %q; use AWS, Service, Federated or CanonicalUser.", path, k)
				ok = false
				continue
			}
			values, isList := policyStrings(p[k])
			if !isList {
				c.addf("%s.%s must be a string or a non-empty array of strings, got %s.", path, k, policyDescribeJSON(p[k]))
				ok = false
				continue
			}
			for _, s := range values {
				if !validPolicyPrincipal(k, s) {
					c.addf("%s.%s value %q is not a valid principal.", path, k, s)
					ok = false
				}
			}
		}
		return ok
	default:
		c.addf("%s must be \"*\" or an object, got %s.", path, policyDescribeJSON(v))
		return false
	}
}

// checkCondition validates a Condition block and reports whether it restricts the
// statement to trusted callers (see policyConditionRestricts).
func (c *policyChecker) checkCondition(path string, v any) bool {
	block, ok := v.(map[string]any)
	if !ok {
		c.addf("%s must be an object, got %s.", path, policyDescribeJSON(v))
		return false
	}
	restricted := false
	for _, opName := range policySortedKeys(block) {
		op, ok := parsePolicyConditionOperator(opName)
		if !ok {
			c.addf("%s has unknown condition operator %q.", path, opName)
			continue
		}
		keys, ok := block[opName].(map[string]any)
		if !ok {
			c.addf("%s.%s must be an object of condition keys, got %s.", path, opName, policyDescribeJSON(block[opName]))
			continue
		}
		for _, key := range policySortedKeys(keys) {
			values, ok := policyConditionValues(keys[key])
			if !ok {
				c.addf("%s.%s.%s must be a string, number, boolean or a non-empty array of them, got %s.",
					path, opName, key, policyDescribeJSON(keys[key]))
				continue
			}
			if policyConditionRestricts(op, key, values) {
				restricted = true
			}
		}
	}
	return restricted
}

// policyConditionOperator is a parsed condition operator such as ForAnyValue:StringLikeIfExists.
type policyConditionOperator struct {
	base     string // canonical spelling, e.g. "StringEquals"
	forAll   bool
	ifExists bool
}

// policyConditionBases lists IAM's condition operators without qualifiers, space separated
// so the table is a constant.
const policyConditionBases = "StringEquals StringNotEquals StringEqualsIgnoreCase StringNotEqualsIgnoreCase " +
	"StringLike StringNotLike " +
	"NumericEquals NumericNotEquals NumericLessThan NumericLessThanEquals NumericGreaterThan NumericGreaterThanEquals " +
	"DateEquals DateNotEquals DateLessThan DateLessThanEquals DateGreaterThan DateGreaterThanEquals " +
	"Bool BinaryEquals IpAddress NotIpAddress ArnEquals ArnLike ArnNotEquals ArnNotLike Null"

// parsePolicyConditionOperator splits the ForAnyValue:/ForAllValues: prefix and IfExists
// suffix off an operator. Matching ignores case so that we never reject a policy AWS accepts.
func parsePolicyConditionOperator(name string) (policyConditionOperator, bool) {
	var op policyConditionOperator
	rest := name
	if prefix, after, found := strings.Cut(rest, ":"); found {
		switch {
		case strings.EqualFold(prefix, "ForAnyValue"):
		case strings.EqualFold(prefix, "ForAllValues"):
			op.forAll = true
		default:
			return op, false
		}
		rest = after
	}
	const suffix = "ifexists"
	if len(rest) > len(suffix) && strings.EqualFold(rest[len(rest)-len(suffix):], suffix) {
		op.ifExists = true
		rest = rest[:len(rest)-len(suffix)]
	}
	for b := range strings.FieldsSeq(policyConditionBases) {
		if strings.EqualFold(rest, b) {
			op.base = b
			// Null takes no IfExists form.
			return op, !(op.ifExists && b == "Null")
		}
	}
	return op, false
}

// policyConditionRestricts reports whether one condition entry limits a statement to
// trusted callers. Only positive matching operators count: a negated operator, an IfExists
// form or ForAllValues still matches requests that lack the key, so it restricts nothing.
// Every value must be fixed, since one wildcard value admits anyone.
func policyConditionRestricts(op policyConditionOperator, key string, values []string) bool {
	if op.ifExists || op.forAll || len(values) == 0 {
		return false
	}
	key = strings.ToLower(key)
	if key == "aws:sourceip" {
		if op.base != "IpAddress" {
			return false
		}
		for _, v := range values {
			if !policyLimitingCIDR(v) {
				return false
			}
		}
		return true
	}
	switch op.base {
	case "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike":
	default:
		return false
	}
	var fixed func(string) bool
	switch key {
	case "aws:sourceaccount", "aws:sourceowner", "aws:principalaccount",
		"aws:sourcevpc", "aws:sourcevpce", "aws:principalorgid", "aws:sourceorgid":
		fixed = policyNoWildcard
	case "aws:principalarn", "aws:sourcearn":
		fixed = policyFixedARN
	case "aws:principalorgpaths", "aws:sourceorgpaths":
		fixed = policyFixedOrgPath
	case "aws:userid":
		fixed = policyFixedUserID
	default:
		return false
	}
	for _, v := range values {
		if !fixed(v) {
			return false
		}
	}
	return true
}

func policyNoWildcard(s string) bool { return s != "" && !strings.ContainsAny(s, "*?") }

// policyFixedARN accepts an ARN without wildcards, or one whose account field is a literal
// account ID: a pattern such as arn:aws:iam::123456789012:role/* stays inside one account.
func policyFixedARN(s string) bool {
	if policyNoWildcard(s) {
		return true
	}
	parts := strings.SplitN(s, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && policyIsAccountID(parts[4])
}

// policyFixedOrgPath accepts o-xxx/r-xxx/... paths whose organization ID is literal; the rest of
// the path may be a wildcard because it stays inside that organization.
func policyFixedOrgPath(s string) bool {
	org, _, _ := strings.Cut(s, "/")
	return strings.HasPrefix(org, "o-") && policyNoWildcard(org)
}

// policyFixedUserID accepts a literal unique ID, or a role ID with any session ("AROAEXAMPLE:*"),
// which S3 documents as still fixed.
func policyFixedUserID(s string) bool {
	id, session, found := strings.Cut(s, ":")
	if !found {
		return policyNoWildcard(s)
	}
	return policyNoWildcard(id) && (session == "*" || policyNoWildcard(session))
}

// policyLimitingCIDR accepts an IP address or a CIDR narrower than the whole address space.
func policyLimitingCIDR(s string) bool {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Bits() > 0
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// policyPrincipalWildcard reports whether a well-formed Principal matches everyone.
func policyPrincipalWildcard(v any) bool {
	switch p := v.(type) {
	case string:
		return p == "*"
	case map[string]any:
		for _, pv := range p {
			values, _ := policyStrings(pv)
			if slices.Contains(values, "*") {
				return true
			}
		}
	}
	return false
}

// validPolicyAction accepts "*" and service:action patterns.
func validPolicyAction(s string) bool {
	if s == "*" {
		return true
	}
	service, action, found := strings.Cut(s, ":")
	if !found || service == "" || action == "" || strings.Contains(action, ":") {
		return false
	}
	for _, r := range service {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func validPolicyResource(s string) bool { return s == "*" || strings.HasPrefix(s, "arn:") }

// validPolicyPrincipal checks one principal value of the given type.
func validPolicyPrincipal(kind, s string) bool {
	if s == "" {
		return false
	}
	if kind == "AWS" {
		return s == "*" || policyIsAccountID(s) || strings.HasPrefix(s, "arn:")
	}
	return true
}

func policyIsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// policyStrings returns the values of a string-or-array element; false for any other shape.
func policyStrings(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		if len(t) == 0 {
			return nil, false
		}
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// policyConditionValues returns condition values as strings; IAM accepts strings,
// numbers and booleans, alone or in a non-empty array.
func policyConditionValues(v any) ([]string, bool) {
	scalar := func(e any) (string, bool) {
		switch t := e.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		case bool:
			return fmt.Sprint(t), true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		if len(list) == 0 {
			return nil, false
		}
		out := make([]string, 0, len(list))
		for _, e := range list {
			s, ok := scalar(e)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	s, ok := scalar(v)
	if !ok {
		return nil, false
	}
	return []string{s}, true
}

// decodePolicyJSON parses exactly one JSON value, keeping numbers as written.
func decodePolicyJSON(doc string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the document is empty")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the top-level value")
	}
	return v, nil
}

// policyDescribeJSON names a decoded value's JSON type for error messages; strings are shown
// but cut short so a huge value cannot bloat the message.
func policyDescribeJSON(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		const maxShown = 64
		if utf8.RuneCountInString(t) > maxShown {
			return fmt.Sprintf("the string %q...", string([]rune(t)[:maxShown]))
		}
		return fmt.Sprintf("the string %q", t)
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func policySortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// canonicalPolicy re-serializes a policy so that semantically equal documents compare
// equal as strings: keys are sorted, whitespace dropped, a lone Statement object becomes a
// one-element array, and the set-valued elements (Action, Resource, principals, condition
// values) are sorted, de-duplicated and written as a plain string when they hold one value.
// It is for comparisons only; it does not reproduce AWS's GetResourcePolicy formatting.
func Canonical(doc string) (string, error) {
	root, err := decodePolicyJSON(doc)
	if err != nil {
		return "", fmt.Errorf("canonicalizing policy: %w", err)
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return "", errors.New("canonicalizing policy: the policy is not a JSON object")
	}
	switch s := obj["Statement"].(type) {
	case map[string]any:
		policyCanonicalStatement(s)
		obj["Statement"] = []any{s}
	case []any:
		for _, e := range s {
			if st, ok := e.(map[string]any); ok {
				policyCanonicalStatement(st)
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Policies hold ARNs and conditions, not HTML; escaping <, > and & would only obscure them.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return "", fmt.Errorf("canonicalizing policy: encoding: %w", err)
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// policyCanonicalStatement normalizes one statement in place.
func policyCanonicalStatement(st map[string]any) {
	for _, k := range []string{"Action", "NotAction", "Resource", "NotResource"} {
		if v, ok := st[k]; ok {
			st[k] = policyCanonicalSet(v)
		}
	}
	for _, k := range []string{"Principal", "NotPrincipal"} {
		if p, ok := st[k].(map[string]any); ok {
			for pk, pv := range p {
				p[pk] = policyCanonicalSet(pv)
			}
		}
	}
	if cond, ok := st["Condition"].(map[string]any); ok {
		for _, keys := range cond {
			if km, ok := keys.(map[string]any); ok {
				for ck, cv := range km {
					km[ck] = policyCanonicalSet(cv)
				}
			}
		}
	}
}

// policyCanonicalSet sorts and de-duplicates an array of strings and unwraps a single value;
// arrays holding anything else are left alone because their order may matter.
func policyCanonicalSet(v any) any {
	values, ok := policyStrings(v)
	if !ok {
		return v
	}
	slices.Sort(values)
	values = slices.Compact(values)
	if len(values) == 1 {
		return values[0]
	}
	out := make([]any, len(values))
	for i, s := range values {
		out[i] = s
	}
	return out
}
