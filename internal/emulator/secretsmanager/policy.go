package secretsmanager

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Resource policy rules of PutResourcePolicy (MalformedPolicyDocumentException, and
// PublicPolicyException with BlockPublicPolicy) and ValidateResourcePolicy.

// MaxPolicyLength is NonEmptyResourcePolicyType's limit in characters (API model).
const MaxPolicyLength = 20480

// Check names of ValidationErrors entries. AWS does not document them; these are ours.
const (
	CheckSyntax = "SYNTAX_CHECK"
	CheckPublic = "PUBLIC_ACCESS_CHECK"
)

// PolicyFinding is one ValidationErrors entry of ValidateResourcePolicy.
type PolicyFinding struct{ CheckName, ErrorMessage string }

// CheckPolicy returns the syntax problems of a resource policy, and whether it grants broad
// (public) access: an Allow statement for every principal without a condition that pins
// the caller to known accounts, organizations, networks or resources.
func CheckPolicy(doc string) (syntax []PolicyFinding, public bool) {
	bad := func(format string, args ...any) {
		syntax = append(syntax, PolicyFinding{CheckSyntax, fmt.Sprintf(format, args...)})
	}
	if n := utf8.RuneCountInString(doc); n > MaxPolicyLength {
		bad("The policy has %d characters; at most %d are allowed.", n, MaxPolicyLength)
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &root); err != nil {
		bad("The policy must be a JSON object: %v.", err)
		return syntax, false
	}
	for k := range root {
		if k != "Version" && k != "Id" && k != "Statement" {
			bad("Unknown policy element %q.", k)
		}
	}
	if raw, ok := root["Version"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil || (v != "2012-10-17" && v != "2008-10-17") {
			bad(`Version must be "2012-10-17" or "2008-10-17".`)
		}
	}
	raw, ok := root["Statement"]
	if !ok {
		bad("The policy has no Statement.")
		return syntax, false
	}
	var statements []map[string]json.RawMessage
	if json.Unmarshal(raw, &statements) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil {
			bad("Statement must be an object or a list of objects.")
			return syntax, false
		}
		statements = []map[string]json.RawMessage{one}
	}
	if len(statements) == 0 {
		bad("Statement is empty.")
	}
	for i, st := range statements {
		problems, open := checkStatement(st)
		for _, p := range problems {
			bad("Statement %d: %s", i+1, p)
		}
		public = public || open
	}
	return syntax, public
}

var actionRE = regexp.MustCompile(`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`)

// checkStatement returns a statement's problems and whether it opens the secret to everyone.
func checkStatement(st map[string]json.RawMessage) (problems []string, public bool) {
	known := map[string]bool{"Sid": true, "Effect": true, "Principal": true, "NotPrincipal": true, "Action": true,
		"NotAction": true, "Resource": true, "NotResource": true, "Condition": true}
	for k := range st {
		if !known[k] {
			problems = append(problems, fmt.Sprintf("unknown element %q", k))
		}
	}
	var effect string
	if json.Unmarshal(st["Effect"], &effect) != nil || (effect != "Allow" && effect != "Deny") {
		problems = append(problems, `Effect must be "Allow" or "Deny"`)
	}
	_, hasP := st["Principal"]
	_, hasNP := st["NotPrincipal"]
	if hasP == hasNP {
		problems = append(problems, "a resource policy statement needs exactly one of Principal and NotPrincipal")
	}
	_, hasA := st["Action"]
	_, hasNA := st["NotAction"]
	if hasA == hasNA {
		problems = append(problems, "a statement needs exactly one of Action and NotAction")
	}
	for _, key := range []string{"Action", "NotAction"} {
		if raw, ok := st[key]; ok {
			actions, ok := stringOrList(raw)
			if !ok || len(actions) == 0 {
				problems = append(problems, key+" must be a string or a list of strings")
			}
			for _, a := range actions {
				if !actionRE.MatchString(a) {
					problems = append(problems, fmt.Sprintf("%s %q is not service:Action", key, a))
				}
			}
		}
	}
	everyone := hasNP
	if raw, ok := st["Principal"]; ok {
		var ok2 bool
		everyone, ok2 = principalIsEveryone(raw)
		if !ok2 {
			problems = append(problems, `Principal must be "*" or an object of principal lists`)
		}
	}
	conds, ok := conditions(st["Condition"])
	if !ok {
		problems = append(problems, "Condition must be an object of operators")
	}
	return problems, effect == "Allow" && everyone && !pinned(conds)
}

func stringOrList(raw json.RawMessage) ([]string, bool) {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many, true
	}
	return nil, false
}

// principalIsEveryone reads a Principal: "*" or {"AWS": "*"} (alone or in a list) mean
// everyone.
func principalIsEveryone(raw json.RawMessage) (everyone, ok bool) {
	var star string
	if json.Unmarshal(raw, &star) == nil {
		return star == "*", star == "*"
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || len(obj) == 0 {
		return false, false
	}
	for kind, v := range obj {
		ids, ok := stringOrList(v)
		if !ok || len(ids) == 0 {
			return false, false
		}
		for _, id := range ids {
			if kind == "AWS" && id == "*" {
				everyone = true
			}
		}
	}
	return everyone, true
}

// condition is one operator/key/values triple of a Condition block.
type condition struct {
	op, key string
	values  []string
}

func conditions(raw json.RawMessage) ([]condition, bool) {
	if raw == nil {
		return nil, true
	}
	var ops map[string]map[string]json.RawMessage
	if json.Unmarshal(raw, &ops) != nil {
		return nil, false
	}
	var out []condition
	for op, keys := range ops {
		for key, v := range keys {
			values, ok := stringOrList(v)
			if !ok {
				var b bool
				if json.Unmarshal(v, &b) != nil {
					return nil, false
				}
				values = []string{fmt.Sprint(b)}
			}
			out = append(out, condition{op: op, key: strings.ToLower(key), values: values})
		}
	}
	return out, true
}

// pinningKeys are the condition keys that, compared with fixed values, limit a statement to
// known callers: the ones IAM Access Analyzer and S3 Block Public Access treat as
// non-public (aws:SourceIp is handled apart: only a limited range pins).
var pinningKeys = map[string]bool{
	"aws:sourceaccount": true, "aws:sourceowner": true, "aws:sourcearn": true,
	"aws:principalaccount": true, "aws:principalarn": true, "aws:principalorgid": true,
	"aws:principalorgpaths": true, "aws:sourceorgid": true, "aws:sourceorgpaths": true,
	"aws:sourcevpc": true, "aws:sourcevpce": true, "aws:userid": true,
}

// pinned reports whether some condition fixes the caller.
func pinned(conds []condition) bool {
	for _, c := range conds {
		op := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(c.op, "ForAnyValue:"), "ForAllValues:"), "IfExists")
		if strings.HasPrefix(op, "Not") || len(c.values) == 0 {
			continue
		}
		fixed := true
		for _, v := range c.values {
			if v == "" || strings.Trim(v, "*?") == "" || (op != "StringEquals" && op != "ArnEquals" && strings.ContainsAny(v, "*?") && !strings.Contains(v, ":")) {
				fixed = false
			}
		}
		switch {
		case pinningKeys[c.key] && fixed && (strings.HasPrefix(op, "String") || strings.HasPrefix(op, "Arn")):
			return true
		case c.key == "aws:sourceip" && op == "IpAddress" && limitedRanges(c.values):
			return true
		}
	}
	return false
}

// limitedRanges reports whether every CIDR is narrower than the whole address space.
func limitedRanges(cidrs []string) bool {
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return false
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Bits() < 8 {
			return false
		}
	}
	return true
}
