package rotation_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// buildBootstrap builds internal/testrotator as a provided.al2023 bootstrap.
func buildBootstrap(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("building the test rotator needs the go command: %v", err)
	}
	path := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command(goBin, "build", "-tags", "lambda.norpc", "-o", path, "./internal/testrotator")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./internal/testrotator: %v\n%s", err, out)
	}
	return path
}

// TestBootstrapUnderLambdaRuntime runs the engine as a built bootstrap under the emulator's
// Lambda runtime: endpoint and credentials from the environment Lambda gives a function,
// password variables honoured, JSON logs without secret values.
func TestBootstrapUnderLambdaRuntime(t *testing.T) {
	t.Parallel()
	bin := buildBootstrap(t)
	e := newEmulator(t)
	arn, err := e.Server.RegisterExecutable("rotator", bin, emulator.FunctionConfig{Timeout: 30 * time.Second, Env: map[string]string{
		"PASSWORD_LENGTH": "40", "EXCLUDE_PUNCTUATION": "true", "AWS_LAMBDA_LOG_LEVEL": "DEBUG",
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.fnARN = arn
	secretARN := e.CreateSecret("db", initialSecret)
	passwords := []string{initialPassword}
	for n := 1; n <= 2; n++ {
		rec := e.rotate(secretARN, n)
		if rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s\nlogs:\n%s", n, rec.Error, e.Server.FunctionLogs("rotator"))
		}
		stages := e.Stages(secretARN)
		if emulatortest.Holder(stages, rotation.StageCurrent) != rec.Token || emulatortest.Holder(stages, rotation.StagePending) != "" {
			t.Errorf("rotation %d: labels %v", n, stages)
		}
		cur := e.value(secretARN, rotation.StageCurrent)
		pw := str(cur["password"])
		if len(pw) != 40 || strings.ContainsAny(pw, "!#$%&()*+,-.:;<=>?[]^_`{|}~") {
			t.Errorf("rotation %d: password of length %d with punctuation despite PASSWORD_LENGTH=40 EXCLUDE_PUNCTUATION=true", n, len(pw))
		}
		if str(cur["note"]) != "keep me" || string(cur["big"]) != "12345678901234567890" {
			t.Errorf("rotation %d lost unknown fields", n)
		}
		passwords = append(passwords, pw)
	}

	logs := e.Server.FunctionLogs("rotator")
	var steps int
	for _, line := range strings.Split(logs, "\n") {
		for _, pw := range passwords {
			if strings.Contains(line, pw) {
				t.Errorf("function log holds a password: %s", line)
			}
		}
		if !strings.HasPrefix(line, "{") {
			continue // START, END and REPORT lines
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if rec["msg"] == "rotation step" {
			steps++
			if rec["outcome"] != "succeeded" || rec["secret"] != secretARN {
				t.Errorf("step line: %s", line)
			}
		}
	}
	if steps != 8 {
		t.Errorf("%d step lines for 2 rotations, want 8:\n%s", steps, logs)
	}
	if !strings.Contains(logs, `"msg":"secrets manager call"`) {
		t.Errorf("AWS_LAMBDA_LOG_LEVEL=DEBUG did not enable the per-call lines")
	}
}
