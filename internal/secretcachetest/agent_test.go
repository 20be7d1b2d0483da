package secretcachetest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/agent"
)

const testToken = "test-ssrf-token"

type agentEnv struct {
	t      *testing.T
	sm     *secretsmanager.Client
	ctl    *emulator.Control
	emuURL string
	url    string // the agent
}

// startEmulator starts the kit's emulator; it returns a client that never retries, its
// control client and its URL.
func startEmulator(t *testing.T) (*secretsmanager.Client, *emulator.Control, string) {
	t.Helper()
	k := emulatortest.Start(t)
	return k.SM, k.Control, k.URL
}

// newAgentEnv serves the agent's handler with httptest, over a cache reading the emulator.
func newAgentEnv(t *testing.T) *agentEnv {
	t.Helper()
	sm, ctl, emuURL := startEmulator(t)
	cache, err := secretcache.New(sm, secretcache.Options{MaxStaleness: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	h := agent.NewHandler(agent.HandlerOptions{Cache: cache, Token: testToken, MaxConn: 8, Timeout: 5 * time.Second})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &agentEnv{t: t, sm: sm, ctl: ctl, emuURL: emuURL, url: hs.URL}
}

func (e *agentEnv) create(name string, in secretsmanager.CreateSecretInput) *secretsmanager.CreateSecretOutput {
	e.t.Helper()
	in.Name = aws.String(name)
	out, err := e.sm.CreateSecret(e.t.Context(), &in)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

type answer struct {
	status int
	body   []byte
	header http.Header
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", a.body, err)
	}
	return m
}

// do sends a request to base+path; header values of nil mean "absent".
func do(t *testing.T, method, base, path string, header map[string][]string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, body, resp.Header}
}

var withToken = map[string][]string{agent.TokenHeader: {testToken}}

// The AWS agent's local refusals are plain text (server.rs, parse.rs); Secrets Manager's
// errors are its JSON with its status.
func TestRequestChecks(t *testing.T) {
	e := newAgentEnv(t)
	e.create("db", secretsmanager.CreateSecretInput{SecretString: aws.String("pw")})
	tests := []struct {
		name     string
		method   string
		path     string
		header   map[string][]string
		status   int
		wantText string // plain-text body
		wantType string // or JSON __type
	}{
		{"ping needs no token", http.MethodGet, "/ping", nil, 200, "healthy", ""},
		{"no token", http.MethodGet, "/secretsmanager/get?secretId=db", nil, 403, "Bad Token", ""},
		{"wrong token", http.MethodGet, "/secretsmanager/get?secretId=db", map[string][]string{agent.TokenHeader: {"nope"}}, 403, "Bad Token", ""},
		{"empty token", http.MethodGet, "/secretsmanager/get?secretId=db", map[string][]string{agent.TokenHeader: {""}}, 403, "Bad Token", ""},
		{"X-Vault-Token", http.MethodGet, "/secretsmanager/get?secretId=db", map[string][]string{"X-Vault-Token": {testToken}}, 200, "", ""},
		{"wrong X-Vault-Token", http.MethodGet, "/secretsmanager/get?secretId=db", map[string][]string{"X-Vault-Token": {"nope"}}, 403, "Bad Token", ""},
		{"forwarded", http.MethodGet, "/secretsmanager/get?secretId=db", map[string][]string{agent.TokenHeader: {testToken}, "X-Forwarded-For": {"10.0.0.1"}}, 400, "Forwarded", ""},
		{"POST", http.MethodPost, "/secretsmanager/get?secretId=db", withToken, 405, "Not allowed", ""},
		{"POST without a token: the token is checked first", http.MethodPost, "/secretsmanager/get?secretId=db", nil, 403, "Bad Token", ""},
		{"POST /ping", http.MethodPost, "/ping", nil, 405, "Not allowed", ""},
		{"unknown path", http.MethodGet, "/secretsmanager/put?secretId=db", withToken, 404, "Not found", ""},
		{"Parameter Store is not served", http.MethodGet, "/systemsmanager/parameters/get?name=x", withToken, 404, "Not found: secretcache-agent serves Secrets Manager secrets only", ""},
		{"missing secretId", http.MethodGet, "/secretsmanager/get", withToken, 400, "missing parameter secretId", ""},
		{"unknown parameter", http.MethodGet, "/secretsmanager/get?secretId=db&x=1", withToken, 400, "unknown parameter: x", ""},
		{"bad refreshNow", http.MethodGet, "/secretsmanager/get?secretId=db&refreshNow=maybe", withToken, 400, "invalid refreshNow value", ""},
		{"missing id in path", http.MethodGet, "/v1/", withToken, 400, "missing secret ID", ""},
		{"missing secret", http.MethodGet, "/secretsmanager/get?secretId=nope", withToken, 400, "", "ResourceNotFoundException"},
		{"missing stage", http.MethodGet, "/secretsmanager/get?secretId=db&versionStage=AWSPREVIOUS", withToken, 400, "", "ResourceNotFoundException"},
		{"repeated parameter: the last wins", http.MethodGet, "/secretsmanager/get?secretId=nope&secretId=db&versionStage=AWSPREVIOUS&versionStage=AWSCURRENT", withToken, 200, "", ""},
		{"good", http.MethodGet, "/secretsmanager/get?secretId=db", withToken, 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, tc.method, e.url, tc.path, tc.header)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			switch {
			case tc.wantText != "":
				if !strings.HasPrefix(string(a.body), tc.wantText) || !strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
					t.Fatalf("body %q (%s), want plain text %q", a.body, a.header.Get("Content-Type"), tc.wantText)
				}
			case tc.wantType != "":
				m := a.json(t)
				if m["__type"] != tc.wantType || m["message"] == "" {
					t.Fatalf("error body %s, want __type %s and a message", a.body, tc.wantType)
				}
			case tc.status == 200:
				if a.json(t)["SecretString"] != "pw" {
					t.Fatalf("body %s", a.body)
				}
			}
			if tc.status != 200 && strings.Contains(string(a.body), `"pw"`) {
				t.Fatalf("error body carries the secret: %s", a.body)
			}
		})
	}
}

func TestGetSecretValueShape(t *testing.T) {
	e := newAgentEnv(t)
	created := e.create("team/db", secretsmanager.CreateSecretInput{SecretString: aws.String(`{"password":"pw1"}`)})
	put, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("team/db"), SecretString: aws.String(`{"password":"pw2"}`)})
	if err != nil {
		t.Fatal(err)
	}
	e.create("bin", secretsmanager.CreateSecretInput{SecretBinary: []byte{0, 1, 2, 255}})
	tests := []struct {
		name       string
		path       string
		wantString string
		wantBinary []byte
		wantID     string
		wantStages []string
	}{
		{"query, current", "/secretsmanager/get?secretId=team%2Fdb", `{"password":"pw2"}`, nil, *put.VersionId, []string{"AWSCURRENT"}},
		{"query by ARN", "/secretsmanager/get?secretId=" + url.QueryEscape(*created.ARN), `{"password":"pw2"}`, nil, *put.VersionId, []string{"AWSCURRENT"}},
		{"query, previous", "/secretsmanager/get?secretId=team/db&versionStage=AWSPREVIOUS", `{"password":"pw1"}`, nil, *created.VersionId, []string{"AWSPREVIOUS"}},
		{"query, version id", "/secretsmanager/get?secretId=team/db&versionId=" + *created.VersionId, `{"password":"pw1"}`, nil, *created.VersionId, []string{"AWSPREVIOUS"}},
		{"path style", "/v1/team/db", `{"password":"pw2"}`, nil, *put.VersionId, []string{"AWSCURRENT"}},
		{"path style, previous", "/v1/team/db?versionStage=AWSPREVIOUS", `{"password":"pw1"}`, nil, *created.VersionId, []string{"AWSPREVIOUS"}},
		{"binary", "/secretsmanager/get?secretId=bin", "", []byte{0, 1, 2, 255}, "", []string{"AWSCURRENT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, http.MethodGet, e.url, tc.path, withToken)
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			if a.header.Get(agent.HeaderConfirmed) == "" || a.header.Get(agent.HeaderStale) != "" {
				t.Fatalf("freshness headers %v", a.header)
			}
			// A typed client of the AWS agent: every field a string, CreatedDate too
			// ("1569534789.046", epoch seconds).
			var out struct {
				ARN, Name, VersionId, SecretString, SecretBinary string
				VersionStages                                    []string
				CreatedDate                                      string
			}
			if err := json.Unmarshal(a.body, &out); err != nil {
				t.Fatal(err)
			}
			if tc.wantBinary != nil {
				b, err := base64.StdEncoding.DecodeString(out.SecretBinary)
				if err != nil || string(b) != string(tc.wantBinary) || strings.Contains(string(a.body), "SecretString") {
					t.Fatalf("binary answer %s", a.body)
				}
			} else if out.SecretString != tc.wantString || out.ARN != *created.ARN || out.Name != "team/db" || out.VersionId != tc.wantID {
				t.Fatalf("answer %s", a.body)
			}
			created, err := strconv.ParseFloat(out.CreatedDate, 64)
			if !slices.Equal(out.VersionStages, tc.wantStages) || err != nil || created < 1e9 || !createdDate.MatchString(out.CreatedDate) {
				t.Fatalf("stages or CreatedDate: %s", a.body)
			}
		})
	}
}

var createdDate = regexp.MustCompile(`^[0-9]{10}(\.[0-9]{1,3})?$`)

func TestAgentCaches(t *testing.T) {
	e := newAgentEnv(t)
	e.create("db", secretsmanager.CreateSecretInput{SecretString: aws.String("pw")})
	if err := e.ctl.ResetCalls(t.Context()); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if a := do(t, http.MethodGet, e.url, "/secretsmanager/get?secretId=db", withToken); a.status != 200 {
			t.Fatalf("status %d", a.status)
		}
		if a := do(t, http.MethodGet, e.url, "/v1/db", withToken); a.status != 200 {
			t.Fatalf("status %d", a.status)
		}
	}
	calls, err := e.ctl.Calls(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if calls["secretsmanager.GetSecretValue"] != 1 || calls["secretsmanager.DescribeSecret"] != 0 {
		t.Fatalf("100 requests made %v", calls)
	}
	// refreshNow asks Secrets Manager: the new value shows at once.
	if _, err := e.sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("db"), SecretString: aws.String("pw2")}); err != nil {
		t.Fatal(err)
	}
	a := do(t, http.MethodGet, e.url, "/secretsmanager/get?secretId=db&refreshNow=true", withToken)
	if a.status != 200 || a.json(t)["SecretString"] != "pw2" {
		t.Fatalf("refreshNow: %d %s", a.status, a.body)
	}
}

func TestAgentErrors(t *testing.T) {
	e := newAgentEnv(t)
	e.create("db", secretsmanager.CreateSecretInput{SecretString: aws.String("pw")})
	if err := e.ctl.InjectFault(t.Context(), emulator.Fault{Operation: "secretsmanager.GetSecretValue", ErrorCode: "InternalServiceError", Message: "injected"}); err != nil {
		t.Fatal(err)
	}
	a := do(t, http.MethodGet, e.url, "/secretsmanager/get?secretId=db", withToken)
	if m := a.json(t); a.status != 500 || m["__type"] != "InternalServiceError" || m["message"] != "injected" {
		t.Fatalf("%d %s", a.status, a.body)
	}
	// The failure is remembered for the backoff: no second call yet, the same error.
	a = do(t, http.MethodGet, e.url, "/secretsmanager/get?secretId=db", withToken)
	calls, _ := e.ctl.Calls(t.Context())
	if a.status != 500 || calls["secretsmanager.GetSecretValue"] != 1 {
		t.Fatalf("%d %s, calls %v", a.status, a.body, calls)
	}
}
