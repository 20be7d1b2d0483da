package rotation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

func TestFullRotation(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	svc := newFakeService("app", initialPassword)
	fs := &fakeStrategy{svc: svc}
	e.registerEngine(fs)
	arn := e.CreateSecret("db", initialSecret)
	before := e.Stages(arn)
	oldCurrent := emulatortest.Holder(before, rotation.StageCurrent)

	rec := e.rotate(arn, 1)
	if rec.Outcome != "succeeded" {
		t.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
	}
	if got, want := fs.calls, []string{"NewPending", "Set", "Test", "Finish"}; !slices.Equal(got, want) {
		t.Errorf("strategy calls %v, want %v", got, want)
	}

	stages := e.Stages(arn)
	if emulatortest.Holder(stages, rotation.StageCurrent) != rec.Token {
		t.Errorf("AWSCURRENT on %s, want the rotation's token %s (stages %v)", emulatortest.Holder(stages, rotation.StageCurrent), rec.Token, stages)
	}
	if emulatortest.Holder(stages, rotation.StagePrevious) != oldCurrent {
		t.Errorf("AWSPREVIOUS on %s, want the old current %s", emulatortest.Holder(stages, rotation.StagePrevious), oldCurrent)
	}
	if p := emulatortest.Holder(stages, rotation.StagePending); p != "" {
		t.Errorf("AWSPENDING left on version %s (stages %v)", p, stages)
	}
	if got := stages[rec.Token]; !slices.Equal(got, []string{rotation.StageCurrent}) {
		t.Errorf("new version labels %v, want [AWSCURRENT]", got)
	}

	var orig map[string]json.RawMessage
	if err := json.Unmarshal([]byte(initialSecret), &orig); err != nil {
		t.Fatal(err)
	}
	cur := e.value(arn, rotation.StageCurrent)
	for _, f := range unknownFields {
		if string(cur[f]) != string(orig[f]) {
			t.Errorf("field %s: %s, want %s unchanged", f, cur[f], orig[f])
		}
	}
	if len(cur) != len(orig) {
		t.Errorf("new secret has fields %v, want those of %v", slices.Sorted(maps.Keys(cur)), slices.Sorted(maps.Keys(orig)))
	}
	pw := str(cur["password"])
	if pw == initialPassword || len(pw) != 32 {
		t.Errorf("new password has length %d (want 32) or is unchanged", len(pw))
	}
	if strings.ContainsAny(pw, `/@"'\`) {
		t.Errorf("new password contains a character excluded by default")
	}
	e.checkInvariant(arn, svc)
	if svc.login("app", "nonsense") || !svc.login("app", initialPassword) {
		t.Errorf("service state after one rotation: %s; want the current and previous passwords", svc)
	}

	// A second rotation: the password two generations old is revoked by Finish.
	rec = e.rotate(arn, 2)
	if rec.Outcome != "succeeded" {
		t.Fatalf("second rotation %s: %s", rec.Outcome, rec.Error)
	}
	if svc.login("app", initialPassword) {
		t.Errorf("the initial password still works after two rotations")
	}
	e.checkInvariant(arn, svc)
	if prev := e.value(arn, rotation.StagePrevious); str(prev["password"]) != pw {
		t.Errorf("AWSPREVIOUS is not the first rotation's secret")
	}
}

func TestCallsPerRotation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		strategy func(*fakeService) rotation.Strategy
		want     map[string]int64
	}{
		{
			// Set reads the pending and current secrets, Test the pending one: a single
			// user database rotator.
			name:     "without Finish",
			strategy: func(s *fakeService) rotation.Strategy { return noFinish{&fakeStrategy{svc: s}} },
			want: map[string]int64{
				"DescribeSecret": 4, "GetSecretValue": 6, "GetRandomPassword": 1,
				"PutSecretValue": 1, "UpdateSecretVersionStage": 2,
			},
		},
		{
			// Finish also reads AWSPREVIOUS (the former current secret).
			name:     "with Finish",
			strategy: func(s *fakeService) rotation.Strategy { return &fakeStrategy{svc: s} },
			want: map[string]int64{
				"DescribeSecret": 4, "GetSecretValue": 7, "GetRandomPassword": 1,
				"PutSecretValue": 1, "UpdateSecretVersionStage": 2,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmulator(t)
			e.registerEngine(tc.strategy(newFakeService("app", initialPassword)))
			arn := e.CreateSecret("db", initialSecret)
			// Rotate twice, so that the second rotation has an AWSPREVIOUS, and count it.
			if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
				t.Fatalf("rotation: %s", rec.Error)
			}
			if err := e.Control.ResetCalls(t.Context()); err != nil {
				t.Fatal(err)
			}
			if rec := e.rotate(arn, 2); rec.Outcome != "succeeded" {
				t.Fatalf("rotation: %s", rec.Error)
			}
			calls, err := e.Control.Calls(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			var total int64
			for op, n := range calls {
				name, ok := strings.CutPrefix(op, "secretsmanager.")
				if !ok || name == "RotateSecret" || n == 0 {
					continue
				}
				got[name] = n
				total += n
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("Secrets Manager calls per rotation %v, want %v", got, tc.want)
			}
			t.Logf("Secrets Manager calls per rotation (%s): %d %v", tc.name, total, got)
		})
	}
}

// retryingHandler invokes the engine three times per event and checks that the second and
// third invocations change nothing.
func retryingHandler(t *testing.T, e *env, eng *rotation.Engine, svc *fakeService, arn string) emulator.Handler {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev rotation.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		if _, err := eng.Invoke(ctx, payload); err != nil {
			return nil, err
		}
		after := e.snapshot(arn, svc)
		for i := range 2 {
			if _, err := eng.Invoke(ctx, payload); err != nil {
				t.Errorf("%s retry %d: %v", ev.Step, i+1, err)
				return nil, err
			}
			if again := e.snapshot(arn, svc); again != after {
				t.Errorf("%s retry %d changed the state:\nafter the step:\n%s\nafter the retry:\n%s", ev.Step, i+1, after, again)
			}
		}
		return nil, nil
	}
}

func TestStepRetriedTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	svc := newFakeService("app", initialPassword)
	fs := &fakeStrategy{svc: svc}
	eng := rotation.New(fs, rotation.WithClient(e.engineClient()), rotation.WithLogger(discardLogger()))
	arn := e.CreateSecret("db", initialSecret)
	e.register(retryingHandler(t, e, eng, svc, arn))
	for n := 1; n <= 2; n++ {
		if rec := e.rotate(arn, n); rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s", n, rec.Error)
		}
		e.checkInvariant(arn, svc)
	}
	// The pending secret is made once per rotation; Finish runs once (its retries find the
	// version current and done).
	if n := fs.count("NewPending"); n != 2 {
		t.Errorf("NewPending called %d times for 2 rotations, want 2", n)
	}
	if n := fs.count("Finish"); n != 2 {
		t.Errorf("Finish called %d times for 2 rotations, want 2", n)
	}
}

// rotateAgain makes the next rotation: after a failure that left a rotation in progress,
// Secrets Manager reattempts it with the same token when the schedule comes (the emulator
// does so when its clock passes the rotation date); otherwise a new RotateSecret.
func (e *env) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	stages := e.Stages(arn)
	if p := emulatortest.Holder(stages, rotation.StagePending); p != "" && p != emulatortest.Holder(stages, rotation.StageCurrent) {
		if err := e.Control.AdvanceClock(e.t.Context(), 31*24*time.Hour); err != nil {
			e.t.Fatal(err)
		}
		rec := e.WaitRotated(arn, n)
		if rec.Token != p {
			e.t.Errorf("reattempt used token %s, want the pending %s", rec.Token, p)
		}
		return rec
	}
	return e.rotate(arn, n)
}

func TestFailureAtEachStep(t *testing.T) {
	t.Parallel()
	cases := []struct {
		method, step string
	}{
		{"NewPending", "createSecret"},
		{"Set", "setSecret"},
		{"Test", "testSecret"},
		{"Finish", "finishSecret"},
	}
	for _, tc := range cases {
		t.Run(tc.method, func(t *testing.T) {
			t.Parallel()
			e := newEmulator(t)
			svc := newFakeService("app", initialPassword)
			fs := &fakeStrategy{svc: svc}
			e.registerEngine(fs)
			arn := e.CreateSecret("db", initialSecret)
			if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" { // sets the schedule
				t.Fatalf("first rotation: %s", rec.Error)
			}
			currentBefore := emulatortest.Holder(e.Stages(arn), rotation.StageCurrent)

			fs.failNext(tc.method, 1)
			rec := e.rotate(arn, 2)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation %s, want failed", rec.Outcome)
			}
			for _, want := range []string{"rotation step " + tc.step, arn, rec.Token, "injected failure"} {
				if !strings.Contains(rec.Error, want) {
					t.Errorf("error %q does not mention %q", rec.Error, want)
				}
			}
			e.checkInvariant(arn, svc)
			stages := e.Stages(arn)
			if tc.method == "Finish" {
				// The label moved before the cleanup failed: the new secret is current, and
				// AWSPENDING stays on it until a retried finishSecret completes.
				if got := stages[rec.Token]; !slices.Contains(got, rotation.StageCurrent) {
					t.Errorf("after a failed cleanup the new version has labels %v, want AWSCURRENT", got)
				}
			} else if emulatortest.Holder(stages, rotation.StageCurrent) != currentBefore {
				t.Errorf("AWSCURRENT moved although %s failed", tc.step)
			}

			rec = e.rotateAgain(arn, 3)
			if rec.Outcome != "succeeded" {
				t.Fatalf("next rotation %s: %s", rec.Outcome, rec.Error)
			}
			e.checkInvariant(arn, svc)
			if p := emulatortest.Holder(e.Stages(arn), rotation.StagePending); p != "" {
				t.Errorf("AWSPENDING left on %s after the next rotation", p)
			}
		})
	}
}

// faultingHandler injects a fault into the emulator just before the engine handles step.
func faultingHandler(t *testing.T, e *env, eng *rotation.Engine, step rotation.Step, f emulator.Fault) emulator.Handler {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev rotation.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		if ev.Step == step {
			if err := e.Control.InjectFault(ctx, f); err != nil {
				t.Errorf("InjectFault: %v", err)
			}
			defer func() {
				if err := e.Control.ClearFaults(context.WithoutCancel(ctx)); err != nil {
					t.Errorf("ClearFaults: %v", err)
				}
			}()
		}
		return eng.Invoke(ctx, payload)
	}
}

func TestSecretsManagerFaults(t *testing.T) {
	t.Parallel()
	ops := map[rotation.Step][]string{
		rotation.StepCreate: {"DescribeSecret", "GetSecretValue", "GetRandomPassword", "PutSecretValue"},
		rotation.StepSet:    {"DescribeSecret", "GetSecretValue"},
		rotation.StepTest:   {"DescribeSecret", "GetSecretValue"},
		rotation.StepFinish: {"DescribeSecret", "GetSecretValue", "UpdateSecretVersionStage"},
	}
	kinds := []struct {
		name      string
		code      string
		count     int
		wantFails bool
	}{
		{"throttled once", "ThrottlingException", 1, false},       // the SDK retries
		{"internal error once", "InternalServiceError", 1, false}, // 500: retried
		{"throttled throughout", "ThrottlingException", 10, true}, // retries exhausted
		{"refused", "InvalidRequestException", 1, true},           // not retryable
	}
	for _, step := range rotation.Steps {
		for _, op := range ops[step] {
			for _, k := range kinds {
				t.Run(fmt.Sprintf("%s/%s/%s", step, op, k.name), func(t *testing.T) {
					t.Parallel()
					e := newEmulator(t)
					svc := newFakeService("app", initialPassword)
					eng := rotation.New(&fakeStrategy{svc: svc}, rotation.WithClient(e.engineClient()), rotation.WithLogger(discardLogger()))
					arn := e.CreateSecret("db", initialSecret)
					e.registerEngine(&fakeStrategy{svc: svc})
					if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
						t.Fatalf("first rotation: %s", rec.Error)
					}
					e.register(faultingHandler(t, e, eng, step, emulator.Fault{Operation: "secretsmanager." + op, ErrorCode: k.code, Count: k.count}))
					rec := e.rotate(arn, 2)
					// The label move is retried for most of the function's timeout.
					wantFails := k.wantFails && op != "UpdateSecretVersionStage"
					if failed := rec.Outcome == "failed"; failed != wantFails {
						t.Fatalf("rotation %s (%s), want failed=%v", rec.Outcome, rec.Error, wantFails)
					}
					if wantFails {
						for _, want := range []string{string(step), op, k.code} {
							if !strings.Contains(rec.Error, want) {
								t.Errorf("error %q does not mention %q", rec.Error, want)
							}
						}
					}
					e.checkInvariant(arn, svc)
					e.register(eng.Invoke)
					if rec := e.rotateAgain(arn, 3); rec.Outcome != "succeeded" {
						t.Fatalf("next rotation %s: %s", rec.Outcome, rec.Error)
					}
					e.checkInvariant(arn, svc)
				})
			}
		}
	}
}

// flakyClient fails the n-th Secrets Manager call the engine makes (counting from 1),
// either before the call reaches Secrets Manager or after it was applied (the answer lost).
type flakyClient struct {
	rotation.SecretsManagerAPI
	mu      sync.Mutex
	calls   int
	failAt  int
	applied bool
	failed  string
}

var errLost = errors.New("connection reset (injected)")

func (c *flakyClient) do(op string, call func() error) error {
	c.mu.Lock()
	c.calls++
	fail := c.calls == c.failAt
	if fail {
		c.failed = op
	}
	c.mu.Unlock()
	if !fail {
		return call()
	}
	if c.applied {
		if err := call(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s: %w", op, errLost)
}

func (c *flakyClient) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, o ...func(*secretsmanager.Options)) (out *secretsmanager.DescribeSecretOutput, err error) {
	err = c.do("DescribeSecret", func() (err error) { out, err = c.SecretsManagerAPI.DescribeSecret(ctx, in, o...); return })
	return out, err
}

func (c *flakyClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (out *secretsmanager.GetSecretValueOutput, err error) {
	err = c.do("GetSecretValue", func() (err error) { out, err = c.SecretsManagerAPI.GetSecretValue(ctx, in, o...); return })
	return out, err
}

func (c *flakyClient) PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, o ...func(*secretsmanager.Options)) (out *secretsmanager.PutSecretValueOutput, err error) {
	err = c.do("PutSecretValue", func() (err error) { out, err = c.SecretsManagerAPI.PutSecretValue(ctx, in, o...); return })
	return out, err
}

func (c *flakyClient) UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, o ...func(*secretsmanager.Options)) (out *secretsmanager.UpdateSecretVersionStageOutput, err error) {
	err = c.do("UpdateSecretVersionStage", func() (err error) { out, err = c.SecretsManagerAPI.UpdateSecretVersionStage(ctx, in, o...); return })
	return out, err
}

func (c *flakyClient) GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, o ...func(*secretsmanager.Options)) (out *secretsmanager.GetRandomPasswordOutput, err error) {
	err = c.do("GetRandomPassword", func() (err error) { out, err = c.SecretsManagerAPI.GetRandomPassword(ctx, in, o...); return })
	return out, err
}

// TestEveryCallFails fails each Secrets Manager call of a rotation in turn, once before it
// reaches Secrets Manager and once after Secrets Manager applied it (a lost answer), and
// checks the invariant and that the next rotation completes.
func TestEveryCallFails(t *testing.T) {
	t.Parallel()
	const callsPerRotation = 15 // with Finish; see TestCallsPerRotation
	for _, applied := range []bool{false, true} {
		for n := 1; n <= callsPerRotation; n++ {
			t.Run(fmt.Sprintf("applied=%v/call%d", applied, n), func(t *testing.T) {
				t.Parallel()
				e := newEmulator(t)
				svc := newFakeService("app", initialPassword)
				arn := e.CreateSecret("db", initialSecret)
				e.registerEngine(&fakeStrategy{svc: svc})
				if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
					t.Fatalf("first rotation: %s", rec.Error)
				}
				flaky := &flakyClient{SecretsManagerAPI: e.engineClient(), failAt: n, applied: applied}
				eng := rotation.New(&fakeStrategy{svc: svc}, rotation.WithClient(flaky), rotation.WithLogger(discardLogger()))
				e.register(eng.Invoke)
				rec := e.rotate(arn, 2)
				// A lost answer to a call that was applied can be harmless (the engine
				// checks again); a call that never reached Secrets Manager fails the step.
				if rec.Outcome == "failed" {
					if !strings.Contains(rec.Error, flaky.failed) || !strings.Contains(rec.Error, errLost.Error()) {
						t.Errorf("error %q does not name the failed call %s and its cause", rec.Error, flaky.failed)
					}
				} else if !applied && flaky.failed != "UpdateSecretVersionStage" { // label moves are retried
					t.Errorf("rotation succeeded although call %d (%s) failed", n, flaky.failed)
				}
				e.checkInvariant(arn, svc)
				e.registerEngine(&fakeStrategy{svc: svc})
				if rec := e.rotateAgain(arn, 3); rec.Outcome != "succeeded" {
					t.Fatalf("next rotation %s: %s", rec.Outcome, rec.Error)
				}
				e.checkInvariant(arn, svc)
				if p := emulatortest.Holder(e.Stages(arn), rotation.StagePending); p != "" {
					t.Errorf("AWSPENDING left on %s", p)
				}
			})
		}
	}
}

func TestRejectedEvents(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	svc := newFakeService("app", initialPassword)
	fs := &fakeStrategy{svc: svc}
	e.registerEngine(fs)
	rotated := e.CreateSecret("rotated", initialSecret)
	if rec := e.rotate(rotated, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	stages := e.Stages(rotated)
	current, previous := emulatortest.Holder(stages, rotation.StageCurrent), emulatortest.Holder(stages, rotation.StagePrevious)
	plain := e.CreateSecret("plain", initialSecret)
	plainCurrent := emulatortest.Holder(e.Stages(plain), rotation.StageCurrent)
	cancelled := e.CreateSecret("cancelled", initialSecret)
	if rec := e.rotate(cancelled, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	if _, err := e.SM.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(cancelled)}); err != nil {
		t.Fatal(err)
	}
	cancelledCurrent := emulatortest.Holder(e.Stages(cancelled), rotation.StageCurrent)
	const unknown = "11111111-2222-4333-8444-555555555555"

	cases := []struct {
		name     string
		ev       rotation.Event
		wantErr  error
		wantText []string
	}{
		{"rotation never enabled", rotation.Event{Step: rotation.StepCreate, SecretID: plain, ClientRequestToken: plainCurrent},
			rotation.ErrRotationDisabled, []string{"rotation is not enabled", plain}},
		{"rotation cancelled", rotation.Event{Step: rotation.StepSet, SecretID: cancelled, ClientRequestToken: cancelledCurrent},
			rotation.ErrRotationDisabled, []string{"rotation is not enabled", cancelled}},
		{"unknown token", rotation.Event{Step: rotation.StepCreate, SecretID: rotated, ClientRequestToken: unknown},
			rotation.ErrUnknownVersion, []string{"not a version of the secret", unknown, "createSecret"}},
		{"token without AWSPENDING", rotation.Event{Step: rotation.StepFinish, SecretID: rotated, ClientRequestToken: previous},
			rotation.ErrNotPending, []string{"not staged AWSPENDING", "AWSPREVIOUS", previous}},
		{"unknown step", rotation.Event{Step: "rollbackSecret", SecretID: rotated, ClientRequestToken: current},
			rotation.ErrInvalidEvent, []string{`unknown step "rollbackSecret"`}},
		{"missing fields", rotation.Event{Step: rotation.StepSet},
			rotation.ErrInvalidEvent, []string{"missing SecretId, ClientRequestToken"}},
		{"no such secret", rotation.Event{Step: rotation.StepSet, SecretID: "nope", ClientRequestToken: unknown},
			nil, []string{"DescribeSecret", "ResourceNotFoundException"}},
	}
	eng := rotation.New(fs, rotation.WithClient(e.engineClient()), rotation.WithLogger(discardLogger()))
	callsBefore := len(fs.calls)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := eng.Handle(t.Context(), tc.ev)
			if err == nil {
				t.Fatal("event accepted")
			}
			var se *rotation.StepError
			if !errors.As(err, &se) {
				t.Fatalf("error %T, want *StepError", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("token already current", func(t *testing.T) {
		for _, step := range rotation.Steps {
			if err := eng.Handle(t.Context(), rotation.Event{Step: step, SecretID: rotated, ClientRequestToken: current}); err != nil {
				t.Errorf("%s: %v", step, err)
			}
		}
	})
	if len(fs.calls) != callsBefore {
		t.Errorf("the strategy was called for rejected events: %v", fs.calls[callsBefore:])
	}
}

// TestFinishWithoutValue: a finishSecret for a version that never got a value (createSecret
// did not run) must not make it AWSCURRENT.
func TestFinishWithoutValue(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	svc := newFakeService("app", initialPassword)
	fs := &fakeStrategy{svc: svc}
	fs.failNext("NewPending", 1)
	eng := e.registerEngine(fs)
	arn := e.CreateSecret("db", initialSecret)
	rec := e.rotate(arn, 1)
	if rec.Outcome != "failed" {
		t.Fatalf("rotation %s, want failed", rec.Outcome)
	}
	err := eng.Handle(t.Context(), rotation.Event{Step: rotation.StepFinish, SecretID: arn, ClientRequestToken: rec.Token})
	if !errors.Is(err, rotation.ErrNotFound) || !strings.Contains(err.Error(), "AWSCURRENT not moved") {
		t.Errorf("finishSecret without a pending value: %v", err)
	}
	e.checkInvariant(arn, svc)
}

// TestRotateLaterTestsConfiguration: RotateSecret with RotateImmediately=false runs
// testSecret on a version without a value.
func TestRotateLaterTestsConfiguration(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	svc := newFakeService("app", initialPassword)
	fs := &fakeStrategy{svc: svc}
	e.registerEngine(fs)
	arn := e.CreateSecret("db", initialSecret)
	_, err := e.SM.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(arn), RotationLambdaARN: aws.String(e.fnARN), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := e.WaitRotated(arn, 1)
	if rec.Outcome != "succeeded" || len(rec.Steps) != 1 || rec.Steps[0].Step != "testSecret" {
		t.Fatalf("configuration test: %+v", rec)
	}
	if len(fs.calls) != 0 {
		t.Errorf("strategy called during the configuration test: %v", fs.calls)
	}
	if rec := e.rotate(arn, 2); rec.Outcome != "succeeded" {
		t.Fatalf("rotation after the configuration test: %s", rec.Error)
	}
}

func TestMasterSecret(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	masterARN := e.CreateSecret("master", `{"engine":"postgres","host":"db.internal","username":"postgres","password":"Master-Passw0rd-zz"}`)
	user := strings.Replace(initialSecret, `"note":"keep me"`, `"note":"keep me","masterarn":"`+masterARN+`"`, 1)
	arn := e.CreateSecret("user", user)
	var got []string
	var mu sync.Mutex
	s := &funcStrategy{
		set: func(ctx context.Context, run *rotation.Run) error {
			for range 3 { // read once, whatever the number of calls
				m, err := run.Master(ctx)
				if err != nil {
					return err
				}
				db, err := rotation.ParseDBSecret(m, "postgres")
				if err != nil {
					return err
				}
				mu.Lock()
				got = append(got, db.Username)
				mu.Unlock()
			}
			return nil
		},
	}
	e.registerEngine(s)
	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	calls, err := e.Control.Calls(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// createSecret: pending (absent) and current; setSecret: current (for masterarn) and
	// master; testSecret: pending; finishSecret: pending.
	if n := calls["secretsmanager.GetSecretValue"]; n != 6 {
		t.Errorf("GetSecretValue called %d times, want 6 (the master secret read once)", n)
	}
	if !slices.Equal(got, []string{"postgres", "postgres", "postgres"}) {
		t.Errorf("master usernames %v", got)
	}

	// No masterarn: a clear error naming the field.
	noMaster := e.CreateSecret("single", initialSecret)
	rec := e.rotate(noMaster, 1)
	if rec.Outcome != "failed" || !strings.Contains(rec.Error, `secret field "masterarn" is missing`) {
		t.Errorf("rotation without masterarn: %s %s", rec.Outcome, rec.Error)
	}
}

// funcStrategy is a Strategy from functions; nil ones set a new password / do nothing.
type funcStrategy struct {
	newPending func(ctx context.Context, run *rotation.Run) (*rotation.Secret, error)
	set, test  func(ctx context.Context, run *rotation.Run) error
}

func (f *funcStrategy) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	if f.newPending != nil {
		return f.newPending(ctx, run)
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	s := rotation.NewSecret()
	s.SetString("password", pw)
	return s, nil
}

func (f *funcStrategy) Set(ctx context.Context, run *rotation.Run) error {
	if f.set != nil {
		return f.set(ctx, run)
	}
	return nil
}

func (f *funcStrategy) Test(ctx context.Context, run *rotation.Run) error {
	if f.test != nil {
		return f.test(ctx, run)
	}
	return nil
}

// TestStrategyPanic: a panicking strategy fails the step with a StepError, logged, and
// without the secret values the panic carried.
func TestStrategyPanic(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	logs := emulatortest.NewLogBuffer(t)
	s := &funcStrategy{set: func(ctx context.Context, run *rotation.Run) error {
		p, err := run.Pending(ctx)
		if err != nil {
			return err
		}
		pw, _ := p.GetString("password")
		panic("cannot use " + pw)
	}}
	e.registerEngine(s, rotation.WithLogger(logs.Logger()))
	arn := e.CreateSecret("db", initialSecret)
	rec := e.rotate(arn, 1)
	if rec.Outcome != "failed" || !strings.Contains(rec.Error, "StepError") || !strings.Contains(rec.Error, "panic: cannot use [REDACTED]") {
		t.Errorf("rotation %s: %s", rec.Outcome, rec.Error)
	}
	if !strings.Contains(logs.String(), `"outcome":"failed"`) {
		t.Errorf("no failed step line:\n%s", logs.String())
	}
}
