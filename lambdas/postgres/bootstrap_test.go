package postgres_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	lambdadb "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// registerBootstrap registers the built bootstrap as the rotation function, as Lambda runs
// it, trusting the server's CA through SSL_ROOT_CERT.
func (e *env) registerBootstrap(t testing.TB, pg *testenv.Postgres, timeout time.Duration, vars map[string]string) {
	t.Helper()
	env := map[string]string{lambdadb.EnvRootCert: pg.CAFile}
	for k, v := range vars {
		env[k] = v
	}
	arn, err := e.Server.RegisterExecutable("rotator", bootstrap(t), emulator.FunctionConfig{Timeout: timeout, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	e.fnARN = arn
}

// TestBootstrap rotates through the built bootstrap (go build -tags lambda.norpc,
// CGO_ENABLED=0) under the emulator's Lambda runtime, for both strategies: the new
// credentials log in, the labels are right, and the function's log is JSON with one line per
// step and no secret value.
func TestBootstrap(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, alt := range modes() {
		t.Run(modeName(alt), func(t *testing.T) {
			t.Parallel()
			user := "boot_" + modeName(alt)
			createUser(t, pg, user, "Initial-pw-1", "")
			e := newEmulator(t)
			e.registerBootstrap(t, pg, 30*time.Second, map[string]string{rotation.EnvExcludeCharacters: "", "AWS_LAMBDA_LOG_LEVEL": "DEBUG", rotation.EnvStrategy: modeName(alt)})
			extra := map[string]any{"port": strconv.Itoa(pg.Port)}
			if alt {
				extra["masterarn"] = e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", nil))
			}
			arn := e.createSecret("app", pgSecret(pg, user, "Initial-pw-1", "", extra))
			secrets := []string{"Initial-pw-1", pg.Password}
			for n := 1; n <= 3; n++ {
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					t.Fatalf("rotation %d: %s\nfunction log:\n%s", n, rec.Error, tailLines(e.Server.FunctionLogs("rotator"), 30))
				}
				cur, prev := e.value(arn, rotation.StageCurrent), e.value(arn, rotation.StagePrevious)
				if cur.version != rec.Token {
					t.Errorf("rotation %d: AWSCURRENT on %s, want %s", n, cur.version, rec.Token)
				}
				mustLogin(t, pg, cur.Username, cur.Password, "postgres", "AWSCURRENT")
				if works := canLogin(pg, prev.Username, prev.Password, "postgres"); works != alt {
					t.Errorf("rotation %d: AWSPREVIOUS logs in: %v, want %v", n, works, alt)
				}
				secrets = append(secrets, cur.Password)
			}
			logs := e.Server.FunctionLogs("rotator")
			checkNoSecret(t, "the function's log", logs, secrets...)
			checkNotInServerLog(t, serverLog(t, pg), secrets[2:]...)
			steps := 0
			for _, line := range strings.Split(logs, "\n") {
				if !strings.HasPrefix(line, "{") {
					continue // START, END, REPORT
				}
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Errorf("log line is not JSON: %s", line)
					continue
				}
				if rec["msg"] == "rotation step" {
					steps++
					if rec["outcome"] != "succeeded" {
						t.Errorf("step line: %s", line)
					}
				}
			}
			if steps != 12 {
				t.Errorf("%d step lines for 3 rotations, want 12", steps)
			}
		})
	}
}

// TestBootstrapKilled kills the bootstrap in finishSecret, after setSecret and testSecret
// succeeded, while it waits for a delayed UpdateSecretVersionStage: by the function's
// timeout (the Lambda runtime's deadline), and by replacing the function, which kills its
// process at once. The invariant holds and the reattempt completes.
func TestBootstrapKilled(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, alt := range modes() {
		for _, how := range []string{"timeout", "kill"} {
			t.Run(modeName(alt)+"/"+how, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, pg, "killed_"+modeName(alt)+"_"+how, alt)
				timeout := 30 * time.Second
				if how == "timeout" {
					timeout = 2 * time.Second
				}
				vars := map[string]string{rotation.EnvStrategy: modeName(alt)}
				f.e.registerBootstrap(t, pg, timeout, vars)
				f.recover()
				ctx := context.Background()
				if err := f.e.Control.InjectFault(ctx, emulator.Fault{Operation: "secretsmanager.UpdateSecretVersionStage", Delay: "20s", Count: 1}); err != nil {
					t.Fatal(err)
				}
				if err := f.e.Control.ResetCalls(ctx); err != nil {
					t.Fatal(err)
				}
				f.n++
				if _, err := f.e.SM.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(f.arn)}); err != nil {
					t.Fatal(err)
				}
				want := []string{"Task timed out", "context deadline exceeded"} // the runtime or the function's own deadline
				if how == "kill" {
					// Wait until finishSecret is stuck in the delayed call, then kill.
					for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
						calls, err := f.e.Control.Calls(ctx)
						if err != nil {
							t.Fatal(err)
						}
						if calls["secretsmanager.UpdateSecretVersionStage"] > 0 {
							break
						}
						if time.Now().After(deadline) {
							t.Fatal("finishSecret never called UpdateSecretVersionStage")
						}
					}
					f.e.registerBootstrap(t, pg, timeout, vars)
					want = []string{"function stopped"}
				}
				rec := f.e.WaitRotated(f.arn, f.n)
				if rec.Outcome != "failed" || !strings.Contains(rec.Error, "finishSecret") || !slices.ContainsFunc(want, func(w string) bool { return strings.Contains(rec.Error, w) }) {
					t.Fatalf("rotation %s (%s), want finishSecret failed with one of %q", rec.Outcome, rec.Error, want)
				}
				if err := f.e.Control.ClearFaults(ctx); err != nil {
					t.Fatal(err)
				}
				if !alt && how == "kill" {
					// The one window left: a single user's process killed inside finishSecret,
					// between the password change and the label move. AWSPENDING logs in
					// until the reattempt.
					f.checkCurrentOrPending()
				} else {
					f.checkInvariant()
				}
				f.recover()
				f.recover()
			})
		}
	}
}
