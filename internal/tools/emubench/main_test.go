package main

import (
	"bytes"
	"testing"
	"time"
)

// shortConfig runs the whole tool in well under a second per server.
func shortConfig(servers ...string) config {
	return config{
		conns: 2, duration: 200 * time.Millisecond, warmup: 50 * time.Millisecond,
		servers: servers, secrets: 5, python: "python3",
		mem: true, memSecrets: 20, memVersions: 3,
	}
}

func checkResults(t *testing.T, rep *report, server string) {
	t.Helper()
	ops := 0
	for _, r := range rep.results {
		if r.server != server {
			continue
		}
		ops++
		if r.ok == 0 || r.errors != 0 {
			t.Errorf("%s %s: %d requests, %d errors (first: %s)", r.server, r.op, r.ok, r.errors, r.firstErr)
		}
	}
	if ops != 2 {
		t.Errorf("%s: %d scenarios measured, want 2", server, ops)
	}
}

func TestRunOurs(t *testing.T) {
	var out bytes.Buffer
	rep, err := run(t.Context(), shortConfig(serverOurs), &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	checkResults(t, rep, serverOurs)
	if rep.memory == nil || rep.memory.heapDelta <= 0 {
		t.Errorf("memory figure missing or not positive: %+v", rep.memory)
	}
}

func TestRunMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("moto's server is slow to start; skipped with -short")
	}
	cfg := shortConfig(serverMoto)
	cfg.mem = false
	var out bytes.Buffer
	rep, err := run(t.Context(), cfg, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if why, ok := rep.unavailable[serverMoto]; ok {
		t.Skipf("moto unavailable: %v", why)
	}
	checkResults(t, rep, serverMoto)
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}} {
		got := h.quantile(tc.q)
		if diff := float64(got-tc.want) / float64(tc.want); diff < -0.02 || diff > 0.02 {
			t.Errorf("quantile(%v) = %s, want %s within 2%%", tc.q, got, tc.want)
		}
	}
	for _, ns := range []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 1 << 30, 1<<40 - 1} {
		if i := bucketOf(ns); bucketLow(i) > ns || (i+1 < numBuckets && bucketLow(i+1) <= ns) {
			t.Errorf("bucketOf(%d) = %d, which covers [%d, %d)", ns, i, bucketLow(i), bucketLow(i+1))
		}
	}
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-servers", "moto, moto", "-d", "1s", "-mem=false"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.servers) != 1 || cfg.servers[0] != serverMoto || cfg.duration != time.Second || cfg.mem {
		t.Errorf("parsed %+v", cfg)
	}
	if _, err := parseFlags([]string{"-servers", "nope"}, &bytes.Buffer{}); err == nil {
		t.Error("unknown server accepted")
	}
}
