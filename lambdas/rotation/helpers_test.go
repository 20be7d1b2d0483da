package rotation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// initialSecret is a database secret as the AWS samples write it, with fields the engine
// does not know (they must survive every rotation byte for byte).
const initialSecret = `{"engine":"postgres","host":"db.internal","port":"5432","username":"app",` +
	`"password":"Initial-Passw0rd!x","dbname":"app","ssl":true,` +
	`"extra":{"nested":[1,2,{"deep":true}]},"big":12345678901234567890,"note":"keep me"}`

const initialPassword = "Initial-Passw0rd!x"

// unknownFields are the fields of initialSecret a rotation must not change.
var unknownFields = []string{"engine", "host", "port", "username", "dbname", "ssl", "extra", "big", "note"}

// env is the test kit's emulator with a rotation function registered as "rotator".
type env struct {
	*emulatortest.Env
	t     *testing.T
	fnARN string
}

func newEmulator(t *testing.T) *env {
	t.Helper()
	return &env{Env: emulatortest.Start(t), t: t}
}

// engineClient is the client the engine uses in tests: the SDK's retries (3 attempts).
func (e *env) engineClient() *secretsmanager.Client { return e.SecretsManager(3) }

// register makes h the rotation function "rotator".
func (e *env) register(h emulator.Handler) {
	e.fnARN = e.Register("rotator", h, emulator.FunctionConfig{Timeout: 20 * time.Second})
}

// registerEngine registers an engine for s with the test client and a discarded log.
func (e *env) registerEngine(s rotation.Strategy, opts ...rotation.Option) *rotation.Engine {
	opts = append([]rotation.Option{rotation.WithClient(e.engineClient()), rotation.WithLogger(discardLogger())}, opts...)
	eng := rotation.New(s, opts...)
	e.register(eng.Invoke)
	return eng
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// rotate starts a rotation with RotateSecret and waits until n rotations of arn finished;
// it returns the last.
func (e *env) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	if _, err := e.SM.RotateSecret(e.t.Context(), emulatortest.RotateInput(arn, e.fnARN)); err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.WaitRotated(arn, n)
}

// value returns the secret at a stage, decoded.
func (e *env) value(arn, stage string) map[string]json.RawMessage {
	e.t.Helper()
	out, err := e.SM.GetSecretValue(e.t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		e.t.Fatalf("GetSecretValue %s: %v", stage, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &m); err != nil {
		e.t.Fatalf("secret %s is not JSON: %v", stage, err)
	}
	return m
}

func str(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// snapshot is everything a retried step could change: labels, every version's value, and
// the service's state.
func (e *env) snapshot(arn string, svc *fakeService) string {
	e.t.Helper()
	ctx := e.t.Context()
	out, err := e.SM.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(arn), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		e.t.Fatalf("ListSecretVersionIds: %v", err)
	}
	var lines []string
	for _, v := range out.Versions {
		val := "<no value>"
		got, err := e.SM.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionId: v.VersionId})
		if err == nil {
			val = aws.ToString(got.SecretString)
		}
		st := slices.Clone(v.VersionStages)
		slices.Sort(st)
		lines = append(lines, fmt.Sprintf("%s %v %s", aws.ToString(v.VersionId), st, val))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\nservice: " + svc.String()
}

// fakeService stands for a database that accepts several passwords per user, so that the
// AWSCURRENT credentials keep working through every step of a rotation.
type fakeService struct {
	mu    sync.Mutex
	valid map[string]map[string]bool // user -> passwords
}

func newFakeService(user, password string) *fakeService {
	return &fakeService{valid: map[string]map[string]bool{user: {password: true}}}
}

func (f *fakeService) login(user, password string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.valid[user][password]
}

func (f *fakeService) add(user, password string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.valid[user][password] = true
}

// keepOnly drops every password of user but keep.
func (f *fakeService) keepOnly(user string, keep ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for pw := range f.valid[user] {
		if !slices.Contains(keep, pw) {
			delete(f.valid[user], pw)
		}
	}
}

func (f *fakeService) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	for _, u := range slices.Sorted(maps.Keys(f.valid)) {
		parts = append(parts, fmt.Sprintf("%s:%v", u, slices.Sorted(maps.Keys(f.valid[u]))))
	}
	return strings.Join(parts, " ")
}

// fakeStrategy rotates the password of a fakeService user, records its calls, and fails a
// method when told to.
type fakeStrategy struct {
	svc *fakeService

	mu    sync.Mutex
	calls []string
	fail  map[string]int // method -> how many more calls fail
	// misbehave makes every method log the secret values it sees, and errors quote them.
	misbehave bool
}

var errInjected = errors.New("injected failure")

func (f *fakeStrategy) record(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, method)
	if f.fail[method] > 0 {
		f.fail[method]--
		return fmt.Errorf("%s: %w", method, errInjected)
	}
	return nil
}

func (f *fakeStrategy) failNext(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail == nil {
		f.fail = map[string]int{}
	}
	f.fail[method] = n
}

func (f *fakeStrategy) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == method {
			n++
		}
	}
	return n
}

func (f *fakeStrategy) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	if err := f.record("NewPending"); err != nil {
		return nil, err
	}
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := rotation.ParseDBSecret(cur, "postgres"); err != nil {
		return nil, err
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	if f.misbehave {
		run.Logger().Info("new password is "+pw, "password", pw, "secret", cur)
	}
	// Only the field that changes: the engine copies the others from the current secret.
	p := rotation.NewSecret()
	p.SetString("password", pw)
	return p, nil
}

func (f *fakeStrategy) creds(ctx context.Context, get func(context.Context) (*rotation.Secret, error)) (*rotation.DBSecret, error) {
	s, err := get(ctx)
	if err != nil {
		return nil, err
	}
	return rotation.ParseDBSecret(s, "postgres")
}

func (f *fakeStrategy) Set(ctx context.Context, run *rotation.Run) error {
	if err := f.record("Set"); err != nil {
		return err
	}
	pending, err := f.creds(ctx, run.Pending)
	if err != nil {
		return err
	}
	if f.svc.login(pending.Username, pending.Password) {
		return nil // already set
	}
	cur, err := f.creds(ctx, run.Current)
	if err != nil {
		return err
	}
	if !f.svc.login(cur.Username, cur.Password) {
		return fmt.Errorf("cannot log in as %s with the current password", cur.Username)
	}
	if f.misbehave {
		run.Logger().Warn("setting", "old", cur.Password, "new", pending.Password, "db", pending)
		return fmt.Errorf("refusing password %q (was %s): %w", pending.Password, cur.Password, errInjected)
	}
	f.svc.add(pending.Username, pending.Password)
	return nil
}

func (f *fakeStrategy) Test(ctx context.Context, run *rotation.Run) error {
	if err := f.record("Test"); err != nil {
		return err
	}
	pending, err := f.creds(ctx, run.Pending)
	if err != nil {
		return err
	}
	if !f.svc.login(pending.Username, pending.Password) {
		return fmt.Errorf("cannot log in as %s with the pending password", pending.Username)
	}
	return nil
}

// Finish keeps the current and previous passwords only.
func (f *fakeStrategy) Finish(ctx context.Context, run *rotation.Run) error {
	if err := f.record("Finish"); err != nil {
		return err
	}
	cur, err := f.creds(ctx, run.Current)
	if err != nil {
		return err
	}
	keep := []string{cur.Password}
	prev, err := f.creds(ctx, run.Previous)
	switch {
	case err == nil:
		keep = append(keep, prev.Password)
	case !errors.Is(err, rotation.ErrNotFound):
		return err
	}
	f.svc.keepOnly(cur.Username, keep...)
	return nil
}

// noFinish hides the Finisher of a strategy.
type noFinish struct{ rotation.Strategy }

// checkInvariant fails unless the AWSCURRENT credentials log in and no version other than
// the current one is half-labelled (AWSPENDING only on a version that is not current is a
// rotation in progress, which is allowed).
func (e *env) checkInvariant(arn string, svc *fakeService) {
	e.t.Helper()
	cur := e.value(arn, rotation.StageCurrent)
	if !svc.login(str(cur["username"]), str(cur["password"])) {
		e.t.Fatalf("AWSCURRENT credentials do not log in (service: %s)", svc)
	}
	for _, f := range unknownFields {
		if _, ok := cur[f]; !ok {
			e.t.Fatalf("AWSCURRENT lost field %q", f)
		}
	}
}
