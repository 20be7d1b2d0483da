package sshkey_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

// BenchmarkRotation measures full rotations (RotateSecret to the end of finishSecret)
// of a key installed on 1, 2 and 8 sshd servers, in-process and as the built bootstrap
// started cold for every rotation (each of the four steps of a rotation then runs in
// the same process, as Lambda would reuse it). Hosts are handled in parallel; the
// "sequential" case sets SSH_MAX_PARALLEL=1 for comparison. Metrics: ms/rotation as the
// emulator timed it, and Secrets Manager calls per rotation.
func BenchmarkRotation(b *testing.B) {
	cases := []struct {
		hosts      int
		executable bool
		parallel   int
	}{
		{1, false, 0}, {2, false, 0}, {8, false, 0}, {8, false, 1},
		{1, true, 0}, {2, true, 0}, {8, true, 0},
	}
	for _, tc := range cases {
		name := fmt.Sprintf("in-process/hosts=%d", tc.hosts)
		if tc.executable {
			name = fmt.Sprintf("bootstrap-cold/hosts=%d", tc.hosts)
		}
		if tc.parallel == 1 {
			name += "/sequential"
		}
		b.Run(name, func(b *testing.B) {
			k0 := newKey(b)
			f := startFleet(b, tc.hosts, []byte(k0.line("")+"\n"), false)
			e := newEnv(b)
			vars := f.vars(false)
			if tc.parallel > 0 {
				vars[sshkey.EnvMaxParallel] = fmt.Sprint(tc.parallel)
			}
			if !tc.executable {
				opts, err := sshkey.OptionsFromEnv(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
				if err != nil {
					b.Fatal(err)
				}
				e.inProcess(opts, nil)
			}
			arn := e.CreateSecret("bench", f.secret(k0, nil))
			if err := e.Control.ResetCalls(b.Context()); err != nil {
				b.Fatal(err)
			}
			var n int
			var rotating time.Duration
			for b.Loop() {
				if tc.executable {
					b.StopTimer()
					e.executable(vars) // a new registration: the next invocation starts the process
					b.StartTimer()
				}
				n++
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					b.Fatalf("rotation %d: %s", n, rec.Error)
				}
				rotating += rec.Finished.Sub(rec.Started)
			}
			calls, err := e.Control.Calls(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			var sm int64
			for op, c := range calls {
				if strings.HasPrefix(op, "secretsmanager.") && op != "secretsmanager.RotateSecret" {
					sm += c
				}
			}
			b.ReportMetric(float64(rotating.Microseconds())/1000/float64(n), "ms/rotation")
			b.ReportMetric(float64(sm)/float64(n), "sm-calls/rotation")
			f.assertLogin("after the benchmark, the current key", e.currentKey(arn), true)
		})
	}
}
