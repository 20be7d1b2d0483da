package provider

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func strSet(v ...string) types.Set {
	elems := make([]attr.Value, len(v))
	for i, s := range v {
		elems[i] = types.StringValue(s)
	}
	return types.SetValueMust(types.StringType, elems)
}

func strList(v ...string) types.List {
	elems := make([]attr.Value, len(v))
	for i, s := range v {
		elems[i] = types.StringValue(s)
	}
	return types.ListValueMust(types.StringType, elems)
}

// sharedFile writes content to a new file of the test and returns its path.
func sharedFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// webIdentitySTS passes every request on to the emulator (which answers
// AssumeRoleWithWebIdentity as STS does) and records the last web identity token it saw:
// enough to prove that the provider sends the configured token and then uses the
// credentials it gets.
type webIdentitySTS struct {
	*httptest.Server
	mu    sync.Mutex
	token string
}

func newWebIdentitySTS(t *testing.T, emulatorURL string) *webIdentitySTS {
	u, err := url.Parse(emulatorURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	s := &webIdentitySTS{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") == "AssumeRoleWithWebIdentity" {
			s.mu.Lock()
			s.token = form.Get("WebIdentityToken")
			s.mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *webIdentitySTS) lastToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

func TestNewClients(t *testing.T) {
	env := newTestEnv(t)
	// Shared files and web identity must not fall back on this machine's own settings.
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	sts := newWebIdentitySTS(t, env.URL)
	webEndpoints := []endpointsModel{{SecretsManager: types.StringValue(env.URL), KMS: types.StringValue(env.URL), STS: types.StringValue(sts.URL)}}
	endpoints := []endpointsModel{{SecretsManager: types.StringValue(env.URL), KMS: types.StringValue(env.URL), STS: types.StringValue(env.URL)}}
	base := func() providerModel {
		return providerModel{
			Region: types.StringValue("eu-west-1"), AccessKey: types.StringValue("AKIDTEST"), SecretKey: types.StringValue("very-secret-key"),
			Endpoints: endpoints,
		}
	}
	tests := []struct {
		name    string
		change  func(m *providerModel)
		wantErr string
		account string
	}{
		{"static credentials", func(*providerModel) {}, "", "123456789012"},
		{"assume role", func(m *providerModel) {
			m.AssumeRole = []assumeRoleModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/deploy"), Duration: types.StringValue("30m")}}
		}, "", "123456789012"},
		{"skip validation and account", func(m *providerModel) {
			m.SkipCredentialsValidation, m.SkipRequestingAccountID = types.BoolValue(true), types.BoolValue(true)
			m.Endpoints = []endpointsModel{{STS: types.StringValue("http://127.0.0.1:1")}}
		}, "", ""},
		{"unreachable STS", func(m *providerModel) {
			m.Endpoints = []endpointsModel{{STS: types.StringValue("http://127.0.0.1:1")}}
			m.MaxRetries = types.Int64Value(0)
		}, "skip_credentials_validation", ""},
		{"half static credentials", func(m *providerModel) { m.SecretKey = types.StringNull() }, "access_key and secret_key must be set together", ""},
		{"bad endpoint", func(m *providerModel) { m.Endpoints = []endpointsModel{{KMS: types.StringValue("localhost:4566")}} }, "endpoints.kms", ""},
		{"bad duration", func(m *providerModel) {
			m.AssumeRole = []assumeRoleModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/deploy"), Duration: types.StringValue("5m")}}
		}, "15m to 12h", ""},
		{"role without ARN", func(m *providerModel) { m.AssumeRole = []assumeRoleModel{{}} }, "needs role_arn", ""},
		{"max_retries out of range", func(m *providerModel) { m.MaxRetries = types.Int64Value(-1) }, "0 to 100", ""},
		{"allowed account", func(m *providerModel) { m.AllowedAccountIDs = strSet("123456789012", "111111111111") }, "", "123456789012"},
		{"account not allowed", func(m *providerModel) { m.AllowedAccountIDs = strSet("111111111111") }, "not in allowed_account_ids", ""},
		{"forbidden account", func(m *providerModel) { m.ForbiddenAccountIDs = strSet("123456789012") }, "is in forbidden_account_ids", ""},
		{"allowed and forbidden", func(m *providerModel) {
			m.AllowedAccountIDs, m.ForbiddenAccountIDs = strSet("1"), strSet("2")
		}, "not both", ""},
		{"account check without account id", func(m *providerModel) {
			m.AllowedAccountIDs, m.SkipRequestingAccountID = strSet("123456789012"), types.BoolValue(true)
		}, "remove skip_requesting_account_id", ""},
		{"shared files", func(m *providerModel) {
			m.AccessKey, m.SecretKey = types.StringNull(), types.StringNull()
			m.Profile = types.StringValue("deploy")
			m.SharedConfigFiles = strList(sharedFile(t, "[profile deploy]\nregion = eu-west-1\n"))
			m.SharedCredentialsFiles = strList(sharedFile(t, "[deploy]\naws_access_key_id = AKIDFILE\naws_secret_access_key = very-secret-key\n"))
		}, "", "123456789012"},
		{"shared files without the profile", func(m *providerModel) {
			m.AccessKey, m.SecretKey = types.StringNull(), types.StringNull()
			m.Profile = types.StringValue("missing")
			m.SharedConfigFiles = strList(sharedFile(t, "[profile deploy]\nregion = eu-west-1\n"))
		}, "missing", ""},
		{"web identity token file", func(m *providerModel) {
			m.AccessKey, m.SecretKey = types.StringNull(), types.StringNull()
			m.Endpoints, m.MaxRetries = webEndpoints, types.Int64Value(0)
			m.WebIdentity = []webIdentityModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/ci"),
				WebIdentityTokenFile: types.StringValue(sharedFile(t, "oidc-token-from-file"))}}
		}, "", "123456789012"},
		{"web identity token", func(m *providerModel) {
			m.AccessKey, m.SecretKey = types.StringNull(), types.StringNull()
			m.Endpoints, m.MaxRetries = webEndpoints, types.Int64Value(0)
			m.WebIdentity = []webIdentityModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/ci"), WebIdentityToken: types.StringValue("oidc-token-inline")}}
		}, "", "123456789012"},
		{"web identity without token", func(m *providerModel) {
			m.WebIdentity = []webIdentityModel{{RoleARN: types.StringValue("arn:aws:iam::123456789012:role/ci")}}
		}, "needs web_identity_token", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.change(&m)
			c, diags := newClients(t.Context(), m, "test")
			var msgs []string
			for _, d := range diags.Errors() {
				msgs = append(msgs, d.Summary()+": "+d.Detail())
			}
			all := strings.Join(msgs, "\n")
			if strings.Contains(all, "very-secret-key") {
				t.Fatalf("an error carries the secret key: %s", all)
			}
			if tc.wantErr != "" {
				if !strings.Contains(all, tc.wantErr) {
					t.Fatalf("errors %q do not mention %q", all, tc.wantErr)
				}
				return
			}
			if diags.HasError() {
				t.Fatalf("unexpected errors: %s", all)
			}
			if c.AccountID != tc.account || c.Region != "eu-west-1" {
				t.Fatalf("account %q region %q", c.AccountID, c.Region)
			}
			if tc.name == "web identity token file" || tc.name == "web identity token" {
				want := map[string]string{"web identity token file": "oidc-token-from-file", "web identity token": "oidc-token-inline"}[tc.name]
				if got := sts.lastToken(); got != want {
					t.Fatalf("AssumeRoleWithWebIdentity got token %q, want %q", got, want)
				}
			}
		})
	}
}
