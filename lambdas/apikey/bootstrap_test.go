package apikey_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// bootstrap is ./lambda built once per test process, as for provided.al2023.
var bootstrap struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bootstrap.dir != "" {
		_ = os.RemoveAll(bootstrap.dir)
	}
	os.Exit(code)
}

func buildBootstrap(tb testing.TB) string {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("building the bootstrap needs the go command: %v", err)
	}
	bootstrap.once.Do(func() {
		bootstrap.dir, bootstrap.err = os.MkdirTemp("", "apikey-bootstrap-")
		if bootstrap.err != nil {
			return
		}
		bootstrap.path = filepath.Join(bootstrap.dir, "bootstrap")
		cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", bootstrap.path, "./lambda")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		bootstrap.out, bootstrap.err = cmd.CombinedOutput()
	})
	if bootstrap.err != nil {
		tb.Fatalf("go build ./lambda: %v\n%s", bootstrap.err, bootstrap.out)
	}
	return bootstrap.path
}

// registerBootstrap registers the built bootstrap as the function "apikey" with the env's
// variables (settings, CA bundle) and DEBUG logs.
func (e *env) registerBootstrap(tb testing.TB, extra map[string]string) {
	tb.Helper()
	vars := map[string]string{"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
	e.mu.Lock()
	for k, v := range e.vars {
		vars[k] = v
	}
	e.mu.Unlock()
	for k, v := range extra {
		vars[k] = v
	}
	arn, err := e.Server.RegisterExecutable("apikey", buildBootstrap(tb), emulator.FunctionConfig{Timeout: 30 * time.Second, Env: vars})
	if err != nil {
		tb.Fatal(err)
	}
	e.fnARN = arn
}

// envSettings turns rotation settings into APIKEY_* variables.
func envSettings(tb testing.TB, settings map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range settings {
		s, ok := v.(string)
		if !ok {
			tb.Fatalf("setting %s is not a string", k)
		}
		out[apikey.EnvPrefix+strings.ToUpper(k)] = s
	}
	return out
}

// TestBootstrap runs the built function under the emulator's Lambda runtime, configured
// by environment variables (overlap mode, the CA bundle) for one secret and by the
// secret's "rotation" object with a master secret for another: keys rotate as they should,
// a 429 is retried, and the function's output is JSON lines without any key value.
func TestBootstrap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.svc.configure(func(s *keyService) { s.maxActive = 4 })
	// One function for a secret with and one without a master secret: auto, by choice.
	vars := envSettings(t, e.svc.settings(map[string]any{"revoke_mode": "overlap"}))
	vars[rotation.EnvStrategy] = "auto"
	vars[apikey.EnvAllowedHosts] = e.svc.addr
	e.registerBootstrap(t, vars)

	id0, key0 := e.svc.issue("env-configured")
	byEnv := e.CreateSecret("by-env", e.secret(id0, key0, nil, nil))
	masterARN := e.CreateSecret("admin", `{"admin_token":"`+e.svc.master+`"}`)
	id1, key1 := e.svc.issue("secret-configured")
	bySecret := e.CreateSecret("by-secret", e.secret(id1, key1,
		map[string]any{"revoke_mode": "immediate", "master_key_field": "admin_token"}, map[string]any{"masterarn": masterARN}))

	e.svc.inject(svcFault{op: "create", status: 429, retryAfter: "0"})
	keys := []string{key0}
	for n := 1; n <= 2; n++ {
		rec := e.rotate(byEnv, n)
		if rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s\n%s", n, rec.Error, e.Server.FunctionLogs("apikey"))
		}
		cur := e.checkCurrent(byEnv)
		keys = append(keys, cur.Key)
		if !e.svc.works(keys[n-1]) {
			t.Errorf("overlap: the replaced key stopped working at rotation %d", n)
		}
		if n == 2 && e.svc.works(keys[0]) {
			t.Errorf("overlap: the key two rotations old still works")
		}
	}
	rec := e.rotate(bySecret, 1)
	if rec.Outcome != "succeeded" {
		t.Fatalf("rotation with the master secret: %s", rec.Error)
	}
	e.checkCurrent(bySecret)
	if e.svc.works(key1) {
		t.Errorf("immediate (from the secret, over APIKEY_REVOKE_MODE=overlap): the replaced key still works")
	}
	var masterCreates int
	for _, r := range e.svc.log() {
		if r.op == "create" && r.auth == "master" {
			masterCreates++
		}
	}
	if masterCreates != 1 {
		t.Errorf("%d creates with the master token, want 1", masterCreates)
	}

	logs := e.Server.FunctionLogs("apikey")
	e.checkNoSecrets("the function's output", logs)
	var steps, retries, calls int
	for line := range strings.SplitSeq(logs, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue // START, END and REPORT lines
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		switch m["msg"] {
		case "rotation step":
			steps++
			if m["outcome"] != "succeeded" {
				t.Errorf("step line: %s", line)
			}
		case "api key service request failed; retrying":
			retries++
		case "secrets manager call":
			calls++
		}
	}
	if steps != 12 || retries != 1 || calls == 0 {
		t.Errorf("%d step lines (want 12), %d retry lines (want 1), %d call lines (AWS_LAMBDA_LOG_LEVEL=DEBUG):\n%s", steps, retries, calls, logs)
	}
}
