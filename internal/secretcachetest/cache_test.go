package secretcachetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// The proofs of the issue, against the emulator: rotations are seen within the bounds,
// AWSPENDING is never served for AWSCURRENT, failures back off, concurrent reads are safe.

// scheduleRotation configures rotation every day without rotating now (the emulator runs
// testSecret only) and returns when the next window opens.
func (e *env) scheduleRotation(name, arn string) time.Time {
	e.t.Helper()
	_, err := e.sm.RotateSecret(e.t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String(name), RotationLambdaARN: &e.fnARN,
		RotateImmediately: aws.Bool(false), RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1)}})
	if err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	e.waitRotations(arn, 1)
	next := aws.ToTime(e.describe(name).NextRotationDate)
	return next.UTC().Truncate(24 * time.Hour) // a daily window lasts the whole UTC day
}

// readEvery advances the clock to until in steps, reading id at each step (a hot reader).
func readEvery(t testing.TB, c *secretcache.Cache, clock *fakeClock, id string, step time.Duration, until time.Time) {
	t.Helper()
	for clock.Now().Before(until) {
		if _, err := c.Get(t.Context(), id); err != nil {
			t.Fatalf("read at %s: %v", clock.Now(), err)
		}
		clock.Advance(min(step, until.Sub(clock.Now())))
	}
}

func TestScheduledRotationIsSeenWithinRotationPollInterval(t *testing.T) {
	e := newEnv(t)
	created := e.createSecret("db", "initial")
	windowStart := e.scheduleRotation("db", *created.ARN)
	c := e.cache(secretcache.Options{Random: fixedRandom(0.99)}) // near the worst-case jitter
	mustString(t, c, "db")

	readEvery(t, c, e.clock, "db", 10*time.Second, windowStart)
	before := e.totalCalls()
	e.triggerDueRotations()
	rec := e.waitRotations(*created.ARN, 2)[1]
	if rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %+v", rec)
	}
	want := pendingValue(rec.Token)
	took := stepUntil(t, e.clock, time.Second, time.Hour, func() bool { return mustString(t, c, "db") == want })
	if took > secretcache.DefaultRotationPollInterval {
		t.Fatalf("scheduled rotation seen after %s, want within %s", took, secretcache.DefaultRotationPollInterval)
	}
	t.Logf("scheduled rotation seen %s after it happened; %d API calls from the window's opening", took, e.totalCalls()-before)
	// Once seen, the window is done: back to the regular interval.
	e.resetCalls()
	readEvery(t, c, e.clock, "db", 10*time.Second, e.clock.Now().Add(time.Hour))
	if n := e.totalCalls(); n > 7 {
		t.Fatalf("%d calls in the hour after the rotation", n)
	}
}

func TestManualRotationIsSeenWithinMaxStaleness(t *testing.T) {
	tests := []struct {
		name string
		opts secretcache.Options
	}{
		{"defaults", secretcache.Options{}},
		{"MaxStaleness 1m", secretcache.Options{MaxStaleness: time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			created := e.createSecret("db", "initial")
			tc.opts.Random = fixedRandom(0) // no jitter: the longest interval
			c := e.cache(tc.opts)
			mustString(t, c, "db")
			readEvery(t, c, e.clock, "db", time.Second, e.clock.Now().Add(30*time.Second))
			out, err := e.sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: &e.fnARN})
			if err != nil {
				t.Fatal(err)
			}
			e.waitRotations(*created.ARN, 1)
			bound := tc.opts.MaxStaleness
			if bound == 0 {
				bound = secretcache.DefaultMaxStaleness
			}
			took := stepUntil(t, e.clock, time.Second, 2*bound, func() bool { return mustString(t, c, "db") == pendingValue(*out.VersionId) })
			if took >= bound {
				t.Fatalf("rotation seen after %s, want within MaxStaleness %s", took, bound)
			}
			t.Logf("unscheduled rotation seen after %s (MaxStaleness %s)", took, bound)
		})
	}
}

// TestReadsDuringRotationNeverSeePending holds a rotation after createSecret, with
// AWSPENDING on the new version, and reads it every way the cache can be made to refresh;
// concurrent readers check every value they get against its version id.
func TestReadsDuringRotationNeverSeePending(t *testing.T) {
	e := newEnv(t)
	created := e.createSecret("db", "initial")
	c := e.cache(secretcache.Options{})
	mustString(t, c, "db")

	reached, release := e.rot.holdAt("testSecret")
	defer release()
	out, err := e.sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: &e.fnARN})
	if err != nil {
		t.Fatal(err)
	}
	token := *out.VersionId
	<-reached
	valueOf := map[string]string{*created.VersionId: "initial", token: pendingValue(token)}

	var released atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			sawNew := false
			for {
				select {
				case <-stop:
					return
				default:
				}
				v, err := c.Get(context.Background(), "db")
				if err != nil {
					t.Errorf("reader %d: %v", r, err)
					return
				}
				if want, ok := valueOf[v.VersionID()]; !ok || v.SecretString() != want {
					t.Errorf("reader %d: torn or unknown value for version %s", r, v.VersionID())
					return
				}
				isNew := v.VersionID() == token
				if isNew && !released.Load() {
					t.Errorf("reader %d: got the AWSPENDING version while the rotation was held", r)
					return
				}
				if sawNew && !isNew {
					t.Errorf("reader %d: went back to the old version", r)
					return
				}
				sawNew = sawNew || isNew
				runtime.Gosched()
			}
		})
	}

	// Everything that makes the cache look again, while AWSPENDING is on the new version.
	check := func(what string, got string, err error) {
		t.Helper()
		if err != nil || got != "initial" {
			t.Fatalf("%s during the rotation: %q, %v", what, got, err)
		}
	}
	e.clock.Advance(9 * time.Minute) // the regular check, which sees AWSPENDING
	for _, d := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		e.clock.Advance(d) // the fast checks of a rotation in progress
		s, err := c.GetString(t.Context(), "db")
		check("read after a fast check", s, err)
	}
	v, err := c.Refresh(t.Context(), "db")
	check("Refresh", v.SecretString(), err)
	c.Invalidate("db")
	s, err := c.GetString(t.Context(), "db")
	check("read after Invalidate", s, err)
	var seen string
	err = c.Do(t.Context(), "db", func(_ context.Context, v *secretcache.Value) error {
		seen = v.SecretString()
		return secretcache.Rejected(errors.New("password authentication failed"))
	})
	check("Do after a rejection", seen, nil)
	if !errors.Is(err, secretcache.ErrRejected) {
		t.Fatalf("Do: %v", err)
	}
	// AWSPENDING is served only to whoever asks for it by name.
	if s := mustString(t, c, "db", secretcache.Stage("AWSPENDING")); s != pendingValue(token) {
		t.Fatalf("explicit AWSPENDING read: %q", s)
	}

	released.Store(true)
	release()
	e.waitRotations(*created.ARN, 1)
	took := stepUntil(t, e.clock, 100*time.Millisecond, 10*time.Minute, func() bool { return mustString(t, c, "db") == pendingValue(token) })
	close(stop)
	wg.Wait()
	t.Logf("finished rotation seen %s after finishSecret (rotation in progress: fast checks)", took)
}

func TestFaultsBackOffServeStaleThenErrorsThenRecover(t *testing.T) {
	tests := []struct {
		name   string
		faults []string
		change bool // a new version exists, so the refresh needs GetSecretValue
	}{
		{"DescribeSecret and GetSecretValue fail", []string{"secretsmanager.DescribeSecret", "secretsmanager.GetSecretValue"}, false},
		{"GetSecretValue fails", []string{"secretsmanager.GetSecretValue"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.createSecret("db", "v1")
			c := e.cache(secretcache.Options{})
			mustString(t, c, "db")
			start := e.clock.Now()
			if tc.change {
				e.putValue("db", "v2")
			}
			e.resetCalls()
			for _, op := range tc.faults {
				e.fault(emulator.Fault{Operation: op, Count: 1_000_000, ErrorCode: "InternalServiceError"})
			}
			var lastGood, firstErr time.Duration
			for e.clock.Now().Sub(start) < time.Hour {
				e.clock.Advance(time.Second)
				s, err := c.GetString(t.Context(), "db")
				age := e.clock.Now().Sub(start)
				switch {
				case err == nil && s == "v1":
					lastGood = age
				case err != nil:
					var ae smithy.APIError
					if !errors.As(err, &ae) || ae.ErrorCode() != "InternalServiceError" {
						t.Fatalf("error %v: want InternalServiceError", err)
					}
					if firstErr == 0 {
						firstErr = age
					}
				default:
					t.Fatalf("got %q", s)
				}
			}
			if lastGood >= secretcache.DefaultMaxStaleness || firstErr != secretcache.DefaultMaxStaleness {
				t.Fatalf("stale value until %s, errors from %s: want the switch at MaxStaleness", lastGood, firstErr)
			}
			calls := e.totalCalls()
			if calls > 30 {
				t.Fatalf("%d API calls in an hour of failures (3600 reads)", calls)
			}
			t.Logf("%d API calls in an hour of failures with 3600 reads; stale value until %s, then errors", calls, lastGood)

			if err := e.ctl.ClearFaults(t.Context()); err != nil {
				t.Fatal(err)
			}
			want := "v1"
			if tc.change {
				want = "v2"
			}
			took := stepUntil(t, e.clock, time.Second, 10*time.Minute, func() bool {
				s, err := c.GetString(t.Context(), "db")
				return err == nil && s == want
			})
			if took > secretcache.DefaultMaxBackoff {
				t.Fatalf("recovered after %s, want within MaxBackoff", took)
			}
		})
	}
}

func TestColdSecretManyReadersOneCall(t *testing.T) {
	e := newEnv(t)
	e.createSecret("db", "pw")
	c := e.cache(secretcache.Options{})
	e.resetCalls()
	// Slow answers, so that the readers overlap.
	e.fault(emulator.Fault{Operation: "secretsmanager.GetSecretValue", Delay: "200ms"})
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if s, err := c.GetString(t.Context(), "db"); err != nil || s != "pw" {
				t.Errorf("read: %q %v", s, err)
			}
		})
	}
	wg.Wait()
	if n := e.totalCalls(); n != 1 {
		t.Fatalf("64 readers of a cold secret made %d API calls", n)
	}
}

func TestDoRetriesWithTheRotatedPassword(t *testing.T) {
	e := newEnv(t)
	created := e.createSecret("db", "initial")
	c := e.cache(secretcache.Options{})
	mustString(t, c, "db")
	if _, err := e.sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: &e.fnARN}); err != nil {
		t.Fatal(err)
	}
	e.waitRotations(*created.ARN, 1)
	// A "database" that accepts only the password Secrets Manager holds now.
	login := func(ctx context.Context, password string) error {
		out, err := e.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("db")})
		if err != nil {
			return err
		}
		if password != *out.SecretString {
			return secretcache.Rejected(errors.New("password authentication failed for user app"))
		}
		return nil
	}
	attempts := 0
	err := c.Do(t.Context(), "db", func(ctx context.Context, v *secretcache.Value) error {
		attempts++
		return login(ctx, v.SecretString())
	})
	if err != nil || attempts != 2 {
		t.Fatalf("Do: %v after %d attempts", err, attempts)
	}
	if st := c.Stats(); st.Retries != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLRUBound(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"a", "b", "c", "d"} {
		e.createSecret(n, "value-"+n)
	}
	c := e.cache(secretcache.Options{MaxEntries: 3})
	for _, n := range []string{"a", "b", "c", "a"} {
		mustString(t, c, n)
	}
	mustString(t, c, "d") // evicts b, the least recently read
	e.resetCalls()
	mustString(t, c, "a")
	mustString(t, c, "c")
	mustString(t, c, "d")
	if n := e.totalCalls(); n != 0 {
		t.Fatalf("recently read entries were evicted (%d calls)", n)
	}
	mustString(t, c, "b")
	if n := e.totalCalls(); n != 1 {
		t.Fatalf("b: %d calls, want 1 (evicted)", n)
	}
	if st := c.Stats(); st.Entries != 3 || st.Evictions != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSDKClientSatisfiesClient(t *testing.T) {
	var _ secretcache.Client = (*secretsmanager.Client)(nil)
	e := newEnv(t)
	e.createSecret("db", `{"password":"x"}`)
	c := e.cache(secretcache.Options{})
	v, err := c.Get(t.Context(), "db")
	if err != nil {
		t.Fatal(err)
	}
	d := e.describe("db")
	if v.ARN() != *d.ARN || v.Name() != "db" || fmt.Sprint(v.VersionStages()) != "[AWSCURRENT]" || v.CreatedDate().IsZero() {
		t.Fatalf("value metadata: %v", v)
	}
}

func TestDeletedSecretIsWithheldAfterMaxStaleness(t *testing.T) {
	e := newEnv(t)
	e.createSecret("db", "pw")
	c := e.cache(secretcache.Options{})
	mustString(t, c, "db")
	if _, err := e.sm.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String("db"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	var lastGood time.Duration
	start := e.clock.Now()
	for e.clock.Now().Sub(start) < 20*time.Minute {
		e.clock.Advance(10 * time.Second)
		_, err := c.GetString(t.Context(), "db")
		if err == nil {
			lastGood = e.clock.Now().Sub(start)
			continue
		}
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRequestException" {
			t.Fatalf("err %v, want InvalidRequestException (marked for deletion)", err)
		}
	}
	if lastGood >= secretcache.DefaultMaxStaleness {
		t.Fatalf("a deleted secret was served %s after the last confirmation", lastGood)
	}
}
