package sts_test

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// jwt is an unsigned JWT with the given claims; the emulator trusts any token.
func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	env := emulatortest.Start(t)
	c := sts.NewFromConfig(env.AWSConfig(1))
	before := time.Now()
	out, err := c.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String("arn:aws:iam::123456789012:role/ci/deployer"),
		RoleSessionName:  aws.String("github-run-42"),
		WebIdentityToken: aws.String(jwt(`{"iss":"https://token.actions.githubusercontent.com","sub":"repo:org/app:ref:refs/heads/main","aud":["sts.amazonaws.com"]}`)),
		DurationSeconds:  aws.Int32(900),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The shape of a real answer (an EKS service account's, say): the role's session ARN,
	// the token's sub, aud and its issuer as the IAM OIDC provider's ARN.
	for name, got := range map[string][2]string{
		"AssumedRoleUser.Arn":         {aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/deployer/github-run-42"},
		"SubjectFromWebIdentityToken": {aws.ToString(out.SubjectFromWebIdentityToken), "repo:org/app:ref:refs/heads/main"},
		"Audience":                    {aws.ToString(out.Audience), "sts.amazonaws.com"},
		"Provider":                    {aws.ToString(out.Provider), "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", name, got[0], got[1])
		}
	}
	if !strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":github-run-42") {
		t.Errorf("AssumedRoleId = %q", aws.ToString(out.AssumedRoleUser.AssumedRoleId))
	}
	cr := out.Credentials
	if !strings.HasPrefix(aws.ToString(cr.AccessKeyId), "ASIA") || aws.ToString(cr.SecretAccessKey) == "" || aws.ToString(cr.SessionToken) == "" {
		t.Errorf("credentials = %+v", cr)
	}
	if exp := aws.ToTime(cr.Expiration); exp.Before(before.Add(899*time.Second)) || exp.After(time.Now().Add(901*time.Second)) {
		t.Errorf("Expiration %v is not 900 s from now", exp)
	}

	// An OAuth 2.0 access token (not a JWT) names its provider by ProviderId.
	out, err = c.AssumeRoleWithWebIdentity(t.Context(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/app"), RoleSessionName: aws.String("s1"),
		WebIdentityToken: aws.String("opaque-oauth-token"), ProviderId: aws.String("www.amazon.com"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Provider) != "www.amazon.com" || out.SubjectFromWebIdentityToken != nil {
		t.Errorf("OAuth answer: Provider %q, Subject %v", aws.ToString(out.Provider), out.SubjectFromWebIdentityToken)
	}
}

// The SDK's own web identity credential provider works against the emulator: the path the
// provider's assume_role_with_web_identity takes.
func TestWebIdentityCredentialProvider(t *testing.T) {
	env := emulatortest.Start(t)
	tokenFile := t.TempDir() + "/token"
	if err := writeFile(tokenFile, jwt(`{"iss":"https://oidc.example","sub":"system:serviceaccount:ns:app","aud":"sts.amazonaws.com"}`)); err != nil {
		t.Fatal(err)
	}
	cfg := env.AWSConfig(1)
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(sts.NewFromConfig(cfg),
		"arn:aws:iam::123456789012:role/app", stscreds.IdentityTokenFile(tokenFile)))
	creds, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "ASIA") || creds.SessionToken == "" || !creds.CanExpire {
		t.Fatalf("credentials = %+v", creds)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != "123456789012" {
		t.Fatalf("GetCallerIdentity with the role's credentials: %v %v", id, err)
	}
}

// Validation as STS answers it: error code ValidationError, every failed constraint in one
// message, sensitive members without their value. Messages as STS words them, e.g.
// "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy
// constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*" (quoted in
// aws-actions/configure-aws-credentials#1306 and JuliaCloud/AWSCore.jl#38), the multi-error
// form in mmmorris1975/aws-runas#80, "Request ARN is invalid" for an ARN naming no role.
func TestAssumeRoleWithWebIdentityValidation(t *testing.T) {
	env := emulatortest.Start(t)
	c := sts.NewFromConfig(env.AWSConfig(1))
	const role, arnPattern = "arn:aws:iam::123456789012:role/app", `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`
	tests := []struct {
		name                 string
		role, session, token string
		duration             int32
		want                 string
	}{
		{"empty role ARN", "", "s1", "token", 0, "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + arnPattern +
			"; Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"session name with a colon", role, "a:b", "token", 0, `1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"session name too short", role, "a", "token", 0, "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"session name too long", role, strings.Repeat("s", 65), "token", 0, "1 validation error detected: Value '" + strings.Repeat("s", 65) + "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"token too short, not echoed", role, "s1", "abc", 0, "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4"},
		{"duration too long", role, "s1", "token", 43201, "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"an OIDC provider's ARN", "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", "s1", "token", 0, "Request ARN is invalid"},
		{"a role ARN without a name", "arn:aws:iam::123456789012:role/", "s1", "token", 0, "Request ARN is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(tc.role), RoleSessionName: aws.String(tc.session), WebIdentityToken: aws.String(tc.token)}
			if tc.duration != 0 {
				in.DurationSeconds = aws.Int32(tc.duration)
			}
			_, err := c.AssumeRoleWithWebIdentity(t.Context(), in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || ae.ErrorMessage() != tc.want {
				t.Fatalf("got %v\nwant ValidationError: %s", err, tc.want)
			}
		})
	}

	// Members the SDKs always send are missing in raw requests: "Value null ... must not be null".
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"}, "RoleArn": {role}}
	resp, err := http.Post(env.URL, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := "2 validation errors detected: Value null at &#39;roleSessionName&#39; failed to satisfy constraint: Member must not be null; " +
		"Value null at &#39;webIdentityToken&#39; failed to satisfy constraint: Member must not be null"
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>ValidationError</Code>") || !strings.Contains(string(body), want) {
		t.Fatalf("raw request without session name and token: %d %s", resp.StatusCode, body)
	}
}

func writeFile(path, data string) error {
	return os.WriteFile(path, []byte(data), 0o600)
}
