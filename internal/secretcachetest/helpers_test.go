package secretcachetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/fakeclock"
)

type fakeClock = fakeclock.Clock

// fixedRandom makes jitter deterministic.
func fixedRandom(x float64) func() float64 { return func() float64 { return x } }

// env is the kit's emulator on a fake clock shared with the caches under test, and a
// rotation function registered in it.
type env struct {
	*emulatortest.Env
	t     testing.TB
	clock *fakeClock
	srv   *emulator.Server
	url   string
	sm    *secretsmanager.Client // never retries: every call the cache makes is one the emulator counts
	ctl   *emulator.Control
	rot   *rotator
	fnARN string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clock := fakeclock.New()
	k := emulatortest.Start(t, emulatortest.WithClock(clock.Now))
	e := &env{Env: k, t: t, clock: clock, srv: k.Server, url: k.URL, sm: k.SM, ctl: k.Control}
	e.rot = &rotator{c: k.SM, hold: map[string]chan struct{}{}, reached: map[string]chan struct{}{}}
	e.fnARN = k.Register("rotator", e.rot.handle, emulator.FunctionConfig{Timeout: 30 * time.Second})
	return e
}

// cache returns a cache reading the emulator, on the env's clock, closed at cleanup.
func (e *env) cache(opts secretcache.Options) *secretcache.Cache {
	e.t.Helper()
	if opts.Clock == nil {
		opts.Clock = e.clock
	}
	if opts.Random == nil {
		opts.Random = fixedRandom(0.5)
	}
	c, err := secretcache.New(e.sm, opts)
	if err != nil {
		e.t.Fatalf("secretcache.New: %v", err)
	}
	e.t.Cleanup(func() { _ = c.Close() })
	return c
}

func (e *env) createSecret(name, value string) *secretsmanager.CreateSecretOutput {
	e.t.Helper()
	out, err := e.sm.CreateSecret(e.t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		e.t.Fatalf("CreateSecret: %v", err)
	}
	return out
}

func (e *env) putValue(name, value string) string {
	e.t.Helper()
	out, err := e.sm.PutSecretValue(e.t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		e.t.Fatalf("PutSecretValue: %v", err)
	}
	return aws.ToString(out.VersionId)
}

// calls returns the emulator's count for op ("GetSecretValue") since the last reset.
func (e *env) calls(op string) int64 {
	e.t.Helper()
	m, err := e.ctl.Calls(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return m["secretsmanager."+op]
}

func (e *env) totalCalls() int64 { return e.calls("GetSecretValue") + e.calls("DescribeSecret") }

func (e *env) resetCalls() {
	e.t.Helper()
	if err := e.ctl.ResetCalls(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) fault(f emulator.Fault) {
	e.t.Helper()
	if err := e.ctl.InjectFault(e.t.Context(), f); err != nil {
		e.t.Fatal(err)
	}
}

// triggerDueRotations makes the emulator start the rotations its (fake) clock made due.
func (e *env) triggerDueRotations() {
	e.t.Helper()
	if err := e.ctl.AdvanceClock(e.t.Context(), 0); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) waitRotations(arn string, n int) []emulator.RotationRecord {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 30*time.Second)
	defer cancel()
	recs, err := e.ctl.WaitRotations(ctx, arn, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

func (e *env) describe(name string) *secretsmanager.DescribeSecretOutput {
	e.t.Helper()
	d, err := e.sm.DescribeSecret(e.t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		e.t.Fatalf("DescribeSecret: %v", err)
	}
	return d
}

// rotator is an in-process rotation function doing the four steps as a real one does. The
// pending value is "rotated-<first 8 of the token>". A step can be held: the function
// signals reached[step] and waits for hold[step] to close.
type rotator struct {
	c       *secretsmanager.Client
	mu      sync.Mutex
	hold    map[string]chan struct{}
	reached map[string]chan struct{}
}

func pendingValue(token string) string { return "rotated-" + token[:8] }

// holdAt makes the next rotation stop at step; it returns a channel closed when the step is
// reached and a function that lets the rotation go on.
func (r *rotator) holdAt(step string) (reached <-chan struct{}, release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, re := make(chan struct{}), make(chan struct{})
	r.hold[step], r.reached[step] = h, re
	var once sync.Once
	return re, func() { once.Do(func() { close(h) }) }
}

func (r *rotator) handle(ctx context.Context, payload []byte) ([]byte, error) {
	var ev struct {
		Step               string
		SecretID           string `json:"SecretId"`
		ClientRequestToken string
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	r.mu.Lock()
	h, re := r.hold[ev.Step], r.reached[ev.Step]
	delete(r.hold, ev.Step)
	delete(r.reached, ev.Step)
	r.mu.Unlock()
	if h != nil {
		close(re)
		select {
		case <-h:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	d, err := r.c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &ev.SecretID})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(d.VersionIdsToStages[ev.ClientRequestToken], "AWSPENDING") {
		return nil, fmt.Errorf("version %s is not AWSPENDING", ev.ClientRequestToken)
	}
	switch ev.Step {
	case "createSecret":
		_, err = r.c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &ev.SecretID, VersionId: &ev.ClientRequestToken, VersionStage: aws.String("AWSPENDING")})
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			_, err = r.c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &ev.SecretID, ClientRequestToken: &ev.ClientRequestToken,
				SecretString: aws.String(pendingValue(ev.ClientRequestToken)), VersionStages: []string{"AWSPENDING"}})
		}
		return nil, err
	case "finishSecret":
		var current string
		for id, st := range d.VersionIdsToStages {
			if slices.Contains(st, "AWSCURRENT") {
				current = id
			}
		}
		if current == ev.ClientRequestToken {
			return nil, nil
		}
		_, err = r.c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &ev.SecretID, VersionStage: aws.String("AWSCURRENT"),
			MoveToVersionId: &ev.ClientRequestToken, RemoveFromVersionId: &current})
		return nil, err
	}
	return nil, nil
}

func mustString(t testing.TB, c *secretcache.Cache, id string, opts ...secretcache.GetOption) string {
	t.Helper()
	s, err := c.GetString(t.Context(), id, opts...)
	if err != nil {
		t.Fatalf("GetString(%s): %v", id, err)
	}
	return s
}

// stepUntil advances clock by step until cond holds, and returns the time it took; it
// fails the test after limit.
func stepUntil(t testing.TB, clock *fakeClock, step, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	for waited := time.Duration(0); waited <= limit; waited += step {
		if cond() {
			return waited
		}
		clock.Advance(step)
	}
	t.Fatalf("condition not met within %s", limit)
	return 0
}
