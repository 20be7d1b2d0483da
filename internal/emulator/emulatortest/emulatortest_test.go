package emulatortest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// stepper is a rotation function written against the raw event: it moves AWSCURRENT to the
// token in finishSecret, and fails the step named fail.
func stepper(sm *secretsmanager.Client, fail string) emulator.Handler {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev struct{ Step, SecretId, ClientRequestToken string }
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		if ev.Step == fail {
			return nil, fmt.Errorf("%s refused", ev.Step)
		}
		switch ev.Step {
		case "createSecret":
			_, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
				SecretId: aws.String(ev.SecretId), ClientRequestToken: aws.String(ev.ClientRequestToken),
				SecretString: aws.String("new-" + ev.ClientRequestToken[:8]), VersionStages: []string{"AWSPENDING"},
			})
			return nil, err
		case "finishSecret":
			d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretId)})
			if err != nil {
				return nil, err
			}
			_, err = sm.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
				SecretId: aws.String(ev.SecretId), VersionStage: aws.String("AWSCURRENT"),
				MoveToVersionId: aws.String(ev.ClientRequestToken), RemoveFromVersionId: aws.String(emulatortest.Holder(d.VersionIdsToStages, "AWSCURRENT")),
			})
			return nil, err
		}
		return nil, nil
	}
}

func TestRotateMovesLabels(t *testing.T) {
	env := emulatortest.Start(t)
	fn := env.Register("rotator", stepper(env.SecretsManager(3), ""), emulator.FunctionConfig{})
	arn := env.CreateSecret("app", "v1")
	first := emulatortest.Holder(env.Stages(arn), "AWSCURRENT")

	rec := env.MustRotate(arn, fn)
	st := env.Stages(arn)
	if got := emulatortest.Holder(st, "AWSCURRENT"); got != rec.Token {
		t.Errorf("AWSCURRENT on %s, want the rotation's token %s (%s)", got, rec.Token, env.Versions(arn))
	}
	if got := emulatortest.Holder(st, "AWSPREVIOUS"); got != first {
		t.Errorf("AWSPREVIOUS on %s, want the first version %s", got, first)
	}
	if got, want := env.Value(arn, ""), "new-"+rec.Token[:8]; got != want {
		t.Errorf("AWSCURRENT value %q, want %q", got, want)
	}
	if got := env.Value(arn, "AWSPREVIOUS"); got != "v1" {
		t.Errorf("AWSPREVIOUS value %q, want v1", got)
	}

	// A second rotation is counted as the second record, not confused with the first.
	rec2 := env.MustRotate(arn, fn)
	if rec2.Token == rec.Token || len(env.Finished(arn)) != 2 {
		t.Errorf("second rotation %+v; history %d", rec2, len(env.Finished(arn)))
	}
	if env.Calls()["secretsmanager.RotateSecret"] != 2 {
		t.Errorf("calls %v, want 2 RotateSecret", env.Calls())
	}
}

func TestRotateReportsFailure(t *testing.T) {
	env := emulatortest.Start(t)
	fn := env.Register("rotator", stepper(env.SecretsManager(3), "testSecret"), emulator.FunctionConfig{})
	arn := env.CreateSecret("app", "v1")
	rec := env.Rotate(arn, fn)
	if rec.Outcome != "failed" || !strings.Contains(rec.Error, "testSecret refused") {
		t.Fatalf("rotation %+v, want failed with the function's error", rec)
	}
	if env.Value(arn, "") != "v1" {
		t.Errorf("AWSCURRENT changed by a failed rotation")
	}
}

func TestFaultsReachClients(t *testing.T) {
	env := emulatortest.Start(t)
	arn := env.CreateSecret("app", "v1")
	env.InjectFault(emulator.Fault{Operation: "secretsmanager.GetSecretValue", Count: 1, ErrorCode: "InternalServiceError"})
	if _, err := env.ValueErr(arn, ""); err == nil || !strings.Contains(err.Error(), "InternalServiceError") {
		t.Fatalf("first read after a fault: %v, want InternalServiceError", err)
	}
	if env.Value(arn, "") != "v1" {
		t.Errorf("second read wrong")
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestLogBufferForbid(t *testing.T) {
	const secret = "hunter2-very-secret"
	for _, tc := range []struct {
		name    string
		log     string
		extra   []string
		wantErr bool
	}{
		{"clean", "rotation done", nil, false},
		{"in log", "password=" + secret, nil, true},
		{"in extra text", "ok", []string{"error: " + secret}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			b := emulatortest.NewLogBuffer(rec)
			b.Forbid(secret, "")
			b.Logger().Info(tc.log)
			b.Check(tc.extra...)
			if got := len(rec.errors) > 0; got != tc.wantErr {
				t.Fatalf("failed=%v, want %v (%v)", got, tc.wantErr, rec.errors)
			}
			for _, e := range rec.errors {
				if strings.Contains(e, secret) {
					t.Errorf("the failure message repeats the secret: %q", e)
				}
			}
		})
	}
}

// TestStartServer: a server started outside a test serves until stopped, and For binds the
// helpers to a test.
func TestStartServer(t *testing.T) {
	env, stop, err := emulatortest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	if env.T != nil {
		t.Errorf("StartServer's Env has a test: %v", env.T)
	}
	e := env.For(t)
	arn := e.CreateSecret("shared", "v1")
	if got := env.For(t).Value(arn, ""); got != "v1" {
		t.Errorf("value through another For: %q, want v1", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := e.ValueErr(arn, ""); err == nil {
		t.Errorf("GetSecretValue succeeded after stop")
	}
}
