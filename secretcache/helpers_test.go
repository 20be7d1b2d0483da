package secretcache_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// fakeClock is a secretcache.Clock (and an emulator clock) that moves only when told to.
// Advance runs due timers in time order, in the calling goroutine, each seeing Now() equal
// to its due time; a timer that a callback arms and that falls due before the target runs
// in the same Advance. So when Advance returns, every refresh it triggered has finished.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	seq  int
	f    func()
	done bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.done {
			return false
		}
		t.done = true
		c.timers = slices.DeleteFunc(c.timers, func(x *fakeTimer) bool { return x == t })
		return true
	}
}

// Advance moves the clock forward by d, running the timers that fall due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	for {
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		if len(c.timers) == 0 || c.timers[0].at.After(target) {
			c.now = target
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		t.done = true
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.f()
		c.mu.Lock()
	}
}

// AdvanceTo moves the clock to t (no-op if t is not in the future).
func (c *fakeClock) AdvanceTo(t time.Time) {
	if d := t.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
}

// fixedRandom makes jitter deterministic.
func fixedRandom(x float64) func() float64 { return func() float64 { return x } }

// env is an emulator on loopback sharing a fake clock with the caches under test, and a
// rotation function registered in it.
type env struct {
	t     testing.TB
	clock *fakeClock
	srv   *emulator.Server
	url   string
	sm    *secretsmanager.Client
	ctl   *emulator.Control
	rot   *rotator
	fnARN string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clock := newFakeClock()
	srv, err := emulator.New(emulator.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	srv.SetEndpoint(hs.URL)
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("emulator Close: %v", err)
		}
	})
	e := &env{t: t, clock: clock, srv: srv, url: hs.URL, sm: smClient(hs.URL), ctl: emulator.NewControl(hs.URL)}
	e.rot = &rotator{c: smClient(hs.URL), hold: map[string]chan struct{}{}, reached: map[string]chan struct{}{}}
	e.fnARN = srv.RegisterHandler("rotator", e.rot.handle, emulator.FunctionConfig{Timeout: 30 * time.Second})
	return e
}

// smClient is an SDK client for the emulator without SDK retries, so that every call the
// cache makes is one call the emulator counts.
func smClient(url string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
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
