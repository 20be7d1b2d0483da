package sshkey_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// soak runs the randomized fault soak on one host in one strategy: after every round the
// AWSCURRENT private key logs in, and no AWSPENDING is left at the end.
func soak(tb testing.TB, alternating bool, rounds int, seed uint64) rotationtest.SoakResult {
	tb.Helper()
	k0 := newKey(tb)
	f := startFleet(tb, 1, []byte(k0.line("")+"\n"), alternating)
	e := newEnv(tb)
	e.inProcess(f.options(alternating), nil)
	extra := map[string]any{}
	if alternating {
		extra["masterarn"] = e.CreateSecret("master", f.masterSecret(nil))
	}
	arn := e.CreateSecret("user", f.secret(k0, extra))
	loginWorks := func(_ context.Context, value string) error {
		var v struct {
			PrivateKey string `json:"private_key"`
		}
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			return errors.New("AWSCURRENT is not JSON")
		}
		signer, err := ssh.ParsePrivateKey([]byte(v.PrivateKey))
		if err != nil {
			return errors.New("AWSCURRENT has no private key")
		}
		for _, s := range f.servers {
			if err := login(s, key{signer: signer}); err != nil {
				return fmt.Errorf("%s refuses the AWSCURRENT key: %v", s.Addr(), err)
			}
		}
		return nil
	}
	res, err := rotationtest.Soak(tb.Context(), e.Env, e.fnARN, arn, loginWorks, rotationtest.SoakOptions{Rounds: rounds, Seed: seed, Logf: tb.Logf})
	if err != nil {
		tb.Fatal(err)
	}
	res.Check(tb)
	assertNoPrivateKey(tb, e.allLogs(), k0, f.master)
	return res
}

// TestSoak: 50 rounds per strategy, each with random Secrets Manager faults and kills,
// and no lockout.
func TestSoak(t *testing.T) {
	t.Parallel()
	for _, alternating := range []bool{false, true} {
		t.Run(fmt.Sprintf("alternating=%v", alternating), func(t *testing.T) {
			t.Parallel()
			res := soak(t, alternating, 50, uint64(time.Now().UnixNano()))
			t.Log(res)
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
