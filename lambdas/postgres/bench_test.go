package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// callsOf returns the calls of one more rotation of f, by operation, without RotateSecret.
func callsOf(tb testing.TB, f *fixture) map[string]int64 {
	tb.Helper()
	if err := f.e.Control.ResetCalls(context.Background()); err != nil {
		tb.Fatal(err)
	}
	f.n++
	rec := f.e.rotate(f.arn, f.n) // RotateSecret, then the control API until it finished
	calls, err := f.e.Control.Calls(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if rec.Outcome != "succeeded" {
		tb.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
	}
	out := map[string]int64{}
	for op, n := range calls {
		if n > 0 && op != "secretsmanager.RotateSecret" && op != "lambda.Invoke" {
			out[strings.TrimPrefix(op, "secretsmanager.")] = n
		}
	}
	return out
}

func smTotal(calls map[string]int64) int64 {
	var n int64
	for op, c := range calls {
		if !strings.Contains(op, ".") {
			n += c
		}
	}
	return n
}

// rdsFixture is an alternating-users fixture whose master secret is managed by RDS (the
// emulator creates it when the instance is registered with the master password).
func rdsFixture(tb testing.TB, pg *testenv.Postgres, user string) *fixture {
	tb.Helper()
	f := newFixture(tb, pg, user, false)
	f.alternating = true
	masterARN := rdsManagedMaster(tb, f.e, pg, "instance", "bench")
	f.arn = f.e.createSecret("rds-app", pgSecret(pg, user, "Initial-pw-1", f.db, map[string]any{"masterarn": masterARN}))
	return f
}

// TestCallsPerRotation counts the Secrets Manager (and RDS) calls of a rotation.
func TestCallsPerRotation(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	base := map[string]int64{"DescribeSecret": 4, "GetSecretValue": 8, "GetRandomPassword": 1, "PutSecretValue": 1, "UpdateSecretVersionStage": 2}
	cases := []struct {
		name  string
		setup func(t *testing.T) *fixture
		extra map[string]int64
	}{
		{"single", func(t *testing.T) *fixture { return newFixture(t, pg, "calls_single", false) }, nil},
		// Set also reads the master secret.
		{"alternating", func(t *testing.T) *fixture { return newFixture(t, pg, "calls_alternating", true) }, map[string]int64{"GetSecretValue": 9}},
		// And DescribeSecret for the master's tags, and the RDS API for its endpoint.
		{"alternating, RDS-managed master", func(t *testing.T) *fixture { return rdsFixture(t, pg, "calls_rds") },
			map[string]int64{"GetSecretValue": 9, "DescribeSecret": 5, "rds.DescribeDBInstances": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := tc.setup(t)
			if f.e.fnARN == "" {
				f.e.register(f.e.engine(f.rotator(), nil).Invoke)
			}
			f.recover()
			want := maps.Clone(base)
			maps.Copy(want, tc.extra)
			got := callsOf(t, f)
			if !maps.Equal(got, want) {
				t.Errorf("calls per rotation %v, want %v", got, want)
			}
			t.Logf("%s: %d Secrets Manager calls per rotation %v", tc.name, smTotal(got), got)
		})
	}
}

// BenchmarkRotation measures a full rotation (RotateSecret until the four steps finished)
// against the shared PostgreSQL server: in-process, and as the built bootstrap started
// cold for each rotation (the function is registered anew, so its first step starts the
// process). It reports the Secrets Manager calls per rotation.
func BenchmarkRotation(b *testing.B) {
	pg := sharedPostgres(b)
	for _, alt := range modes() {
		for _, cold := range []bool{false, true} {
			kind := "in-process"
			if cold {
				kind = "bootstrap-cold"
			}
			b.Run(fmt.Sprintf("%s/%s", kind, modeName(alt)), func(b *testing.B) {
				f := newFixture(b, pg, fmt.Sprintf("bench_%s_%v", modeName(alt), cold), alt)
				if cold {
					f.e.registerBootstrap(b, pg, 30*time.Second, nil)
				} else {
					f.e.register(f.e.engine(f.rotator(), nil).Invoke)
				}
				f.recover()
				calls := callsOf(b, f)
				var total time.Duration
				b.ResetTimer()
				for b.Loop() {
					if cold {
						b.StopTimer()
						f.e.registerBootstrap(b, pg, 30*time.Second, nil)
						b.StartTimer()
					}
					f.n++
					rec := f.e.rotate(f.arn, f.n)
					if rec.Outcome != "succeeded" {
						b.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
					}
					total += rec.Finished.Sub(rec.Started)
				}
				b.StopTimer()
				f.strictInvariant()
				b.ReportMetric(float64(smTotal(calls)), "sm-calls/rotation")
				// From RotateSecret to the end of finishSecret, as the emulator recorded it
				// (ns/op adds the polling of the control API).
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/rotation")
			})
		}
	}
}

// BenchmarkSoak is the long randomized fault soak (make bench): 1,000 rounds per strategy
// (SOAK_ROUNDS), reporting lockouts (goal 0) and rotations per second.
func BenchmarkSoak(b *testing.B) {
	pg := sharedPostgres(b)
	for _, mode := range []rotation.Mode{rotation.ModeSingle, rotation.ModeAlternating} {
		b.Run(string(mode), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				user := fmt.Sprintf("bsoak_%s_%d_%d", mode, time.Now().UnixNano()%1e6, i)
				createUser(b, pg, user, "Soak-initial-1", "")
				e := newEmulator(b)
				e.useRotator(pg, postgres.Options{Mode: mode}, nil)
				extra := map[string]any{}
				if mode == rotation.ModeAlternating {
					extra["masterarn"] = e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", nil))
				}
				arn := e.createSecret("app", pgSecret(pg, user, "Soak-initial-1", "postgres", extra))
				loginWorks := func(_ context.Context, value string) error {
					var s dbSecret
					if err := json.Unmarshal([]byte(value), &s); err != nil {
						return errors.New("AWSCURRENT is not JSON")
					}
					return loginErr(pg, s.Username, s.Password, "postgres")
				}
				res, err := rotationtest.Soak(context.Background(), e.Env, e.fnARN, arn, loginWorks, rotationtest.SoakOptionsFromEnv(b, 1000))
				if err != nil {
					b.Fatal(err)
				}
				b.Log(res)
				res.Check(b)
				b.ReportMetric(float64(len(res.Lockouts)), "lockouts")
				b.ReportMetric(res.RotationsPerSecond(), "rotations/s")
			}
		})
	}
}
