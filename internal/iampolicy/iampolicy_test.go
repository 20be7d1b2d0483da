package iampolicy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// policyTestDoc wraps statement JSON in a 2012-10-17 policy.
func policyTestDoc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

const (
	policyTestRoleARN       = "arn:aws:iam::123456789012:role/Reader"
	policyTestValidStmt     = `{"Effect":"Allow","Principal":{"AWS":"` + policyTestRoleARN + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`
	policyTestWildcardAllow = `{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"`
)

// policyTestMessages returns the messages and fails if any finding is not a syntax finding.
func policyTestMessages(t *testing.T, findings []Finding) []string {
	t.Helper()
	var msgs []string
	for _, f := range findings {
		if f.CheckName != SyntaxCheck {
			t.Errorf("finding %q has CheckName %q, want %q", f.ErrorMessage, f.CheckName, SyntaxCheck)
		}
		msgs = append(msgs, f.ErrorMessage)
	}
	return msgs
}

func TestPolicyValidDocuments(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"minimal", policyTestDoc(policyTestValidStmt)},
		{"statement as object, 2008 version, Id, Sid", `{"Version":"2008-10-17","Id":"p1","Statement":{"Sid":"s1","Effect":"Deny","Principal":"*","Action":["secretsmanager:DeleteSecret","secretsmanager:Put*"],"Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}}`},
		{"no version", `{"Statement":[` + policyTestValidStmt + `]}`},
		{"NotAction and NotResource", policyTestDoc(`{"Effect":"Deny","Principal":{"AWS":"123456789012"},"NotAction":"secretsmanager:Describe*","NotResource":["arn:aws:secretsmanager:*:*:secret:x"]}`)},
		{"resource omitted", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":"` + policyTestRoleARN + `"},"Action":"*"}`)},
		{"every principal type", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["*","123456789012"],"Service":"lambda.amazonaws.com","Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`)},
		{"conditions of every value shape", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"Bool":{"aws:SecureTransport":true},"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"env*"},"Null":{"aws:SourceVpc":"false"},"ipaddress":{"aws:SourceIp":"192.0.2.0/24"}}}`)},
		{"distinct and empty Sids", policyTestDoc(`{"Sid":"","Effect":"Allow","Principal":"*","Action":"*"}`, `{"Sid":"","Effect":"Deny","Principal":"*","Action":"*"}`, `{"Sid":"a","Effect":"Deny","Principal":"*","Action":"*"}`)},
		{"surrounding whitespace", " \n\t" + policyTestDoc(policyTestValidStmt) + "\n "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, _ := Check(tt.doc)
			if len(findings) != 0 {
				t.Fatalf("findings = %q, want none", policyTestMessages(t, findings))
			}
		})
	}
}

func TestPolicySyntaxFindings(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"truncated JSON", `{"Version":`, []string{"The policy is not valid JSON: unexpected EOF."}},
		{"bad token", `{"Version": 2012-10-17}`, []string{"The policy is not valid JSON: invalid character '-' after object key:value pair."}},
		{"empty document", "", []string{"The policy is not valid JSON: the document is empty."}},
		{"two documents", policyTestDoc(policyTestValidStmt) + `{}`, []string{"The policy is not valid JSON: unexpected data after the top-level value."}},
		{"array document", `[` + policyTestValidStmt + `]`, []string{"The policy must be a JSON object."}},
		{"string document", `"policy"`, []string{"The policy must be a JSON object."}},
		{"missing statement", `{"Version":"2012-10-17"}`, []string{"The policy has no Statement element."}},
		{"statement is a string", `{"Statement":"allow all"}`, []string{`Statement must be an object or an array of objects, got the string "allow all".`}},
		{"statement is empty", `{"Statement":[]}`, []string{"Statement must contain at least one statement."}},
		{"statement element not an object", policyTestDoc(policyTestValidStmt, `42`), []string{"Statement[1] must be an object, got a number."}},
		{"unsupported version", `{"Version":"2020-01-01","Statement":[` + policyTestValidStmt + `]}`, []string{`Version must be "2012-10-17" or "2008-10-17", got the string "2020-01-01".`}},
		{"version is a number", `{"Version":2012,"Statement":[` + policyTestValidStmt + `]}`, []string{`Version must be "2012-10-17" or "2008-10-17", got a number.`}},
		{"id is not a string", `{"Id":{},"Statement":[` + policyTestValidStmt + `]}`, []string{"Id must be a string, got an object."}},
		{"unknown top-level element", `{"Statement":[` + policyTestValidStmt + `],"Statements":[]}`, []string{`Unknown policy element "Statements"; allowed elements are Version, Id and Statement.`}},
		{"unknown statement element", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":"*","Resources":"*"}`), []string{`Statement[0] has unknown element "Resources".`}},
		{"missing effect", policyTestDoc(`{"Principal":"*","Action":"*"}`), []string{"Statement[0] has no Effect element."}},
		{"lowercase effect", policyTestDoc(`{"Effect":"allow","Principal":"*","Action":"*"}`), []string{`Statement[0].Effect must be "Allow" or "Deny", got the string "allow".`}},
		{"effect is null", policyTestDoc(`{"Effect":null,"Principal":"*","Action":"*"}`), []string{`Statement[0].Effect must be "Allow" or "Deny", got null.`}},
		{"missing principal", policyTestDoc(`{"Effect":"Allow","Action":"*","Resource":"*"}`), []string{"Statement[0] has no Principal element; a resource policy must name the principals it applies to."}},
		{"principal and notprincipal", policyTestDoc(`{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"123456789012"},"Action":"*"}`), []string{"Statement[0] must not contain both Principal and NotPrincipal."}},
		{"principal is a bare ARN", policyTestDoc(`{"Effect":"Allow","Principal":"` + policyTestRoleARN + `","Action":"*"}`), []string{`Statement[0].Principal must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, got "arn:aws:iam::123456789012:role/Reader".`}},
		{"principal is an array", policyTestDoc(`{"Effect":"Allow","Principal":["*"],"Action":"*"}`), []string{`Statement[0].Principal must be "*" or an object, got an array.`}},
		{"principal is empty", policyTestDoc(`{"Effect":"Allow","Principal":{},"Action":"*"}`), []string{"Statement[0].Principal must name at least one principal."}},
		{"unknown principal type", policyTestDoc(`{"Effect":"Allow","Principal":{"User":"bob"},"Action":"*"}`), []string{`Statement[0].Principal has unknown principal type "User"; use AWS, Service, Federated or CanonicalUser.`}},
		{"principal value wrong type", policyTestDoc(`{"Effect":"Allow","NotPrincipal":{"AWS":5},"Action":"*"}`), []string{"Statement[0].NotPrincipal.AWS must be a string or a non-empty array of strings, got a number."}},
		{"principal list empty", policyTestDoc(`{"Effect":"Allow","Principal":{"Service":[]},"Action":"*"}`), []string{"Statement[0].Principal.Service must be a string or a non-empty array of strings, got an array."}},
		{"invalid AWS principal", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["123456789012","bob"]},"Action":"*"}`), []string{`Statement[0].Principal.AWS value "bob" is not a valid principal.`}},
		{"action and notaction", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"s3:*"}`), []string{"Statement[0] must not contain both Action and NotAction."}},
		{"neither action nor notaction", policyTestDoc(`{"Effect":"Allow","Principal":"*","Resource":"*"}`), []string{"Statement[0] must contain either Action or NotAction."}},
		{"action is a number", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":7}`), []string{"Statement[0].Action must be a string or a non-empty array of strings, got a number."}},
		{"action list holds a number", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":["secretsmanager:Get*",7]}`), []string{"Statement[0].Action must be a string or a non-empty array of strings, got an array."}},
		{"action without service prefix", policyTestDoc(`{"Effect":"Allow","Principal":"*","NotAction":["GetSecretValue"]}`), []string{`Statement[0].NotAction value "GetSecretValue" is not valid; use "*" or a service prefix and action name such as "secretsmanager:GetSecretValue".`}},
		{"resource and notresource", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","NotResource":"*"}`), []string{"Statement[0] must not contain both Resource and NotResource."}},
		{"resource not an ARN", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"my-secret"}`), []string{`Statement[0].Resource value "my-secret" is not valid; use "*" or an ARN.`}},
		{"condition not an object", policyTestDoc(policyTestWildcardAllow + `,"Condition":"none"}`), []string{`Statement[0].Condition must be an object, got the string "none".`}},
		{"unknown condition operator", policyTestDoc(policyTestWildcardAllow + `,"Condition":{"StringEqualz":{"aws:SourceAccount":"123456789012"}}}`), []string{`Statement[0].Condition has unknown condition operator "StringEqualz".`}},
		{"unknown set qualifier", policyTestDoc(policyTestWildcardAllow + `,"Condition":{"ForSomeValues:StringEquals":{"aws:TagKeys":"a"}}}`), []string{`Statement[0].Condition has unknown condition operator "ForSomeValues:StringEquals".`}},
		{"null has no IfExists form", policyTestDoc(policyTestWildcardAllow + `,"Condition":{"NullIfExists":{"aws:SourceVpc":"true"}}}`), []string{`Statement[0].Condition has unknown condition operator "NullIfExists".`}},
		{"operator value not an object", policyTestDoc(policyTestWildcardAllow + `,"Condition":{"StringEquals":["aws:SourceAccount"]}}`), []string{"Statement[0].Condition.StringEquals must be an object of condition keys, got an array."}},
		{"condition value is an object", policyTestDoc(policyTestWildcardAllow + `,"Condition":{"StringEquals":{"aws:SourceAccount":{}}}}`), []string{"Statement[0].Condition.StringEquals.aws:SourceAccount must be a string, number, boolean or a non-empty array of them, got an object."}},
		{"condition value list empty", policyTestDoc(policyTestWildcardAllow + `,"Condition":{"StringEquals":{"aws:SourceAccount":[]}}}`), []string{"Statement[0].Condition.StringEquals.aws:SourceAccount must be a string, number, boolean or a non-empty array of them, got an array."}},
		{"duplicate Sid", policyTestDoc(`{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*"}`, `{"Sid":"A","Effect":"Deny","Principal":"*","Action":"*"}`), []string{`Statement[1].Sid "A" is not unique within the policy.`}},
		{"sid not a string", policyTestDoc(`{"Sid":1,"Effect":"Allow","Principal":"*","Action":"*"}`), []string{"Statement[0].Sid must be a string, got a number."}},
		{"long string values are cut short", `{"Version":"` + strings.Repeat("v", 100) + `","Statement":[` + policyTestValidStmt + `]}`, []string{`Version must be "2012-10-17" or "2008-10-17", got the string "` + strings.Repeat("v", 64) + `"....`}},
		{"several findings in document order", `{"Version":"1","Statement":{"Action":"*"}}`, []string{
			`Version must be "2012-10-17" or "2008-10-17", got the string "1".`,
			"Statement has no Effect element.",
			"Statement has no Principal element; a resource policy must name the principals it applies to.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, _ := Check(tt.doc)
			if got := policyTestMessages(t, findings); !slices.Equal(got, tt.want) {
				t.Fatalf("findings:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPolicySizeLimit(t *testing.T) {
	base := policyTestDoc(policyTestValidStmt)
	// Pad inside the JSON with a Sid so the document stays valid at any length; "é" is
	// two bytes but one character, which checks that the limit counts characters.
	padTo := func(n int, pad string) string {
		doc := policyTestDoc(`{"Sid":"","Effect":"Allow","Principal":"*","Action":"*"}`)
		fill := n - len([]rune(doc))
		return strings.Replace(doc, `"Sid":""`, `"Sid":"`+strings.Repeat(pad, fill)+`"`, 1)
	}
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"small", base, nil},
		{"exactly at limit", padTo(20480, "x"), nil},
		{"multibyte at limit", padTo(20480, "é"), nil},
		{"one over limit", padTo(20481, "x"), []string{"The policy is 20481 characters long; the maximum is 20480."}},
		{"over limit and malformed", strings.Repeat(" ", 20481) + "{", []string{
			"The policy is 20482 characters long; the maximum is 20480.",
			"The policy is not valid JSON: unexpected EOF.",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, _ := Check(tt.doc)
			if got := policyTestMessages(t, findings); !slices.Equal(got, tt.want) {
				t.Fatalf("findings = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPolicyPublic(t *testing.T) {
	// withCondition builds an Allow-to-everyone statement limited by one condition.
	withCondition := func(cond string) string {
		return policyTestDoc(policyTestWildcardAllow + `,"Condition":` + cond + `}`)
	}
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"principal star", policyTestDoc(policyTestWildcardAllow + `}`), true},
		{"AWS star", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`), true},
		{"AWS list containing star", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root","*"]},"Action":"*","Resource":"*"}`), true},
		{"statement object form", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, true},
		{"specific principal", policyTestDoc(policyTestValidStmt), false},
		{"service principal", policyTestDoc(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*"}`), false},
		{"deny to everyone", policyTestDoc(`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}`), false},
		{"NotPrincipal with Allow", policyTestDoc(`{"Effect":"Allow","NotPrincipal":{"AWS":"` + policyTestRoleARN + `"},"Action":"*"}`), true},
		{"NotPrincipal with Deny", policyTestDoc(`{"Effect":"Deny","NotPrincipal":{"AWS":"` + policyTestRoleARN + `"},"Action":"*"}`), false},
		{"one public statement among private ones", policyTestDoc(policyTestValidStmt, policyTestWildcardAllow+`}`), true},
		{"source account", withCondition(`{"StringEquals":{"aws:SourceAccount":"123456789012"}}`), false},
		{"source account as a number", withCondition(`{"StringEquals":{"aws:SourceAccount":123456789012}}`), false},
		{"principal account list", withCondition(`{"StringEquals":{"aws:PrincipalAccount":["123456789012","210987654321"]}}`), false},
		{"organization", withCondition(`{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`), false},
		{"condition key case ignored", withCondition(`{"stringequals":{"AWS:SourceVpce":"vpce-1a2b3c4d"}}`), false},
		{"source vpc", withCondition(`{"StringEquals":{"aws:SourceVpc":"vpc-1a2b3c4d"}}`), false},
		{"source arn", withCondition(`{"ArnEquals":{"aws:SourceArn":"arn:aws:lambda:us-east-1:123456789012:function:f"}}`), false},
		{"principal ARN pattern within one account", withCondition(`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app-*"}}`), false},
		{"principal ARN pattern across accounts", withCondition(`{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`), true},
		{"org path under a fixed organization", withCondition(`{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"}}`), false},
		{"org ID wildcard", withCondition(`{"StringLike":{"aws:PrincipalOrgID":"o-*"}}`), true},
		{"one wildcard value among fixed ones", withCondition(`{"StringLike":{"aws:SourceAccount":["123456789012","*"]}}`), true},
		{"role ID with any session", withCondition(`{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}`), false},
		{"any user ID", withCondition(`{"StringLike":{"aws:userid":"*"}}`), true},
		{"negated operator", withCondition(`{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}`), true},
		{"IfExists passes when the key is absent", withCondition(`{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}`), true},
		{"ForAllValues passes when the key is absent", withCondition(`{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`), true},
		{"unrelated condition", withCondition(`{"Bool":{"aws:SecureTransport":"true"}}`), true},
		{"unrelated key with string operator", withCondition(`{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}`), true},
		{"restricting key and unrelated key", withCondition(`{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceAccount":"123456789012"}}`), false},
		{"source IP range", withCondition(`{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}`), false},
		{"single source IP", withCondition(`{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`), false},
		{"all IPv4 addresses", withCondition(`{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
		{"one unlimited IPv6 range", withCondition(`{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::/0"]}}`), true},
		{"source IP under a string operator", withCondition(`{"StringEquals":{"aws:SourceIp":"203.0.113.7"}}`), true},
		{"excluding an IP", withCondition(`{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`), true},
		{"malformed condition does not restrict", withCondition(`{"StringEquals":{"aws:SourceAccount":{}}}`), true},
		// Deny statements are not credited: this subset only proves an Allow safe from its
		// own conditions, so it errs towards reporting public.
		{"deny carve-out is not credited", policyTestDoc(policyTestWildcardAllow+`}`, `{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`), true},
		{"malformed JSON", `{"Statement":[` + policyTestWildcardAllow, false},
		{"malformed principal", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":"*","User":"x"},"Action":"*"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := Check(tt.doc); got != tt.want {
				t.Fatalf("public = %v, want %v for %s", got, tt.want, tt.doc)
			}
		})
	}
}

func TestPublicAccessFinding(t *testing.T) {
	f := PublicAccessFinding()
	if f.CheckName != PublicAccessCheck || f.CheckName == SyntaxCheck {
		t.Fatalf("CheckName = %q, want %q", f.CheckName, PublicAccessCheck)
	}
	if !strings.Contains(f.ErrorMessage, "public access") {
		t.Fatalf("ErrorMessage %q does not say the policy is public", f.ErrorMessage)
	}
}

func TestCanonicalPolicyEquivalence(t *testing.T) {
	tests := []struct {
		name  string
		a, b  string
		equal bool
	}{
		{"whitespace", policyTestDoc(policyTestValidStmt), "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    " + policyTestValidStmt + "\n  ]\n}", true},
		{"key order", `{"Statement":[{"Resource":"*","Action":"secretsmanager:GetSecretValue","Principal":{"AWS":"` + policyTestRoleARN + `"},"Effect":"Allow"}],"Version":"2012-10-17"}`, policyTestDoc(policyTestValidStmt), true},
		{"statement object or array", `{"Version":"2012-10-17","Statement":` + policyTestValidStmt + `}`, policyTestDoc(policyTestValidStmt), true},
		{"single-element arrays", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["` + policyTestRoleARN + `"]},"Action":["secretsmanager:GetSecretValue"],"Resource":["*"]}`), policyTestDoc(policyTestValidStmt), true},
		{"set order and duplicates", policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["b","a","a"]},"Action":["s:B","s:A"],"Condition":{"StringEquals":{"k":["2","1"]}}}`),
			policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["a","b"]},"Action":["s:A","s:B"],"Condition":{"StringEquals":{"k":["1","2"]}}}`), true},
		{"different action", policyTestDoc(policyTestValidStmt), strings.Replace(policyTestDoc(policyTestValidStmt), "GetSecretValue", "PutSecretValue", 1), false},
		{"different effect", policyTestDoc(policyTestValidStmt), strings.Replace(policyTestDoc(policyTestValidStmt), "Allow", "Deny", 1), false},
		{"statement order matters to the text", policyTestDoc(policyTestValidStmt, `{"Effect":"Deny","Principal":"*","Action":"*"}`), policyTestDoc(`{"Effect":"Deny","Principal":"*","Action":"*"}`, policyTestValidStmt), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca, err := Canonical(tt.a)
			if err != nil {
				t.Fatalf("Canonical(a): %v", err)
			}
			cb, err := Canonical(tt.b)
			if err != nil {
				t.Fatalf("Canonical(b): %v", err)
			}
			if (ca == cb) != tt.equal {
				t.Fatalf("equal = %v, want %v:\n a: %s\n b: %s", ca == cb, tt.equal, ca, cb)
			}
			// The canonical form must itself be a fixed point and still a valid policy.
			again, err := Canonical(ca)
			if err != nil || again != ca {
				t.Fatalf("canonicalPolicy is not idempotent: %q -> %q, %v", ca, again, err)
			}
		})
	}
}

func TestCanonicalPolicyOutput(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"sorted and compact",
			"{ \"Version\" : \"2012-10-17\", \"Statement\" : [ {\n \"Effect\" : \"Allow\", \"Principal\" : { \"AWS\" : [ \"" + policyTestRoleARN + "\" ] }, \"Action\" : \"secretsmanager:GetSecretValue\", \"Resource\" : \"*\" } ] }",
			`{"Statement":[{"Action":"secretsmanager:GetSecretValue","Effect":"Allow","Principal":{"AWS":"` + policyTestRoleARN + `"},"Resource":"*"}],"Version":"2012-10-17"}`},
		{"no HTML escaping", policyTestDoc(`{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"k":"a<b&c>"}}}`),
			`{"Statement":[{"Action":"*","Condition":{"StringLike":{"k":"a<b&c>"}},"Effect":"Allow","Principal":"*"}],"Version":"2012-10-17"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.doc)
			if err != nil {
				t.Fatalf("canonicalPolicy: %v", err)
			}
			if got != tt.want {
				t.Fatalf("canonicalPolicy =\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

func TestCanonicalPolicyErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"malformed", `{"Statement":`, "canonicalizing policy: unexpected EOF"},
		{"empty", ``, "canonicalizing policy: the document is empty"},
		{"not an object", `[1]`, "canonicalizing policy: the policy is not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.doc)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("canonicalPolicy = %q, %v; want error %q", got, err, tt.want)
			}
			if got != "" {
				t.Fatalf("output %q alongside an error", got)
			}
		})
	}
}

func TestCanonicalPolicyComparesAWSFormattedText(t *testing.T) {
	// AWS hands back policies pretty-printed with single-element arrays collapsed; a
	// submitted policy and that rendering must compare equal.
	submitted := policyTestDoc(`{"Effect":"Allow","Principal":{"AWS":["` + policyTestRoleARN + `"]},"Action":"secretsmanager:GetSecretValue","Resource":"*"}`)
	returned := fmt.Sprintf("{\n  \"Version\" : \"2012-10-17\",\n  \"Statement\" : [ {\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : %q\n    },\n    \"Action\" : \"secretsmanager:GetSecretValue\",\n    \"Resource\" : \"*\"\n  } ]\n}", policyTestRoleARN)
	a, errA := Canonical(submitted)
	b, errB := Canonical(returned)
	if errA != nil || errB != nil || a != b {
		t.Fatalf("canonical forms differ:\n %s (%v)\n %s (%v)", a, errA, b, errB)
	}
}
