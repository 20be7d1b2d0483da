package apikey_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// soak runs the randomized fault soak against the key service in one strategy: after
// every round the service accepts the AWSCURRENT key, and no AWSPENDING is left at the end.
func soak(tb testing.TB, alternating bool, rounds int, seed uint64) rotationtest.SoakResult {
	tb.Helper()
	e := newEnv(tb)
	extra := map[string]any{}
	if alternating {
		e.alternating()
		extra["masterarn"] = e.CreateSecret("admin", `{"api_key":"`+e.svc.master+`"}`)
	}
	e.registerInProcess()
	id0, key0 := e.svc.issue("app")
	arn := e.CreateSecret("app", e.secret(id0, key0, e.svc.settings(nil), extra))
	e.logs.Forbid(e.svc.master, key0)
	loginWorks := func(_ context.Context, value string) error {
		var v struct {
			Key string `json:"api_key"`
			ID  string `json:"key_id"`
		}
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			return errors.New("AWSCURRENT is not JSON")
		}
		e.logs.Forbid(v.Key)
		if st := e.svc.status(v.Key); st != 200 {
			return fmt.Errorf("the service answers HTTP %d to the AWSCURRENT key (id %s)", st, v.ID)
		}
		return nil
	}
	res, err := rotationtest.Soak(tb.Context(), e.Env, e.fnARN, arn, loginWorks, rotationtest.SoakOptions{Rounds: rounds, Seed: seed, Logf: tb.Logf})
	if err != nil {
		tb.Fatal(err)
	}
	res.Check(tb)
	e.checkNoSecrets("the rotator's log", e.logs.String())
	return res
}

// TestSoak: 50 rounds per strategy, each with random Secrets Manager faults and kills,
// and no lockout.
func TestSoak(t *testing.T) {
	t.Parallel()
	for _, alternating := range []bool{false, true} {
		t.Run(fmt.Sprintf("alternating=%v", alternating), func(t *testing.T) {
			t.Parallel()
			t.Log(soak(t, alternating, 50, uint64(time.Now().UnixNano())))
		})
	}
}

// BenchmarkSoak: 1,000 rounds per strategy; reports lockouts (goal 0) and rotations/s.
func BenchmarkSoak(b *testing.B) {
	for _, alternating := range []bool{false, true} {
		b.Run(fmt.Sprintf("alternating=%v", alternating), func(b *testing.B) {
			for b.Loop() {
				res := soak(b, alternating, 1000, uint64(time.Now().UnixNano()))
				b.ReportMetric(float64(len(res.Lockouts)), "lockouts")
				b.ReportMetric(res.RotationsPerSecond(), "rotations/s")
				b.Log(res)
			}
		})
	}
}
