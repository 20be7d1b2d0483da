package mysql_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// registerBootstrap makes the built bootstrap the rotation function, configured by the
// environment as in Lambda.
func (e *emu) registerBootstrap(env map[string]string) {
	e.t.Helper()
	full := map[string]string{"SSL_ROOT_CERT": e.db.db.CAFile, "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}
	for k, v := range env {
		full[k] = v
	}
	arn, err := e.Server.RegisterExecutable("rotator", buildBootstrap(e.t), emulator.FunctionConfig{Timeout: 30 * time.Second, Env: full})
	if err != nil {
		e.t.Fatal(err)
	}
	e.fnARN = arn
}

// pidsOf lists the processes running the executable at path.
func pidsOf(path string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", en.Name(), "exe")); err == nil && exe == path {
			out = append(out, pid)
		}
	}
	return out
}

// TestBootstrap rotates through the built bootstrap (go build -tags lambda.norpc,
// CGO_ENABLED=0) under the emulator's Lambda runtime, configured by environment variables
// as in Lambda: both strategies, JSON logs without secret values, and a function process
// killed (SIGKILL) between setSecret and testSecret.
func TestBootstrap(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	for _, kind := range []string{kindSingle, kindAlternating} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			e.registerBootstrap(map[string]string{"PASSWORD_LENGTH": "40", "EXCLUDE_CHARACTERS": "", "ROTATION_STRATEGY": kind})
			arn := setupUser(t, e, kind)
			before := e.value(arn, rotation.StageCurrent)
			for n := 1; n <= 2; n++ {
				rec := e.rotate(arn, n)
				before = e.checkRotated(arn, rec, before, kind == kindSingle)
				if len(before["password"].(string)) != 40 {
					t.Errorf("PASSWORD_LENGTH=40 not honoured")
				}
			}

			// The process is killed while setSecret is done and testSecret waits for
			// Secrets Manager (its DescribeSecret delayed).
			ctx := t.Context()
			if err := e.Control.ResetCalls(ctx); err != nil {
				t.Fatal(err)
			}
			for _, f := range []emulator.Fault{
				{Operation: "secretsmanager.DescribeSecret", Count: 2, Delay: "1ms"},
				{Operation: "secretsmanager.DescribeSecret", Count: 1, Delay: "25s"},
			} {
				if err := e.Control.InjectFault(ctx, f); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.SM.RotateSecret(ctx, rotateInput(arn, e.fnARN)); err != nil {
				t.Fatal(err)
			}
			killed := false
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !killed; time.Sleep(20 * time.Millisecond) {
				calls, err := e.Control.Calls(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if calls["secretsmanager.DescribeSecret"] >= 3 {
					for _, pid := range pidsOf(buildBootstrap(t)) {
						if strings.Contains(procEnv(pid), e.URL) {
							_ = syscall.Kill(pid, syscall.SIGKILL)
							killed = true
						}
					}
				}
			}
			if !killed {
				t.Fatal("the bootstrap process was not found in testSecret")
			}
			rec := e.wait(arn, 3)
			_ = e.Control.ClearFaults(ctx)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "testSecret") {
				t.Fatalf("rotation with the process killed: %s %s", rec.Outcome, rec.Error)
			}
			e.checkAfterFault(arn, kind)
			e.completeNext(arn, 4)

			logs := e.Server.FunctionLogs("rotator")
			e.checkNoSecretsLogged(logs)
			steps := 0
			for _, line := range strings.Split(logs, "\n") {
				if !strings.HasPrefix(line, "{") {
					continue
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Errorf("log line is not JSON: %.80s", line)
				}
				if m["msg"] == "rotation step" {
					steps++
				}
			}
			if steps < 8 {
				t.Errorf("%d step lines in the function log:\n%s", steps, logs)
			}
		})
	}
}

// procEnv is a process's environment, to tell this test's bootstrap from others'.
func procEnv(pid int) string {
	data, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
	return strings.ReplaceAll(string(data), "\x00", "\n")
}
