package inittime

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// build compiles pkg (relative to the module) as a provided.al2023 bootstrap.
func build(tb testing.TB, dir, pkg string) string {
	tb.Helper()
	out := filepath.Join(dir, strings.ReplaceAll(pkg, "/", "_"))
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// rssKiB reads VmRSS of a process.
func rssKiB(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

// startOnce runs the bootstrap once against a Runtime API that records when the first
// "next invocation" request arrives, and the process's RSS then.
func startOnce(tb testing.TB, bin string) (time.Duration, int) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	type first struct {
		at  time.Time
		rss int
		err error
	}
	got := make(chan first, 1)
	var once sync.Once
	var pid int
	var pidMu sync.Mutex
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			at := time.Now()
			pidMu.Lock()
			p := pid
			pidMu.Unlock()
			rss, err := rssKiB(p)
			once.Do(func() { got <- first{at, rss, err} })
			<-r.Context().Done() // hold the function until it is killed
			return
		}
		w.WriteHeader(http.StatusNotFound)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(), "AWS_REGION=us-east-1", "_HANDLER=bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME=init", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST"}
	pidMu.Lock()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		pidMu.Unlock()
		tb.Fatal(err)
	}
	pid = cmd.Process.Pid
	pidMu.Unlock()
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	select {
	case f := <-got:
		if f.err != nil {
			tb.Fatal(f.err)
		}
		return f.at.Sub(start), f.rss
	case <-ctx.Done():
		tb.Fatalf("%s made no Runtime API request", bin)
	}
	return 0, 0
}

// BenchmarkInit reports, for the built rotator bootstraps and a hello-world
// aws-lambda-go bootstrap, the time from exec to the first Runtime API request (ms/init)
// and the resident memory then (MiB-RSS).
func BenchmarkInit(b *testing.B) {
	dir := b.TempDir()
	for _, pkg := range []struct{ name, path string }{
		{"hello", "./hello"},
		{"postgres", "../../postgres/lambda"},
		{"mysql", "../../mysql/lambda"},
		{"sshkey", "../../sshkey/lambda"},
		{"apikey", "../../apikey/lambda"},
	} {
		bin := build(b, dir, pkg.path)
		b.Run(pkg.name, func(b *testing.B) {
			var total time.Duration
			var rss int
			for b.Loop() {
				d, r := startOnce(b, bin)
				total += d
				rss = max(rss, r)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/init")
			b.ReportMetric(float64(rss)/1024, "MiB-RSS")
		})
	}
}

// TestInitMeasurement checks that the measurement works (the hello bootstrap reaches the
// Runtime API); the figures are benchmarks, never asserted.
func TestInitMeasurement(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bootstrap")
	}
	bin := build(t, t.TempDir(), "./hello")
	if d, rss := startOnce(t, bin); d <= 0 || rss <= 0 {
		t.Errorf("init %v, RSS %d KiB", d, rss)
	}
}
