package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// fixture is a user on a server with its secret (and, for alternating users, a master
// secret), rotated through the emulator.
type fixture struct {
	t           testing.TB
	pg          *testenv.Postgres
	e           *env
	user, db    string
	arn         string
	alternating bool
	n           int // rotations finished
}

func newFixture(t testing.TB, pg *testenv.Postgres, user string, alternating bool) *fixture {
	t.Helper()
	// The users share the postgres database: creating one per user costs more than the
	// rotations.
	f := &fixture{t: t, pg: pg, e: newEmulator(t), user: user, db: "postgres", alternating: alternating}
	createUser(t, pg, user, "Initial-pw-1", "")
	extra := map[string]any{}
	if alternating {
		extra["masterarn"] = f.e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", nil))
	}
	f.arn = f.e.createSecret("app", pgSecret(pg, user, "Initial-pw-1", f.db, extra))
	return f
}

func (f *fixture) rotator() *postgres.Rotator {
	mode := rotation.ModeSingle
	if f.alternating {
		mode = rotation.ModeAlternating
	}
	return newRotator(f.t, f.pg, postgres.Options{Mode: mode})
}

// checkInvariant: the AWSCURRENT credentials log in, whatever failed and whatever the
// strategy (a single user's password changes only in finishSecret, and is put back when
// AWSCURRENT cannot move).
func (f *fixture) checkInvariant() {
	f.t.Helper()
	f.strictInvariant()
}

// checkCurrentOrPending: AWSCURRENT logs in, or else a stuck AWSPENDING does (a single
// user's process killed between the password change and the label move).
func (f *fixture) checkCurrentOrPending() {
	f.t.Helper()
	cur := f.e.value(f.arn, rotation.StageCurrent)
	err := loginErr(f.pg, cur.Username, cur.Password, f.db)
	if err == nil {
		return
	}
	st := f.e.stages(f.arn)
	if p := holder(st, rotation.StagePending); p != "" && p != holder(st, rotation.StageCurrent) {
		pend := f.e.value(f.arn, rotation.StagePending)
		if perr := loginErr(f.pg, pend.Username, pend.Password, f.db); perr == nil {
			return
		}
	}
	f.t.Fatalf("neither AWSCURRENT (%q) nor AWSPENDING logs in: %v", cur.Username, err)
}

// strictInvariant: the AWSCURRENT credentials log in, whatever the strategy.
func (f *fixture) strictInvariant() {
	f.t.Helper()
	f.e.checkCurrentLogsIn(f.pg, f.arn, f.db)
}

// rotate starts the next rotation and returns its record.
func (f *fixture) rotate() emulator.RotationRecord {
	f.t.Helper()
	f.n++
	return f.e.rotate(f.arn, f.n)
}

// recover runs the next rotation (the reattempt of the failed one) and checks that it
// completes and leaves AWSCURRENT working and no AWSPENDING behind.
func (f *fixture) recover() {
	f.t.Helper()
	f.n++
	f.e.mustRotate(f.arn, f.n)
	f.strictInvariant()
	if p := holder(f.e.stages(f.arn), rotation.StagePending); p != "" {
		f.t.Errorf("AWSPENDING left on %s", p)
	}
}

func modes() []bool { return []bool{false, true} }

func modeName(alternating bool) string {
	if alternating {
		return "alternating"
	}
	return "single"
}

// TestDatabaseDownDuringSetSecret stops the server just before setSecret: the rotation
// fails naming the connection error; once the server is back, AWSCURRENT logs in and the
// next rotation completes.
func TestDatabaseDownDuringSetSecret(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t, testenv.PostgresOptions{})
	for _, alt := range modes() {
		f := newFixture(t, pg, "down_"+modeName(alt), alt)
		eng := f.e.engine(f.rotator(), nil)
		f.e.register(eng.Invoke)
		f.recover()
		var once sync.Once
		f.e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
			var ev rotation.Event
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			if ev.Step == rotation.StepSet {
				once.Do(func() {
					if err := pg.Stop(); err != nil {
						t.Errorf("stop PostgreSQL: %v", err)
					}
				})
			}
			return eng.Invoke(ctx, payload)
		})
		rec := f.rotate()
		if err := pg.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if rec.Outcome != "failed" {
			t.Fatalf("%s: rotation %s with the database down", modeName(alt), rec.Outcome)
		}
		for _, want := range []string{"rotation step setSecret", fmt.Sprintf("log in to 127.0.0.1:%d/%s", pg.Port, f.db), "connection refused"} {
			if !strings.Contains(rec.Error, want) {
				t.Errorf("%s: error %q does not mention %q", modeName(alt), rec.Error, want)
			}
		}
		f.strictInvariant()
		f.e.register(eng.Invoke)
		f.recover()
	}
}

// TestFunctionLostAtEachStep makes each step's invocation fail as if the function had been
// killed: before the step did anything, or after it did its work but before it answered.
func TestFunctionLostAtEachStep(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, alt := range modes() {
		t.Run(modeName(alt), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, pg, "lost_"+modeName(alt), alt)
			eng := f.e.engine(f.rotator(), nil)
			f.e.register(eng.Invoke)
			f.recover()
			for _, step := range rotation.Steps {
				for _, after := range []bool{false, true} {
					var once sync.Once
					f.e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
						var ev rotation.Event
						if err := json.Unmarshal(payload, &ev); err != nil {
							return nil, err
						}
						lost := false
						if ev.Step == step {
							once.Do(func() { lost = true })
						}
						if !lost {
							return eng.Invoke(ctx, payload)
						}
						if after {
							if _, err := eng.Invoke(ctx, payload); err != nil {
								return nil, err
							}
						}
						return nil, errors.New("function killed (injected)")
					})
					rec := f.rotate()
					if rec.Outcome != "failed" || !strings.Contains(rec.Error, "function killed") {
						t.Fatalf("%s after=%v: rotation %s (%s), want failed", step, after, rec.Outcome, rec.Error)
					}
					f.checkInvariant()
					f.recover() // the reattempt, by the function that is still lost once per step
					f.recover()
				}
			}
		})
	}
}

// flakyClient fails the n-th Secrets Manager call of the engine (counting from 1), before
// it reaches Secrets Manager or after it was applied (the answer lost).
type flakyClient struct {
	rotation.SecretsManagerAPI
	mu      sync.Mutex
	calls   int
	failAt  int
	applied bool
	failed  string
	record  bool     // keep the operations in ops
	ops     []string // with record
}

var errLost = errors.New("connection reset (injected)")

func (c *flakyClient) do(op string, call func() error) error {
	c.mu.Lock()
	c.calls++
	if c.record {
		c.ops = append(c.ops, op)
	}
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

// callSequence returns the operations of one rotation of f, in order.
func callSequence(t *testing.T, f *fixture) []string {
	t.Helper()
	rec := &flakyClient{SecretsManagerAPI: f.e.SecretsManager(1), record: true}
	eng := rotation.New(f.rotator(), rotation.WithClient(rec), rotation.WithLogger(discard()),
		rotation.WithPasswordPolicy(postgres.DefaultPasswordPolicy))
	f.e.register(eng.Invoke)
	f.recover()
	return rec.ops
}

// TestSecretsManagerErrorAtEveryCall fails each Secrets Manager call of a rotation in turn,
// checks the invariant, and that the next rotation completes. Each call fails before it
// reaches Secrets Manager; the calls that change something (PutSecretValue,
// UpdateSecretVersionStage) also fail after Secrets Manager applied them (the answer lost).
func TestSecretsManagerErrorAtEveryCall(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, alt := range modes() {
		t.Run(modeName(alt), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, pg, "flaky_"+modeName(alt), alt)
			good := f.e.engine(f.rotator(), nil)
			f.e.register(good.Invoke)
			f.recover()
			ops := callSequence(t, f)
			if want := map[bool]int{false: 16, true: 17}[alt]; len(ops) != want {
				t.Errorf("%d calls per rotation, want %d (see TestCallsPerRotation): %v", len(ops), want, ops)
			}
			for n, op := range ops {
				for _, applied := range []bool{false, true} {
					if applied && op != "PutSecretValue" && op != "UpdateSecretVersionStage" {
						continue
					}
					flaky := &flakyClient{SecretsManagerAPI: f.e.SecretsManager(1), failAt: n + 1, applied: applied}
					eng := rotation.New(f.rotator(), rotation.WithClient(flaky), rotation.WithLogger(discard()),
						rotation.WithPasswordPolicy(postgres.DefaultPasswordPolicy))
					f.e.register(eng.Invoke)
					rec := f.rotate()
					if rec.Outcome == "failed" {
						if !strings.Contains(rec.Error, flaky.failed) || !strings.Contains(rec.Error, errLost.Error()) {
							t.Errorf("call %d (%s): error %q does not name the failed call and its cause", n+1, op, rec.Error)
						}
					} else if !applied && op != "UpdateSecretVersionStage" { // label moves are retried
						t.Errorf("rotation succeeded although call %d (%s) failed", n+1, flaky.failed)
					}
					f.checkInvariant()
					f.e.register(good.Invoke)
					f.recover()
				}
			}
		})
	}
}

// TestThrottling throttles Secrets Manager: every operation the rotator uses once in the
// same rotation (the SDK's retries absorb it), and the writes throughout: PutSecretValue
// fails the step, naming the operation and the error; the label move is retried by the
// engine for most of the function's timeout, and succeeds once the throttling stops.
func TestThrottling(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	ops := []string{"DescribeSecret", "GetSecretValue", "GetRandomPassword", "PutSecretValue", "UpdateSecretVersionStage"}
	for _, alt := range modes() {
		t.Run(modeName(alt), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, pg, "throttle_"+modeName(alt), alt)
			f.e.register(f.e.engine(f.rotator(), nil).Invoke)
			f.recover()
			inject := func(op string, count int) {
				if err := f.e.Control.InjectFault(context.Background(), emulator.Fault{Operation: "secretsmanager." + op, ErrorCode: "ThrottlingException", Count: count}); err != nil {
					t.Fatal(err)
				}
			}
			for _, op := range ops {
				inject(op, 1)
			}
			if rec := f.rotate(); rec.Outcome != "succeeded" {
				t.Fatalf("throttling each operation once failed the rotation: %s", rec.Error)
			}
			f.strictInvariant()
			for _, op := range []string{"PutSecretValue", "UpdateSecretVersionStage"} {
				inject(op, 10)
				rec := f.rotate()
				if err := f.e.Control.ClearFaults(context.Background()); err != nil {
					t.Fatal(err)
				}
				if op == "UpdateSecretVersionStage" {
					if rec.Outcome != "succeeded" {
						t.Fatalf("%s throttled 10 times: rotation %s (%s), want the engine to retry it", op, rec.Outcome, rec.Error)
					}
					f.strictInvariant()
					continue
				}
				if rec.Outcome != "failed" || !strings.Contains(rec.Error, op) || !strings.Contains(rec.Error, "ThrottlingException") {
					t.Fatalf("%s throttled throughout: rotation %s (%s), want failed naming %s and ThrottlingException", op, rec.Outcome, rec.Error, op)
				}
				f.checkInvariant()
				f.recover()
			}
		})
	}
}

// TestStepRetriedTwice invokes every step three times: the second and third invocations
// change nothing, neither in Secrets Manager nor in the database.
func TestStepRetriedTwice(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, alt := range modes() {
		t.Run(modeName(alt), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, pg, "retried_"+modeName(alt), alt)
			eng := f.e.engine(f.rotator(), nil)
			snapshot := func() string {
				return f.e.versions(f.arn) + "\n" + roleState(t, pg, f.db, f.user, f.user+"_clone")
			}
			f.e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
				var ev rotation.Event
				if err := json.Unmarshal(payload, &ev); err != nil {
					return nil, err
				}
				if _, err := eng.Invoke(ctx, payload); err != nil {
					return nil, err
				}
				done := snapshot()
				for i := 1; i <= 2; i++ {
					if _, err := eng.Invoke(ctx, payload); err != nil {
						t.Errorf("%s retry %d: %v", ev.Step, i, err)
						return nil, err
					}
					if again := snapshot(); again != done {
						t.Errorf("%s retry %d changed the state:\nafter the step:\n%s\nafter the retry:\n%s", ev.Step, i, done, again)
					}
				}
				return nil, nil
			})
			for range 2 {
				f.recover()
			}
		})
	}
}

// TestLabelMoveFailsThroughout: Secrets Manager refuses the label move for the whole
// invocation. The engine retries it for most of the function's timeout, then, in single
// user mode, gives the user its current password back: AWSCURRENT logs in, and the error
// says so. The next rotation completes.
func TestLabelMoveFailsThroughout(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	for _, alt := range modes() {
		t.Run(modeName(alt), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, pg, "nolabel_"+modeName(alt), alt)
			eng := f.e.engine(f.rotator(), nil)
			f.e.fnARN = f.e.Register("rotator", eng.Invoke, emulator.FunctionConfig{Timeout: 5 * time.Second})
			f.recover()
			f.e.InjectFault(emulator.Fault{Operation: "secretsmanager.UpdateSecretVersionStage", ErrorCode: "InternalServiceError", Count: 1 << 20})
			rec := f.rotate()
			if err := f.e.Control.ClearFaults(context.Background()); err != nil {
				t.Fatal(err)
			}
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "UpdateSecretVersionStage") || !strings.Contains(rec.Error, "InternalServiceError") {
				t.Fatalf("rotation %s (%s), want finishSecret failed naming UpdateSecretVersionStage", rec.Outcome, rec.Error)
			}
			if !alt && !strings.Contains(rec.Error, "the service was given the AWSCURRENT secret back") {
				t.Errorf("error %q does not say the current password was put back", rec.Error)
			}
			f.strictInvariant()
			f.recover()
		})
	}
}
