package secretcache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// newFakeCache returns a cache over f on a fake clock with jitter fixed at 0.5, so the
// default check interval is 9 minutes (10 minus 10%) and backoff delays are 3/4 of
// 1s, 2s, 4s ... 5m.
func newFakeCache(t *testing.T, f *fakeSM, opts secretcache.Options) (*secretcache.Cache, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	opts.Clock = clock
	if opts.Random == nil {
		opts.Random = fixedRandom(0.5)
	}
	c, err := secretcache.New(f, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, clock
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

func TestNewValidatesOptions(t *testing.T) {
	f := newFakeSM("db", "pw")
	tests := []struct {
		name string
		opts secretcache.Options
		want string
	}{
		{"refresh not below staleness", secretcache.Options{MaxStaleness: time.Minute, RefreshInterval: time.Minute}, "RefreshInterval"},
		{"negative staleness", secretcache.Options{MaxStaleness: -time.Minute, RefreshInterval: time.Second}, "MaxStaleness"},
		{"backoff bounds", secretcache.Options{MinBackoff: time.Minute, MaxBackoff: time.Second}, "backoff"},
		{"max entries", secretcache.Options{MaxEntries: -1}, "MaxEntries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := secretcache.New(f, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: got %v, want an error about %s", err, tc.want)
			}
		})
	}
	if _, err := secretcache.New(nil, secretcache.Options{}); err == nil {
		t.Fatal("New accepted a nil client")
	}
	c, err := secretcache.New(f, secretcache.Options{})
	if err != nil {
		t.Fatalf("defaults rejected: %v", err)
	}
	_ = c.Close()
}

func TestColdReadersShareOneCall(t *testing.T) {
	f := newFakeSM("db", "pw")
	c, _ := newFakeCache(t, f, secretcache.Options{})
	f.setBlock(true)
	const readers = 64
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			s, err := c.GetString(t.Context(), "db")
			if err == nil && s != "pw" {
				err = fmt.Errorf("got %q", s)
			}
			errs <- err
		})
	}
	<-f.entered
	for c.Stats().Misses < readers { // every reader is waiting on the one call
		runtime.Gosched()
	}
	f.setBlock(false)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.total(); n != 1 {
		t.Fatalf("%d readers of a cold secret made %d calls, want 1", readers, n)
	}
}

func TestHitsMakeNoCallsAndDoNotAllocate(t *testing.T) {
	f := newFakeSM("db", "pw")
	c, _ := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	ctx := t.Context()
	allocs := testing.AllocsPerRun(1000, func() {
		if s, err := c.GetString(ctx, "db"); err != nil || s != "pw" {
			t.Fatalf("GetString: %q %v", s, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("a hit allocates %.1f times", allocs)
	}
	if allocs := testing.AllocsPerRun(1000, func() { _, _ = c.Get(ctx, "db", secretcache.Stage("AWSCURRENT")) }); allocs != 0 {
		t.Fatalf("a hit with a Stage option allocates %.1f times", allocs)
	}
	if n := f.total(); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
	if st := c.Stats(); st.Hits < 2000 || st.Misses != 1 || st.APICalls != 1 || st.Entries != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRefreshFetchesTheValueOnlyWhenTheVersionChanged(t *testing.T) {
	f := newFakeSM("db", "v1")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	steps := []struct {
		name             string
		change           func()
		wantValue        string
		wantDescribe     int
		wantGetSecretVal int
	}{
		{"unchanged: one DescribeSecret", nil, "v1", 1, 1},
		{"new version: DescribeSecret then GetSecretValue", func() { f.put("v2") }, "v2", 2, 2},
		{"unchanged again", nil, "v2", 3, 2},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		mustString(t, c, "db") // read, so the entry is hot
		clock.Advance(9 * time.Minute)
		if got := mustString(t, c, "db"); got != st.wantValue {
			t.Fatalf("%s: value %q, want %q", st.name, got, st.wantValue)
		}
		if d, g := f.count("DescribeSecret"), f.count("GetSecretValue"); d != st.wantDescribe || g != st.wantGetSecretVal {
			t.Fatalf("%s: DescribeSecret %d GetSecretValue %d, want %d %d", st.name, d, g, st.wantDescribe, st.wantGetSecretVal)
		}
	}
	if st := c.Stats(); st.VersionChanges != 1 || st.Misses != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestIdleEntriesCostNoCalls(t *testing.T) {
	f := newFakeSM("db", "v1")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")

	// Not read for a day: no call at all.
	clock.Advance(24 * time.Hour)
	if n := f.total(); n != 1 {
		t.Fatalf("an idle entry made %d calls in a day", n-1)
	}
	// Past MaxStaleness the value is withheld: the next read waits for one check.
	f.put("v2")
	if got := mustString(t, c, "db"); got != "v2" {
		t.Fatalf("after a day idle: %q", got)
	}
	if st := c.Stats(); st.Misses != 2 {
		t.Fatalf("misses %d, want 2", st.Misses)
	}
}

func TestDueEntryIsServedAndRefreshedInBackground(t *testing.T) {
	f := newFakeSM("db", "v1")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	clock.Advance(10 * time.Minute) // check due, entry idle: marked due, no call
	if n := f.total(); n != 1 {
		t.Fatalf("calls %d", n)
	}
	f.put("v2")
	f.setBlock(true)
	// The read does not wait for Secrets Manager: it returns the value it has...
	if got := mustString(t, c, "db"); got != "v1" {
		t.Fatalf("due read got %q", got)
	}
	// ...and a refresh runs behind it.
	<-f.entered
	f.setBlock(false)
	secretcache.WaitIdle(c)
	if got := mustString(t, c, "db"); got != "v2" {
		t.Fatalf("after the background refresh: %q", got)
	}
	if st := c.Stats(); st.Misses != 1 {
		t.Fatalf("a reader waited: %+v", st)
	}
}

func TestFailuresBackOffServeStaleThenFailThenRecover(t *testing.T) {
	tests := []struct {
		name string
		op   string
	}{
		{"DescribeSecret fails", "DescribeSecret"},
		{"GetSecretValue fails after a version change", "GetSecretValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSM("db", "v1")
			c, clock := newFakeCache(t, f, secretcache.Options{})
			mustString(t, c, "db")
			start := clock.Now()
			if tc.op == "GetSecretValue" {
				f.put("v2")
			}
			f.setFail(tc.op, apiErr("InternalServiceError"))
			before := f.total()

			// A reader every second. Until MaxStaleness after the last confirmation, it
			// gets v1; after, the error.
			var lastGood, firstErr time.Duration
			for clock.Now().Sub(start) < time.Hour {
				clock.Advance(time.Second)
				s, err := c.GetString(t.Context(), "db")
				age := clock.Now().Sub(start)
				switch {
				case err == nil && s == "v1":
					lastGood = age
				case err != nil:
					if firstErr == 0 {
						firstErr = age
					}
					var ce *secretcache.Error
					var ae smithy.APIError
					if !errors.As(err, &ce) || !ce.Stale || !errors.As(err, &ae) || ae.ErrorCode() != "InternalServiceError" {
						t.Fatalf("error %v: want a stale *secretcache.Error wrapping InternalServiceError", err)
					}
				default:
					t.Fatalf("got %q while failing", s)
				}
			}
			if lastGood >= 15*time.Minute || firstErr != 15*time.Minute {
				t.Fatalf("stale value served until %s, first error at %s; want the switch at MaxStaleness (15m)", lastGood, firstErr)
			}
			calls := f.total() - before
			// Checks at 9m, then after 1s, 2s, 4s ... capped at 5m (x3/4): 21 attempts in
			// the hour, of one call (DescribeSecret fails) or two (DescribeSecret, then
			// GetSecretValue fails).
			attempts := f.count(tc.op) - map[string]int{"DescribeSecret": 0, "GetSecretValue": 1}[tc.op]
			if attempts > 25 {
				t.Fatalf("%d attempts (%d calls) in an hour of failures with a reader every second", attempts, calls)
			}
			t.Logf("%s: %d attempts, %d calls in 1h of failure (3600 reads); stale until %s, errors from %s", tc.op, attempts, calls, lastGood, firstErr)

			f.setFail(tc.op, nil)
			took := stepUntil(t, clock, time.Second, 10*time.Minute, func() bool {
				s, err := c.GetString(t.Context(), "db")
				return err == nil && s != ""
			})
			if took > 5*time.Minute {
				t.Fatalf("recovered %s after the faults stopped, want within MaxBackoff", took)
			}
			want := map[string]string{"DescribeSecret": "v1", "GetSecretValue": "v2"}[tc.op]
			if got := mustString(t, c, "db"); got != want {
				t.Fatalf("after recovery: %q, want %q", got, want)
			}
		})
	}
}

func TestColdErrorsBackOff(t *testing.T) {
	f := newFakeSM("db", "pw")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	for range 100 {
		_, err := c.GetString(t.Context(), "missing")
		var nf *types.ResourceNotFoundException
		var ce *secretcache.Error
		if !errors.As(err, &nf) || !errors.As(err, &ce) || ce.SecretID != "missing" || ce.RetryAt.IsZero() {
			t.Fatalf("err %v", err)
		}
	}
	if n := f.count("GetSecretValue"); n != 1 {
		t.Fatalf("100 reads of a missing secret made %d calls, want 1", n)
	}
	clock.Advance(time.Second) // past the first backoff (750ms)
	_, _ = c.GetString(t.Context(), "missing")
	if n := f.count("GetSecretValue"); n != 2 {
		t.Fatalf("after the backoff: %d calls, want 2", n)
	}
	if st := c.Stats(); st.Errors != 101 || st.APIErrors != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestContextCancellation(t *testing.T) {
	f := newFakeSM("db", "pw")
	c, _ := newFakeCache(t, f, secretcache.Options{})
	f.setBlock(true)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, err := c.Get(ctx, "db")
		done <- err
	}()
	<-f.entered
	cancel()
	err := <-done
	var ce *secretcache.Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ce) {
		t.Fatalf("err %v, want context.Canceled in a *secretcache.Error", err)
	}
	// The call goes on for the others; its answer is cached.
	f.setBlock(false)
	secretcache.WaitIdle(c)
	if got := mustString(t, c, "db"); got != "pw" || f.total() != 1 {
		t.Fatalf("after cancel: %q, %d calls", got, f.total())
	}
}

func TestStageAndVersionSelection(t *testing.T) {
	f := newFakeSM("db", "v1")
	v2 := f.put("v2")
	tests := []struct {
		name string
		opts secretcache.Options
		get  []secretcache.GetOption
		want string
	}{
		{"default AWSCURRENT", secretcache.Options{}, nil, "v2"},
		{"Stage option", secretcache.Options{}, []secretcache.GetOption{secretcache.Stage("AWSPREVIOUS")}, "v1"},
		{"configured VersionStage is honoured", secretcache.Options{VersionStage: "AWSPREVIOUS"}, nil, "v1"},
		{"explicit stage over the configured one", secretcache.Options{VersionStage: "AWSPREVIOUS"}, []secretcache.GetOption{secretcache.Stage("AWSCURRENT")}, "v2"},
		{"version id", secretcache.Options{}, []secretcache.GetOption{secretcache.VersionID(v2)}, "v2"},
		{"version id and its stage", secretcache.Options{}, []secretcache.GetOption{secretcache.VersionID(v2), secretcache.Stage("AWSCURRENT")}, "v2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newFakeCache(t, f, tc.opts)
			if got := mustString(t, c, "db", tc.get...); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPinnedVersionIsNeverRefreshed(t *testing.T) {
	f := newFakeSM("db", "v1")
	id := f.put("v2")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	for range 24 * 60 {
		mustString(t, c, "db", secretcache.VersionID(id))
		clock.Advance(time.Minute)
	}
	if n := f.total(); n != 1 {
		t.Fatalf("a pinned version read for a day made %d calls", n)
	}
}

func TestDescribeDeniedFallsBackToGetSecretValue(t *testing.T) {
	f := newFakeSM("db", "v1")
	f.setFail("DescribeSecret", apiErr("AccessDeniedException"))
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	f.put("v2")
	mustString(t, c, "db")
	clock.Advance(9 * time.Minute)
	if got := mustString(t, c, "db"); got != "v2" {
		t.Fatalf("got %q", got)
	}
	clock.Advance(9 * time.Minute)
	if d, g := f.count("DescribeSecret"), f.count("GetSecretValue"); d != 1 || g != 3 {
		t.Fatalf("DescribeSecret %d GetSecretValue %d: want DescribeSecret tried once, then GetSecretValue alone", d, g)
	}
}

func TestAnswerWithoutTheStageIsNotServed(t *testing.T) {
	f := newFakeSM("db", "v1")
	f.lie = f.addPending("pending-value") // a broken service answers AWSCURRENT reads with AWSPENDING
	c, _ := newFakeCache(t, f, secretcache.Options{})
	_, err := c.GetString(t.Context(), "db")
	if err == nil || !strings.Contains(err.Error(), "does not carry stage AWSCURRENT") {
		t.Fatalf("got %v, want a refusal", err)
	}
}

func TestPendingRotationIsPolledFast(t *testing.T) {
	f := newFakeSM("db", "v1")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	pending := f.addPending("v2")
	mustString(t, c, "db")         // read since the last refresh: the entry is hot
	clock.Advance(9 * time.Minute) // the regular check sees AWSPENDING
	mustString(t, c, "db")
	f.promote(pending)
	took := stepUntil(t, clock, 100*time.Millisecond, time.Minute, func() bool { return mustString(t, c, "db") == "v2" })
	if took > 2*time.Second {
		t.Fatalf("finished rotation seen after %s, want within PendingPollInterval (2s)", took)
	}
	// A rotation stuck in AWSPENDING does not keep the cache polling every 2 seconds.
	f.addPending("v3")
	clock.Advance(9 * time.Minute)
	before := f.total()
	for range 60 {
		mustString(t, c, "db")
		clock.Advance(time.Minute)
	}
	if n := f.total() - before; n > 15 {
		t.Fatalf("a stuck rotation cost %d calls in an hour", n)
	}
}

func TestRotationWindowIsPolled(t *testing.T) {
	f := newFakeSM("db", "v1")
	f.rotationEnabled = true
	f.rules = &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1)}
	clockStart := newFakeClock().Now()
	windowStart := clockStart.Truncate(24 * time.Hour).Add(48 * time.Hour)
	f.nextRotation = windowStart.Add(24*time.Hour - time.Second)
	f.lastRotated = clockStart.Add(-24 * time.Hour)
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	clock.Advance(time.Minute) // one check, to learn the schedule
	for clock.Now().Before(windowStart) {
		mustString(t, c, "db")
		clock.Advance(time.Minute)
	}
	rotatedAt := clock.Now()
	f.put("v2") // the rotation
	took := stepUntil(t, clock, time.Second, time.Hour, func() bool { return mustString(t, c, "db") == "v2" })
	if took > time.Minute {
		t.Fatalf("rotation at %s seen after %s, want within RotationPollInterval", rotatedAt, took)
	}
}

func TestInvalidate(t *testing.T) {
	f := newFakeSM("db", "v0")
	f.put("v1")
	c, _ := newFakeCache(t, f, secretcache.Options{})
	tests := []struct{ name, id string }{
		{"by the id read", "db"},
		{"by ARN, entry read by name", f.arn},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustString(t, c, "db")
			mustString(t, c, "db", secretcache.Stage("AWSPREVIOUS"))
			want := fmt.Sprintf("new-%d", i)
			f.put(want)
			c.Invalidate(tc.id)
			if st := c.Stats(); st.Entries != 0 {
				t.Fatalf("entries after Invalidate: %d", st.Entries)
			}
			if got := mustString(t, c, "db"); got != want {
				t.Fatalf("after Invalidate: %q, want %q", got, want)
			}
		})
	}
}

func TestDo(t *testing.T) {
	tests := []struct {
		name      string
		rotate    bool
		fnErr     func(v string, call int) error
		wantErr   bool
		wantCalls int // calls of fn
		wantAPI   int // API calls after warm-up
	}{
		{"success", false, func(string, int) error { return nil }, false, 1, 0},
		{"plain error: no refresh", false, func(string, int) error { return errors.New("boom") }, true, 1, 0},
		{"rejected, secret rotated: retried with the new value", true,
			func(v string, _ int) error {
				if v != "new" {
					return secretcache.Rejected(errors.New("password authentication failed"))
				}
				return nil
			}, false, 2, 2},
		{"rejected, not rotated: no retry", false,
			func(string, int) error { return fmt.Errorf("login: %w", secretcache.ErrRejected) }, true, 1, 1},
		{"rejected twice: one retry only", true,
			func(string, int) error { return secretcache.Rejected(errors.New("denied")) }, true, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSM("db", "old")
			c, _ := newFakeCache(t, f, secretcache.Options{})
			mustString(t, c, "db")
			if tc.rotate {
				f.put("new")
			}
			calls := 0
			err := c.Do(t.Context(), "db", func(_ context.Context, v *secretcache.Value) error {
				calls++
				return tc.fnErr(v.SecretString(), calls)
			})
			if (err != nil) != tc.wantErr || calls != tc.wantCalls || f.total()-1 != tc.wantAPI {
				t.Fatalf("err %v, fn calls %d, API calls %d; want err %v, %d, %d", err, calls, f.total()-1, tc.wantErr, tc.wantCalls, tc.wantAPI)
			}
		})
	}
}

func TestConcurrentRejectionsShareOneRefresh(t *testing.T) {
	f := newFakeSM("db", "old")
	c, _ := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	f.put("new")
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			err := c.Do(t.Context(), "db", func(_ context.Context, v *secretcache.Value) error {
				if v.SecretString() != "new" {
					return secretcache.Rejected(errors.New("bad password"))
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.total() - 1; n > 2 { // DescribeSecret + GetSecretValue, once
		t.Fatalf("32 rejections made %d calls", n)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	f := newFakeSM("db", "pw")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	mustString(t, c, "db")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(24 * time.Hour)
	if _, err := c.Get(t.Context(), "db"); !errors.Is(err, secretcache.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if n := f.total(); n != 1 {
		t.Fatalf("calls after Close: %d", n-1)
	}
}

func TestBinaryAndJSON(t *testing.T) {
	f := newFakeSM("db", `{"username":"app","password":"hunter2","port":5432}`)
	c, _ := newFakeCache(t, f, secretcache.Options{})
	var creds struct {
		Username, Password string
		Port               int
	}
	if err := c.GetJSON(t.Context(), "db", &creds); err != nil || creds.Password != "hunter2" || creds.Port != 5432 {
		t.Fatalf("GetJSON: %+v %v", creds, err)
	}
	if _, err := c.GetBinary(t.Context(), "db"); !errors.Is(err, secretcache.ErrNoSecretBinary) {
		t.Fatalf("GetBinary of a string: %v", err)
	}
	f.putBinary([]byte{1, 2, 3})
	c.Invalidate("db")
	b, err := c.GetBinary(t.Context(), "db")
	if err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Fatalf("GetBinary: %v %v", b, err)
	}
	b[0] = 9 // the caller's copy
	if b2, _ := c.GetBinary(t.Context(), "db"); b2[0] != 1 {
		t.Fatal("GetBinary returned the cached slice")
	}
	if _, err := c.GetString(t.Context(), "db"); !errors.Is(err, secretcache.ErrNoSecretString) {
		t.Fatalf("GetString of binary: %v", err)
	}
}

// TestSecretsNeverInLogsOrErrors runs failures, version changes, decode errors and debug
// logging, and looks for the secret in everything printed.
func TestSecretsNeverInLogsOrErrors(t *testing.T) {
	const secret = `{"password":"s3cr3t-Hunter2","pin":98765}`
	f := newFakeSM("db", secret)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, clock := newFakeCache(t, f, secretcache.Options{Logger: log})
	v, err := c.Get(t.Context(), "db")
	if err != nil {
		t.Fatal(err)
	}
	var printed []string
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%T %d"} {
		printed = append(printed, fmt.Sprintf(format, v), fmt.Sprintf(format, *v))
	}
	log.Info("value", "v", v, "value", *v)
	var wrong struct {
		Password int
		Pin      string
	}
	if err := v.Decode(&wrong); err == nil {
		t.Fatal("decode into wrong types succeeded")
	} else {
		printed = append(printed, err.Error())
	}
	var syntax map[string]any
	fs := newFakeSM("bad", "s3cr3t-Hunter2 is not JSON")
	cs, _ := newFakeCache(t, fs, secretcache.Options{Logger: log})
	if err := cs.GetJSON(t.Context(), "bad", &syntax); err == nil {
		t.Fatal("decode of non-JSON succeeded")
	} else {
		printed = append(printed, err.Error())
	}
	f.put(`{"password":"s3cr3t-Hunter2-next"}`)
	f.setFail("GetSecretValue", apiErr("InternalServiceError"))
	for range 20 * 60 {
		if _, err := c.Get(t.Context(), "db"); err != nil {
			printed = append(printed, err.Error())
		}
		clock.Advance(time.Second)
	}
	printed = append(printed, logs.String())
	for _, p := range printed {
		for _, leak := range []string{"s3cr3t", "Hunter2", "98765"} {
			if strings.Contains(p, leak) {
				t.Fatalf("secret material %q printed: %s", leak, p)
			}
		}
	}
	if !strings.Contains(logs.String(), "refresh failed") || !strings.Contains(logs.String(), "api call") {
		t.Fatalf("expected logs missing:\n%s", logs.String())
	}
}
