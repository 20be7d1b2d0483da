package secretcachetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// Benchmarks (make bench). Hit latency is wall time; API calls come from the emulator's
// counters; time to see a rotation and calls per hour are simulated time on a fake clock
// shared by the cache and the emulator.

// warmCache returns a cache over the emulator holding n secrets, "secret-0" ... and "db".
func warmCache(b *testing.B, n int) *secretcache.Cache {
	e := newEnv(b)
	c := e.cache(secretcache.Options{Clock: systemClock{}, MaxEntries: n + 1})
	for i := range n {
		name := fmt.Sprintf("secret-%d", i)
		e.createSecret(name, "value")
		mustString(b, c, name)
	}
	e.createSecret("db", "pw0")
	e.putValue("db", "pw") // so that db has AWSPREVIOUS too
	mustString(b, c, "db")
	mustString(b, c, "db", secretcache.Stage(secretcache.StagePrevious))
	return c
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

func BenchmarkGetHit(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("entries=%d", n+1), func(b *testing.B) {
			c := warmCache(b, n)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GetString(ctx, "db"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("stage=AWSPREVIOUS", func(b *testing.B) {
		c := warmCache(b, 0)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetString(ctx, "db", secretcache.Stage(secretcache.StagePrevious)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// lockedMap is the design of caches that take a lock on every read (as
// aws-secretsmanager-caching-go does), for comparison on the same machine.
type lockedMap struct {
	mu sync.Mutex
	m  map[string]*string
}

func (l *lockedMap) get(id string) *string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[id]
}

func BenchmarkReferenceLockedHit(b *testing.B) {
	v := "pw"
	l := &lockedMap{m: map[string]*string{"db": &v}}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if l.get("db") == nil {
				b.Fatal("miss")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if l.get("db") == nil {
					b.Error("miss")
					return
				}
			}
		})
	})
}

func BenchmarkGetHitParallel(b *testing.B) {
	c := warmCache(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.GetString(ctx, "db"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkColdSecret64Readers: 64 goroutines read a secret nobody read before.
func BenchmarkColdSecret64Readers(b *testing.B) {
	e := newEnv(b)
	c := e.cache(secretcache.Options{Clock: systemClock{}, MaxEntries: 1 << 20})
	var calls int64
	i := 0
	for b.Loop() {
		b.StopTimer()
		name := fmt.Sprintf("cold-%d", i)
		i++
		e.createSecret(name, "value")
		e.resetCalls()
		b.StartTimer()
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				if _, err := c.GetString(context.Background(), name); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		calls += e.totalCalls()
		b.StartTimer()
	}
	b.ReportMetric(float64(calls)/float64(i), "api-calls/op")
}

// waitRotationsIdle waits until no rotation of arn is running in the emulator.
func (e *env) waitRotationsIdle(arn string) {
	recs, err := e.ctl.Rotations(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	n, running := 0, false
	for _, r := range recs {
		if r.SecretARN == arn {
			n++
			running = running || r.Outcome == "running"
		}
	}
	if running {
		e.waitRotations(arn, n)
	}
}

// BenchmarkHotSecretAPICallsPerHour simulates a secret read every 10 seconds and reports
// API calls per hour of simulated time.
func BenchmarkHotSecretAPICallsPerHour(b *testing.B) {
	tests := []struct {
		name     string
		opts     secretcache.Options
		rotation bool
		days     int
	}{
		{"defaults", secretcache.Options{}, false, 1},
		{"defaults,rotation-every-30d", secretcache.Options{}, true, 30},
		{"MaxStaleness=1h", secretcache.Options{MaxStaleness: time.Hour}, false, 1},
	}
	for _, tc := range tests {
		b.Run(tc.name, func(b *testing.B) {
			var perHour float64
			n := 0
			for b.Loop() {
				e := newEnv(b)
				created := e.createSecret("db", "v")
				if tc.rotation {
					_, err := e.sm.RotateSecret(b.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: &e.fnARN,
						RotateImmediately: aws.Bool(false), RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}})
					if err != nil {
						b.Fatal(err)
					}
					e.waitRotations(*created.ARN, 1)
				}
				opts := tc.opts
				opts.Random = rand.Float64
				c := e.cache(opts)
				mustString(b, c, "db")
				e.resetCalls()
				start := e.clock.Now()
				for h := range tc.days * 24 {
					readEvery(b, c, e.clock, "db", 10*time.Second, start.Add(time.Duration(h+1)*time.Hour))
					if tc.rotation {
						e.triggerDueRotations()
						e.waitRotationsIdle(*created.ARN)
					}
				}
				if tc.rotation && c.Stats().VersionChanges != 1 {
					b.Fatalf("expected one rotation in %d days, saw %d", tc.days, c.Stats().VersionChanges)
				}
				perHour += float64(e.totalCalls()) / float64(tc.days*24)
				n++
				_ = c.Close()
			}
			b.ReportMetric(perHour/float64(n), "api-calls/hour")
		})
	}
}

// BenchmarkTimeToSeeRotation reports, in simulated seconds, how long after a rotation
// finished a hot reader first got the new value: for a rotation in its scheduled window,
// and for an unscheduled one (RotateSecret at a random moment).
func BenchmarkTimeToSeeRotation(b *testing.B) {
	b.Run("scheduled", func(b *testing.B) {
		var total time.Duration
		n := 0
		for b.Loop() {
			e := newEnv(b)
			created := e.createSecret("db", "initial")
			windowStart := e.scheduleRotation("db", *created.ARN)
			c := e.cache(secretcache.Options{Random: rand.Float64})
			readEvery(b, c, e.clock, "db", 10*time.Second, windowStart)
			e.triggerDueRotations()
			rec := e.waitRotations(*created.ARN, 2)[1]
			total += stepUntil(b, e.clock, time.Second, time.Hour, func() bool { return mustString(b, c, "db") == pendingValue(rec.Token) })
			n++
			_ = c.Close()
		}
		b.ReportMetric(total.Seconds()/float64(n), "s-to-see")
	})
	b.Run("unscheduled", func(b *testing.B) {
		var total time.Duration
		n := 0
		for b.Loop() {
			e := newEnv(b)
			created := e.createSecret("db", "initial")
			c := e.cache(secretcache.Options{Random: rand.Float64})
			mustString(b, c, "db")
			readEvery(b, c, e.clock, "db", 10*time.Second, e.clock.Now().Add(time.Duration(rand.Int64N(int64(time.Hour)))))
			out, err := e.sm.RotateSecret(b.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("db"), RotationLambdaARN: &e.fnARN})
			if err != nil {
				b.Fatal(err)
			}
			e.waitRotations(*created.ARN, 1)
			total += stepUntil(b, e.clock, time.Second, time.Hour, func() bool { return mustString(b, c, "db") == pendingValue(*out.VersionId) })
			n++
			_ = c.Close()
		}
		b.ReportMetric(total.Seconds()/float64(n), "s-to-see")
	})
}
