package emulator_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// ---- the emulator command ----

// binProc is a running cmd/emulator.
type binProc struct {
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line
	stderr *binOutput
	done   chan struct{} // closed when the process has exited
}

type binOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *binOutput) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *binOutput) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// binBuild builds cmd/emulator into a temporary directory.
func binBuild(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build cmd/emulator: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "emulator")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/cmd/emulator")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/emulator: %v\n%s", err, out)
	}
	return bin
}

// binStart starts the emulator binary; the process is killed at the end of the test if it
// is still running.
func binStart(t *testing.T, bin string, args ...string) *binProc {
	t.Helper()
	pr, pw := io.Pipe()
	p := &binProc{cmd: exec.Command(bin, args...), lines: make(chan string, 64), stderr: &binOutput{}, done: make(chan struct{})}
	p.cmd.Stdout = pw
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody is listening for more lines
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	go func() {
		_ = p.cmd.Wait()
		pw.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// listening waits for the "emulator listening on http://ADDR" line and returns the URL.
func (p *binProc) listening(t *testing.T) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line := <-p.lines:
			if rest, ok := strings.CutPrefix(line, "emulator listening on "); ok {
				return rest
			}
		case <-p.done:
			t.Fatalf("emulator exited (%v) before listening; stderr:\n%s", p.cmd.ProcessState, p.stderr)
		case <-timeout:
			t.Fatalf("emulator did not print its address within 30s; stderr:\n%s", p.stderr)
		}
	}
}

// exit waits for the process to end and returns its exit code.
func (p *binProc) exit(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(30 * time.Second):
		t.Fatalf("emulator still running after 30s; stderr:\n%s", p.stderr)
		return -1
	}
}

// TestBinaryEmulator runs the emulator command: state kept across a SIGTERM and a restart,
// and clear failures for a non-loopback address or a corrupt state file.
func TestBinaryEmulator(t *testing.T) {
	bin := binBuild(t)

	t.Run("state survives SIGTERM and restart", func(t *testing.T) {
		dir := t.TempDir()
		state := filepath.Join(dir, "state.json")
		ctx := context.Background()

		p := binStart(t, bin, "-listen", "127.0.0.1:0", "-state", state)
		url := p.listening(t)
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Errorf("listening on %q, want http://127.0.0.1:PORT", url)
		}
		created, err := wireSDK(url, "us-east-1").CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name: aws.String("bin/secret"), SecretString: aws.String("kept across restarts"), ClientRequestToken: aws.String(persistTok1),
		})
		if err != nil {
			t.Fatalf("CreateSecret: %v", err)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatalf("SIGTERM: %v", err)
		}
		if code := p.exit(t); code != 0 {
			t.Fatalf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
		}
		persistCheckFile(t, state)

		p2 := binStart(t, bin, "-listen", "127.0.0.1:0", "-state", state)
		sm := wireSDK(p2.listening(t), "us-east-1")
		got, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin/secret")})
		if err != nil {
			t.Fatalf("GetSecretValue after restart: %v", err)
		}
		if aws.ToString(got.SecretString) != "kept across restarts" || aws.ToString(got.ARN) != aws.ToString(created.ARN) ||
			aws.ToString(got.VersionId) != persistTok1 {
			t.Errorf("after restart: %s %s %q, want %s %s %q", aws.ToString(got.ARN), aws.ToString(got.VersionId), aws.ToString(got.SecretString),
				aws.ToString(created.ARN), persistTok1, "kept across restarts")
		}
		if err := p2.cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatalf("SIGINT: %v", err)
		}
		if code := p2.exit(t); code != 0 {
			t.Fatalf("exit code %d after SIGINT, want 0; stderr:\n%s", code, p2.stderr)
		}
	})

	t.Run("-function registers a bootstrap that rotates", func(t *testing.T) {
		p := binStart(t, bin, "-listen", "127.0.0.1:0", "-function", "rotator="+rotatorBootstrap(t))
		url := p.listening(t)
		sm := wireSDK(url, "us-east-1")
		created := createSecret(t, sm, "bin/rotated", "before")
		fn := "arn:aws:lambda:us-east-1:123456789012:function:rotator"
		must(sm.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("bin/rotated"), RotationLambdaARN: &fn}))(t)
		if rec := waitRotations(t, emulator.NewControl(url), *created.ARN, 1)[0]; rec.Outcome != "succeeded" {
			t.Fatalf("rotation through the -function bootstrap: %s %s; stderr:\n%s", rec.Outcome, rec.Error, p.stderr)
		}
		if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin/rotated")}); *got.SecretString != "rotated-by-bootstrap" {
			t.Fatalf("value after rotation: not the rotator's")
		}
		noErr(t, p.cmd.Process.Signal(syscall.SIGTERM))
		if code := p.exit(t); code != 0 {
			t.Fatalf("exit code %d after SIGTERM; stderr:\n%s", code, p.stderr)
		}
	})

	failures := []struct {
		name    string
		args    func(dir string) []string
		setup   func(t *testing.T, dir string)
		wantErr func(dir string) []string
	}{
		{
			name:    "malformed -function",
			args:    func(string) []string { return []string{"-listen", "127.0.0.1:0", "-function", "no-equals-sign"} },
			wantErr: func(string) []string { return []string{"NAME=PATH"} },
		},
		{
			name:    "non-loopback address without -allow-remote",
			args:    func(string) []string { return []string{"-listen", "0.0.0.0:0"} },
			wantErr: func(string) []string { return []string{"0.0.0.0:0", "loopback", "-allow-remote"} },
		},
		{
			name: "corrupt state file",
			args: func(dir string) []string {
				return []string{"-listen", "127.0.0.1:0", "-state", filepath.Join(dir, "state.json")}
			},
			setup: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(`{"format":1,"secrets":`), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: func(dir string) []string { return []string{filepath.Join(dir, "state.json"), "delete"} },
		},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			p := binStart(t, bin, tt.args(dir)...)
			if code := p.exit(t); code == 0 {
				t.Fatalf("exit code 0, want non-zero; stderr:\n%s", p.stderr)
			}
			stderr := p.stderr.String()
			for _, want := range tt.wantErr(dir) {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not mention %q:\n%s", want, stderr)
				}
			}
			select {
			case line := <-p.lines:
				if strings.HasPrefix(line, "emulator listening on") {
					t.Errorf("printed %q although it refused to start", line)
				}
			default:
			}
		})
	}
}
