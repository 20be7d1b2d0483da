package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// sceneT lends internal/testenv's server constructors, written for tests, the few
// testing.TB methods they call, so that the demo starts the very servers the tests use:
// Fatalf ends the calling goroutine as it does in a test (call runs the constructor in one
// of its own), and Cleanup queues the server's removal for the scene's end.
type sceneT struct {
	testing.TB // nil: testenv calls only the methods below

	ctx      context.Context
	mu       sync.Mutex
	errs     []error
	cleanups []func()
}

func newSceneT(ctx context.Context) *sceneT { return &sceneT{ctx: ctx} }

func (t *sceneT) Helper()                  {}
func (t *sceneT) Name() string             { return "demo" }
func (t *sceneT) Context() context.Context { return t.ctx }
func (t *sceneT) Logf(string, ...any)      {}

func (t *sceneT) Errorf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.errs = append(t.errs, fmt.Errorf(format, args...))
}

func (t *sceneT) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	runtime.Goexit()
}

func (t *sceneT) Fatal(args ...any) {
	t.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

// Skip is fatal here: a scene cannot run without its server.
func (t *sceneT) Skip(args ...any) { t.Fatal(args...) }

func (t *sceneT) Skipf(format string, args ...any) { t.Fatalf(format, args...) }

func (t *sceneT) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// call runs f in a goroutine of its own, as testing runs a test, and returns what it
// reported with Errorf or Fatalf.
func (t *sceneT) call(f func()) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
	t.mu.Lock()
	defer t.mu.Unlock()
	err := errors.Join(t.errs...)
	t.errs = nil
	return err
}

// close runs the queued clean-ups, last first, and returns what they reported.
func (t *sceneT) close() error {
	t.mu.Lock()
	cs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	err := errors.Join(t.errs...)
	t.errs = nil
	return err
}
