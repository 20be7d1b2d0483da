package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// target is a running server that answers the Secrets Manager JSON protocol at url.
type target struct {
	name string
	url  string
	stop func() error
}

func startTarget(ctx context.Context, cfg config, name string) (*target, error) {
	switch name {
	case serverOurs:
		return startOurs(ctx)
	case serverMoto:
		return startMoto(ctx, cfg.python)
	}
	return nil, fmt.Errorf("unknown server %q", name)
}

// startOurs serves a fresh emulator on a real loopback listener of this process.
func startOurs(ctx context.Context) (*target, error) {
	em, err := emulator.New(emulator.Options{})
	if err != nil {
		return nil, fmt.Errorf("new emulator: %w", err)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("listen: %w", err), em.Close())
	}
	srv := &http.Server{Handler: em, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stop := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return errors.Join(err, em.Close())
	}
	return &target{name: serverOurs, url: "http://" + ln.Addr().String() + "/", stop: stop}, nil
}

// startMoto runs `python -m moto.server` in its own process group on a free port and
// waits until it answers HTTP. stop kills the whole group.
func startMoto(ctx context.Context, python string) (*target, error) {
	path, err := exec.LookPath(python)
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", python, err)
	}
	version, err := motoVersion(ctx, path)
	if err != nil {
		return nil, err
	}
	port, err := freePort(ctx)
	if err != nil {
		return nil, err
	}
	stderr := &tailBuffer{max: 4096}
	cmd := exec.Command(path, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	setProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto.server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() error { return killProcessGroup(cmd, exited) }
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	slog.Info("started moto", "version", version, "python", path, "pid", cmd.Process.Pid, "url", url)
	if err := waitForHTTP(ctx, url, exited, 30*time.Second); err != nil {
		return nil, errors.Join(fmt.Errorf("moto.server did not come up: %w; output: %s", err, stderr), stop())
	}
	return &target{name: serverMoto, url: url, stop: stop}, nil
}

// motoVersion tells whether the interpreter can import moto, and which version it has.
func motoVersion(ctx context.Context, python string) (string, error) {
	out, err := exec.CommandContext(ctx, python, "-c", "import moto, boto3; print(moto.__version__)").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s cannot import moto and boto3: %w: %s", python, err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

// freePort asks the kernel for a free loopback port. Another process could take it before
// moto binds it; moto then fails to start and says so.
func freePort(ctx context.Context) (int, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return port, ln.Close()
}

// waitForHTTP polls url until it answers with any HTTP response, the process exits, or
// the timeout passes.
func waitForHTTP(ctx context.Context, url string, exited <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("build probe: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			return resp.Body.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-exited:
			return errors.New("process exited")
		case <-tick.C:
		}
	}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}
