package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer that a test can read while Run writes to it.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	onWrite func(string)
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	n, err := b.buf.Write(p)
	s := b.buf.String()
	f := b.onWrite
	b.mu.Unlock()
	if f != nil {
		f(s)
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := findModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// tempDirGone checks that the temporary directory the clean-up line names is gone.
func tempDirGone(t *testing.T, out string) {
	t.Helper()
	m := regexp.MustCompile(`(\S*secretsmanager-demo-\d+) removed`).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("the clean-up line does not name the temporary directory as removed")
		return
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("%s is still there after the demo (stat: %v)", m[1], err)
	}
}

// TestDemo runs `make demo`'s code path end to end: builds, PostgreSQL, the emulator with the
// built postgres rotator, terraform apply of examples/quickstart, the rotation, the logins,
// plan, destroy and clean-up.
func TestDemo(t *testing.T) {
	out := &syncBuffer{}
	start := time.Now()
	err := Run(t.Context(), Options{Root: moduleRoot(t), Out: out})
	t.Logf("demo output (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("the demo failed: %v", err)
	}
	s := out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\[9/9\] destroy examples/quickstart \.\.\. ok`),
		// Before: terraform's version is current; after: the rotator's is, terraform's is
		// previous.
		regexp.MustCompile(`(?s)Versions before the rotation[^\n]*\n +[0-9a-f-]{36}  AWSCURRENT +written by terraform\n\n`),
		regexp.MustCompile(`(?s)Versions after the rotation:\n +[0-9a-f-]{36}  AWSCURRENT +written by the rotator\n +[0-9a-f-]{36}  AWSPREVIOUS +written by terraform\n`),
		regexp.MustCompile(`new password \(AWSCURRENT\): logged in as app`),
		regexp.MustCompile(`old password \(AWSPREVIOUS\): refused: .*password authentication failed`),
		regexp.MustCompile(`terraform plan after the rotation: no changes`),
		regexp.MustCompile(`Where to look next\n +examples/quickstart/`),
	} {
		if !want.MatchString(s) {
			t.Errorf("the output does not match %s", want)
		}
	}
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		if !regexp.MustCompile(`(?m)^ +` + step + ` +succeeded`).MatchString(s) {
			t.Errorf("the report does not show %s succeeded", step)
		}
	}
	tempDirGone(t, s)
}

// TestDemoInterrupted stops the demo in the middle of terraform apply, as Ctrl-C does: the
// error names the step, and the clean-up still destroys what apply had created and removes
// everything.
func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &syncBuffer{}
	// Interrupt once the KMS key exists and terraform is creating the secret.
	onRequest := func(target string) {
		if target == "secretsmanager.CreateSecret" {
			cancel()
		}
	}
	err := Run(ctx, Options{Root: moduleRoot(t), Out: out, onRequest: onRequest})
	t.Logf("demo output:\n%s\nRun: %v", out, err)
	var se *StepError
	if !errors.As(err, &se) || se.N != 5 || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want a cancelled step 5", err)
	}
	if !strings.HasPrefix(err.Error(), "step 5/9 apply examples/quickstart: ") {
		t.Errorf("error %q does not start with the step", err)
	}
	s := out.String()
	if !regexp.MustCompile(`(?m)^cleaned up: terraform destroy, emulator and rotator stopped, PostgreSQL stopped and removed, \S+ removed`).MatchString(s) {
		t.Errorf("the clean-up line is missing or incomplete")
	}
	tempDirGone(t, s)
}

// TestDemoFailingStep: a failure names its step and says why, and what was started is
// removed.
func TestDemoFailingStep(t *testing.T) {
	out := &syncBuffer{}
	err := Run(t.Context(), Options{Root: moduleRoot(t), Out: out, Go: filepath.Join(t.TempDir(), "no-such-go")})
	t.Logf("demo output:\n%s\nRun: %v", out, err)
	var se *StepError
	if !errors.As(err, &se) || se.N != 1 {
		t.Fatalf("Run = %v, want a failure of step 1", err)
	}
	if want := "step 1/9 build the provider and the postgres rotator: build the provider and the rotator (./lambdas/postgres/lambda): go build "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start with %q", err, want)
	}
	if !strings.Contains(out.String(), "[1/9] build the provider and the postgres rotator ... FAILED") {
		t.Errorf("the progress line does not say the step failed")
	}
	tempDirGone(t, out.String())
}

// TestDemoMissingRotator: without the rotator's entry point the first step says what is
// missing.
func TestDemoMissingRotator(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "examples", "quickstart"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Run(t.Context(), Options{Root: root})
	if err == nil || !strings.Contains(err.Error(), "the PostgreSQL rotator's entry point ./lambdas/postgres/lambda/main.go is missing") {
		t.Fatalf("Run = %v, want the missing rotator named", err)
	}
}

func TestStripWarnings(t *testing.T) {
	in := "╷\n│ Warning: Provider development overrides are in effect\n│\n│ text\n╵\n╷\n│ Error: boom\n╵\n"
	if got, want := stripWarnings(in), "╷\n│ Error: boom\n╵"; got != want {
		t.Errorf("stripWarnings = %q, want %q", got, want)
	}
	if got := tailLines("a\nb\nc\n", 2); got != "...\nb\nc" {
		t.Errorf("tailLines = %q", got)
	}
}

// TestDemoAll runs `make demo-all`'s code path: every scene against its real servers (MariaDB,
// two sshd, a key service, the cache agent) and the built rotators, through the emulator.
func TestDemoAll(t *testing.T) {
	if testing.Short() {
		t.Skip("starts MariaDB and sshd and builds the rotators; skipped with -short")
	}
	out := &syncBuffer{}
	start := time.Now()
	results, err := RunAll(t.Context(), AllOptions{Root: moduleRoot(t), Out: out})
	t.Logf("demo-all output (%s):\n%s", time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		t.Fatalf("demo-all failed: %v", err)
	}
	if len(results) != len(scenes) {
		t.Fatalf("%d scenes ran, want %d", len(results), len(scenes))
	}
	s := out.String()
	for _, want := range []*regexp.Regexp{
		// MariaDB: both users log in after each rotation; the password of two rotations ago
		// does not; the connection from before lives on.
		regexp.MustCompile(`after:  AWSCURRENT app_clone logs in; AWSPREVIOUS app logs in\n`),
		regexp.MustCompile(`after:  AWSCURRENT app logs in; AWSPREVIOUS app_clone logs in\n`),
		regexp.MustCompile(`app's first password \(two rotations ago\) REFUSED; the client's connection from before still answers: true`),
		// SSH.
		regexp.MustCompile(`after:  AWSCURRENT key logs in on both; AWSPREVIOUS logs in on both`),
		regexp.MustCompile(`the first key, two rotations old: REFUSED on both`),
		// API key.
		regexp.MustCompile(`after:  AWSCURRENT key_2 answers 200; the first key answers 401; active keys \[key_2\]`),
		// Replica.
		regexp.MustCompile(`after:  us-west-2 holds key_2, the rotated key: true \(replication InSync, seen \S+ after`),
		// Agent.
		regexp.MustCompile(`before: the agent answers key_1\n`),
		regexp.MustCompile(`after:  the agent answers key_2, \S+ after the rotation finished`),
		regexp.MustCompile(`All 5 scenes passed in `),
	} {
		if !want.MatchString(s) {
			t.Errorf("the output does not match %s", want)
		}
	}
	if n := strings.Count(s, "everything it started removed"); n != len(scenes) {
		t.Errorf("%d scenes say they cleaned up, want %d", n, len(scenes))
	}
	demoAllDirGone(t, s)
}

// TestDemoAllInterrupted stops demo-all in the middle of the SSH scene, as Ctrl-C does: the
// scene's sshd servers are stopped and everything is removed.
func TestDemoAllInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("starts sshd and builds the rotators; skipped with -short")
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := &syncBuffer{}
	onStep := func(scene, step string) {
		if scene == "ssh" && step == "rotation 1" {
			cancel()
		}
	}
	_, err := RunAll(ctx, AllOptions{Root: moduleRoot(t), Out: out, Scenes: []string{"ssh"}, onStep: onStep})
	t.Logf("demo-all output:\n%s\nRunAll: %v", out, err)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunAll = %v, want it cancelled", err)
	}
	s := out.String()
	m := regexp.MustCompile(`on (127\.0\.0\.1:\d+) and (127\.0\.0\.1:\d+)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("the output does not name the sshd addresses")
	}
	for _, addr := range m[1:] {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("sshd at %s still accepts connections after the interrupted scene", addr)
		}
	}
	demoAllDirGone(t, s)
}

func demoAllDirGone(t *testing.T, out string) {
	t.Helper()
	m := regexp.MustCompile(`cleaned up: (\S*secretsmanager-demo-all-\d+) removed`).FindStringSubmatch(out)
	if m == nil {
		t.Errorf("the clean-up line does not name the temporary directory as removed")
		return
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("%s is still there after demo-all (stat: %v)", m[1], err)
	}
}
