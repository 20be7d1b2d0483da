package secretcachetest

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/agent"
)

// buildAgent builds the command into a temporary directory.
func buildAgent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "secretcache-agent")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/cmd/secretcache-agent")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// agentEnviron is a clean environment for the binary: static credentials, no shared
// config, no instance metadata.
func agentEnviron(t *testing.T, extra ...string) []string {
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret", "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials")}
	return append(env, extra...)
}

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the agent; skipped with -short")
	}
	bin := buildAgent(t)
	sm, _, emuURL := startEmulator(t)
	const secret = "binary-test-s3cret"
	if _, err := sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("db"), SecretString: aws.String(secret)}); err != nil {
		t.Fatal(err)
	}

	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
			env  []string
			want string
		}{
			{"non-loopback address", []string{"-address", "0.0.0.0"}, []string{"AWS_TOKEN=t"}, "loopback"},
			{"no token", nil, nil, "no SSRF token"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				cmd := exec.Command(bin, append([]string{"-port", "0"}, tc.args...)...)
				cmd.Env = agentEnviron(t, tc.env...)
				out, err := cmd.CombinedOutput()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), tc.want) {
					t.Fatalf("exit %v, output %s", err, out)
				}
			})
		}
	})

	cmd := exec.Command(bin, "-port", "0", "-endpoint-url", emuURL, "-log-level", "debug")
	cmd.Env = agentEnviron(t, "AWS_TOKEN="+testToken, "SECRETS_MANAGER_TTL=120")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := emulatortest.NewLogBuffer(t)
	stderr.Forbid(secret)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatalf("no output; stderr: %s", stderr.String())
	}
	base, ok := strings.CutPrefix(lines.Text(), "secretcache-agent listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()

	if a := do(t, http.MethodGet, base, "/ping", nil); a.status != 200 || string(a.body) != "healthy" {
		t.Fatalf("ping: %d %s", a.status, a.body)
	}
	if a := do(t, http.MethodGet, base, "/secretsmanager/get?secretId=db", nil); a.status != 403 || string(a.body) != "Bad Token" {
		t.Fatalf("no token: %d", a.status)
	}
	if a := do(t, http.MethodGet, base, "/secretsmanager/get?secretId=db", map[string][]string{agent.TokenHeader: {"bad"}}); a.status != 403 {
		t.Fatalf("bad token: %d", a.status)
	}
	for _, path := range []string{"/secretsmanager/get?secretId=db", "/v1/db"} {
		a := do(t, http.MethodGet, base, path, withToken)
		if a.status != 200 || a.json(t)["SecretString"] != secret {
			t.Fatalf("%s: %d %s", path, a.status, a.body)
		}
	}
	if a := do(t, http.MethodGet, base, "/secretsmanager/get?secretId=nope", withToken); a.status != 400 || a.json(t)["__type"] != "ResourceNotFoundException" {
		t.Fatalf("missing secret: %d %s", a.status, a.body)
	}

	// Graceful shutdown on SIGTERM, exit status 0.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no exit within 15s of SIGTERM")
	}
	logs := stderr.String()
	if strings.Contains(logs, secret) {
		t.Fatalf("the secret is in the agent's logs:\n%s", logs)
	}
	for _, want := range []string{`"msg":"listening"`, `"msg":"request"`, `"msg":"api call"`, `"msg":"shutting down"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("logs lack %s:\n%s", want, logs)
		}
	}
}
