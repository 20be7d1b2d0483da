package agent

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeExtensionsAPI is the part of the Lambda Extensions API the agent uses: register,
// event/next (which answers SHUTDOWN once shutdown is closed) and init/error.
type fakeExtensionsAPI struct {
	mu         sync.Mutex
	registered []string // Lambda-Extension-Name values
	events     []string // registered event types
	nexts      int
	initErrors []string // Lambda-Extension-Function-Error-Type values
	waiting    chan struct{}
	shutdown   chan struct{}
}

func newFakeExtensionsAPI(t *testing.T) (*fakeExtensionsAPI, string) {
	f := &fakeExtensionsAPI{waiting: make(chan struct{}, 10), shutdown: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2020-01-01/extension/register", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Events []string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.registered = append(f.registered, r.Header.Get("Lambda-Extension-Name"))
		f.events = body.Events
		f.mu.Unlock()
		w.Header().Set("Lambda-Extension-Identifier", "ext-id-1")
		_, _ = w.Write([]byte(`{"functionName":"fn","functionVersion":"$LATEST","handler":"bootstrap"}`))
	})
	mux.HandleFunc("GET /2020-01-01/extension/event/next", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Lambda-Extension-Identifier") != "ext-id-1" {
			http.Error(w, `{"errorType":"Extension.InvalidExtensionIdentifier"}`, http.StatusForbidden)
			return
		}
		f.mu.Lock()
		f.nexts++
		f.mu.Unlock()
		f.waiting <- struct{}{}
		select {
		case <-f.shutdown:
			_, _ = w.Write([]byte(`{"eventType":"SHUTDOWN","shutdownReason":"spindown","deadlineMs":0}`))
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /2020-01-01/extension/init/error", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.initErrors = append(f.initErrors, r.Header.Get("Lambda-Extension-Function-Error-Type"))
		f.mu.Unlock()
		_, _ = w.Write([]byte(`{"status":"OK"}`))
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return f, strings.TrimPrefix(hs.URL, "http://")
}

// Started as a Lambda extension, the agent registers for SHUTDOWN, listens before it waits
// for the first event (so the function's first request finds it), and exits 0 at SHUTDOWN.
func TestExtensionLifecycle(t *testing.T) {
	api, addr := newFakeExtensionsAPI(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	env := map[string]string{envRuntimeAPI: addr, "AWS_SESSION_TOKEN": "session-token", envPort: "0"}
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Run(context.Background(), nil, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("no output")
	}
	base, _ := strings.CutPrefix(lines.Text(), "secretcache-agent listening on ")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	select {
	case <-api.waiting:
	case <-time.After(30 * time.Second):
		t.Fatal("the agent never called event/next")
	}
	resp, err := http.Get(base + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	api.mu.Lock()
	reg, events := api.registered, api.events
	api.mu.Unlock()
	if len(reg) != 1 || reg[0] == "" || strings.Join(events, ",") != "SHUTDOWN" || resp.StatusCode != 200 {
		t.Fatalf("registered %q for %q; ping %d", reg, events, resp.StatusCode)
	}
	close(api.shutdown)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d after SHUTDOWN", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the agent did not exit after SHUTDOWN")
	}
}

// A configuration the agent refuses fails the function's init through init/error.
func TestExtensionInitError(t *testing.T) {
	api, addr := newFakeExtensionsAPI(t)
	env := map[string]string{envRuntimeAPI: addr, "AWS_SESSION_TOKEN": "t", envTTL: "forever"}
	code := Run(context.Background(), nil, func(k string) string { return env[k] }, io.Discard, io.Discard)
	api.mu.Lock()
	defer api.mu.Unlock()
	if code != 2 || len(api.initErrors) != 1 || api.initErrors[0] != "Extension.ConfigInvalid" {
		t.Fatalf("exit %d, init errors %q", code, api.initErrors)
	}
}
