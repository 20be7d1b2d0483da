package rotation_test

import (
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestAWSConfigFromEnvironment: the engine builds its SDK configuration from what a Lambda
// function's environment can hold (without the SDK's config package, see awsconfig.go), and
// refuses an incomplete one with an error that says what to set.
func TestAWSConfigFromEnvironment(t *testing.T) {
	e := newEmulator(t)
	e.registerEngine(&fakeStrategy{svc: newFakeService("app", initialPassword)})
	arn := e.CreateSecret("db", initialSecret)
	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	current := emulatortest.Holder(e.Stages(arn), rotation.StageCurrent)
	// A version that is already current: the step only calls DescribeSecret.
	ev := rotation.Event{Step: rotation.StepFinish, SecretID: arn, ClientRequestToken: current}

	// The emulator behind TLS, with its certificate as AWS_CA_BUNDLE.
	tlsSrv := httptest.NewTLSServer(e.Server)
	t.Cleanup(tlsSrv.Close)
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A container credentials endpoint that counts its requests and checks the token.
	var credCalls atomic.Int64
	creds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "container-token" {
			http.Error(w, "bad token", http.StatusForbidden)
			return
		}
		credCalls.Add(1)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": "AKIDCONTAINER", "SecretAccessKey": "container-secret", "Token": "session",
			"Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		})
	}))
	t.Cleanup(creds.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("container-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name      string
		env       map[string]string
		wantErr   string // "" when the step must succeed
		wantCreds bool   // the container endpoint must have been asked
	}{
		{name: "static credentials", env: map[string]string{}},
		{name: "AWS_DEFAULT_REGION", env: map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-1"}},
		{name: "no region", env: map[string]string{"AWS_REGION": ""}, wantErr: "set AWS_REGION"},
		{name: "half the credentials", env: map[string]string{"AWS_SECRET_ACCESS_KEY": ""}, wantErr: "must be set together"},
		{name: "no credentials", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, wantErr: "no credentials in the environment"},
		{name: "container credentials with a token", wantCreds: true, env: map[string]string{
			"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.URL, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-token"}},
		{name: "container credentials with a token file", wantCreds: true, env: map[string]string{
			"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.URL, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile}},
		{name: "container credentials refused", wantErr: "DescribeSecret", env: map[string]string{
			"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.URL, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong"}},
		{name: "container credentials over http to another host refused", wantErr: "plain http only to a loopback address", env: map[string]string{
			"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://credentials.example.net/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-token"}},
		{name: "container credentials endpoint not a URL", wantErr: "is not a URL", env: map[string]string{
			"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "/creds"}},
		{name: "AWS_CA_BUNDLE trusts the endpoint's certificate", env: map[string]string{"AWS_ENDPOINT_URL": tlsSrv.URL, "AWS_CA_BUNDLE": bundle}},
		{name: "without AWS_CA_BUNDLE the certificate is not trusted", env: map[string]string{"AWS_ENDPOINT_URL": tlsSrv.URL}, wantErr: "certificate"},
		{name: "AWS_CA_BUNDLE without a certificate", env: map[string]string{"AWS_CA_BUNDLE": notPEM}, wantErr: "holds no PEM certificate"},
		{name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", env: map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_REGION": "xx-test-1"}, wantErr: "DescribeSecret"},
		{name: "bad AWS_MAX_ATTEMPTS", env: map[string]string{"AWS_MAX_ATTEMPTS": "many"}, wantErr: "AWS_MAX_ATTEMPTS"},
		{name: "bad AWS_RETRY_MODE", env: map[string]string{"AWS_RETRY_MODE": "eager"}, wantErr: "AWS_RETRY_MODE"},
		{name: "AWS_RETRY_MODE adaptive", env: map[string]string{"AWS_RETRY_MODE": "adaptive"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range map[string]string{
				"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
				"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "",
				"AWS_CA_BUNDLE": "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
				"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
				"AWS_CONTAINER_AUTHORIZATION_TOKEN": "", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "",
				"SECRETS_MANAGER_ENDPOINT": "", "AWS_ENDPOINT_URL": e.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
			} {
				t.Setenv(k, v)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			before := credCalls.Load()
			eng := rotation.New(&fakeStrategy{}, rotation.WithLogger(discardLogger()))
			err := eng.Handle(t.Context(), ev)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatal(err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("no error, want one containing %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q, want it to contain %q", err, tc.wantErr)
			}
			if got := credCalls.Load() > before; got != tc.wantCreds {
				t.Errorf("container credentials endpoint asked: %v, want %v", got, tc.wantCreds)
			}
		})
	}
}
