package apikey_test

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkRotation is one full API key rotation (create with Idempotency-Key, test, and
// revoke of the replaced key at finishSecret) driven by the emulator's RotateSecret:
//
//   - in-process: the engine called by the emulator in the test process;
//   - bootstrap-warm: the built bootstrap, its process already running;
//   - bootstrap-cold: the built bootstrap started for each rotation (createSecret pays
//     the process start, the SDK's and the TLS setup).
//
// Metrics: ms/rotation is RotateSecret to the end of finishSecret as the emulator records
// it (ns/op adds the benchmark's polling); sm-calls/rotation counts the function's Secrets
// Manager calls; http-requests/rotation the key service's requests.
func BenchmarkRotation(b *testing.B) {
	for _, mode := range []string{"in-process", "bootstrap-warm", "bootstrap-cold"} {
		b.Run(mode, func(b *testing.B) {
			e := newEnv(b)
			settings := e.svc.settings(map[string]any{"retry_base_delay": nil, "retry_max_delay": nil, "timeout": nil})
			register := func() {
				if mode == "in-process" {
					e.registerInProcess()
				} else {
					e.registerBootstrap(b, envSettings(b, settings))
				}
			}
			register()
			id0, key0 := e.svc.issue("bench")
			arn := e.CreateSecret("bench", e.secret(id0, key0, nil, nil))
			if mode == "in-process" {
				for k, v := range envSettings(b, settings) {
					e.setVar(k, v)
				}
			}
			// One rotation first: sets the schedule, and (in-process, warm) opens the
			// connections a warm function keeps.
			n := 1
			if rec := e.rotate(arn, n); rec.Outcome != "succeeded" {
				b.Fatalf("rotation: %s", rec.Error)
			}
			if err := e.Control.ResetCalls(context.Background()); err != nil {
				b.Fatal(err)
			}
			e.svc.resetLog()
			var inside time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if mode == "bootstrap-cold" {
					b.StopTimer()
					register() // replaces the function: its process is stopped
					b.StartTimer()
				}
				n++
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					b.Fatalf("rotation %d: %s", n, rec.Error)
				}
				inside += rec.Finished.Sub(rec.Started)
			}
			b.StopTimer()
			calls, err := e.Control.Calls(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			perOp := map[string]int64{}
			var sm int64
			for op, c := range calls {
				name, ok := strings.CutPrefix(op, "secretsmanager.")
				if !ok || name == "RotateSecret" || c == 0 {
					continue
				}
				perOp[name] = c / int64(b.N)
				sm += c
			}
			byOp := map[string]int{}
			for _, r := range e.svc.log() {
				byOp[r.op]++
			}
			b.ReportMetric(float64(inside.Microseconds())/1000/float64(b.N), "ms/rotation")
			b.ReportMetric(float64(sm)/float64(b.N), "sm-calls/rotation")
			b.ReportMetric(float64(len(e.svc.log()))/float64(b.N), "http-requests/rotation")
			b.Logf("per rotation: Secrets Manager %v; key service %v (N=%d)", sortedPairs(perOp), byOp, b.N)
			e.checkCurrent(arn)
		})
	}
}

func sortedPairs(m map[string]int64) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, k+"="+strconv.FormatInt(m[k], 10))
	}
	return out
}
