package secretcachetest

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/agent"
)

// outage makes every Secrets Manager read fail with 503 ServiceUnavailable.
func (e *env) outage() {
	e.t.Helper()
	for _, op := range []string{"secretsmanager.GetSecretValue", "secretsmanager.DescribeSecret"} {
		e.fault(emulator.Fault{Operation: op, Count: 1 << 30, ErrorCode: "ServiceUnavailable", Message: "injected outage"})
	}
}

func (e *env) endOutage() {
	e.t.Helper()
	if err := e.ctl.ClearFaults(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

// During a 10-minute outage of Secrets Manager, the agent keeps answering with the last
// value, marked stale, up to TTL + StaleIfError; with StaleIfError 0 (ignore_transient_errors
// = false) it fails closed at the TTL. A refusal (not found) is never ridden out.
func TestOutageServesStaleBoundedOrFailsClosed(t *testing.T) {
	tests := []struct {
		name         string
		staleIfError time.Duration
		wantFailFrom time.Duration // 0: never within the 10 minutes
	}{
		{"stale-if-error 1h (default)", time.Hour, 0},
		{"fail closed", 0, 5 * time.Minute},
		{"stale-if-error 2m", 2 * time.Minute, 7 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.createSecret("db", "pw")
			c := e.cache(secretcache.Options{MaxStaleness: 5 * time.Minute, StaleIfError: tc.staleIfError})
			hs := httptest.NewServer(agent.NewHandler(agent.HandlerOptions{Cache: c, Token: testToken}))
			t.Cleanup(hs.Close)
			if a := do(t, http.MethodGet, hs.URL, "/v1/db", withToken); a.status != 200 {
				t.Fatalf("%d %s", a.status, a.body)
			}
			e.outage()
			start := e.clock.Now()
			var firstStale, firstFail time.Duration
			for e.clock.Now().Sub(start) <= 10*time.Minute {
				a := do(t, http.MethodGet, hs.URL, "/v1/db", withToken)
				at := e.clock.Now().Sub(start)
				switch {
				case a.status == 200:
					if firstFail != 0 {
						t.Fatalf("200 at %s after failing from %s", at, firstFail)
					}
					if a.json(t)["SecretString"] != "pw" {
						t.Fatalf("body %s", a.body)
					}
					if a.header.Get(agent.HeaderStale) == "true" && firstStale == 0 {
						firstStale = at
					}
				case a.status == 503:
					if firstFail == 0 {
						firstFail = at
					}
					if m := a.json(t); m["__type"] != "ServiceUnavailable" {
						t.Fatalf("error %s", a.body)
					}
				default:
					t.Fatalf("at %s: %d %s", at, a.status, a.body)
				}
				e.clock.Advance(10 * time.Second)
			}
			if tc.wantFailFrom == 0 && firstFail != 0 || tc.wantFailFrom != 0 && (firstFail < tc.wantFailFrom-10*time.Second || firstFail > tc.wantFailFrom+10*time.Second) {
				t.Fatalf("failed from %s, want %s (0: never)", firstFail, tc.wantFailFrom)
			}
			if firstStale == 0 {
				t.Fatalf("no answer was marked %s during the outage", agent.HeaderStale)
			}
			t.Logf("outage: stale from %s, errors from %s (0: none), %v", firstStale, firstFail, c.Stats())
			e.endOutage()
			stepUntil(t, e.clock, 10*time.Second, 6*time.Minute, func() bool {
				a := do(t, http.MethodGet, hs.URL, "/v1/db", withToken)
				return a.status == 200 && a.header.Get(agent.HeaderStale) == ""
			})
		})
	}
}

// With caching off (SECRETS_MANAGER_TTL=0 or a cache size of 0), every request asks
// Secrets Manager.
func TestNoCaching(t *testing.T) {
	k := emulatortest.Start(t)
	k.CreateSecret("db", "pw")
	hs := httptest.NewServer(agent.NewHandler(agent.HandlerOptions{Client: k.SM, Token: testToken}))
	t.Cleanup(hs.Close)
	before := k.Calls()["secretsmanager.GetSecretValue"]
	for range 5 {
		if a := do(t, http.MethodGet, hs.URL, "/secretsmanager/get?secretId=db", withToken); a.status != 200 || a.json(t)["SecretString"] != "pw" {
			t.Fatalf("%d %s", a.status, a.body)
		}
	}
	if n := k.Calls()["secretsmanager.GetSecretValue"] - before; n != 5 {
		t.Fatalf("5 requests without caching made %d calls", n)
	}
}

// runAgent runs agent.Run in this process with env (and the kit's client environment) and
// returns its URL; it stops when the test ends.
func runAgent(t *testing.T, k *emulatortest.Env, args []string, env map[string]string) string {
	t.Helper()
	for _, kv := range k.ClientEnv() {
		name, value, _ := strings.Cut(kv, "=")
		t.Setenv(name, value)
	}
	getenv := func(name string) string { return env[name] }
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := emulatortest.NewLogBuffer(t)
	done := make(chan int, 1)
	go func() {
		done <- agent.Run(ctx, append([]string{"-port", "0", "-endpoint-url", k.URL}, args...), getenv, pw, logs)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("agent exit code %d; logs:\n%s", code, logs.String())
		}
	})
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("the agent did not start; logs:\n%s", logs.String())
	}
	base, ok := strings.CutPrefix(lines.Text(), "secretcache-agent listening on ")
	if !ok {
		t.Fatalf("first line %q", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return base
}

// PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS bounds the connections to Secrets Manager,
// not the requests the agent serves: more cold requests than connections wait their turn.
// SECRETS_MANAGER_TTL=0 turns caching off instead of refusing to start.
func TestExtensionEnvironment(t *testing.T) {
	k := emulatortest.Start(t)
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		k.CreateSecret(name, "pw-"+name)
	}
	// Every GetSecretValue takes 200 ms, so the cold requests overlap.
	k.InjectFault(emulator.Fault{Operation: "secretsmanager.GetSecretValue", Count: 1 << 30, Delay: "200ms"})
	base := runAgent(t, k, nil, map[string]string{"AWS_TOKEN": testToken, "PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS": "3",
		"SECRETS_MANAGER_TIMEOUT_MILLIS": "0"})
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		wg.Go(func() {
			a := do(t, http.MethodGet, base, "/secretsmanager/get?secretId="+name, withToken)
			if a.status != 200 || a.json(t)["SecretString"] != "pw-"+name {
				t.Errorf("%s: %d %s", name, a.status, a.body)
			}
		})
	}
	wg.Wait()

	k2 := emulatortest.Start(t)
	k2.CreateSecret("db", "pw")
	base = runAgent(t, k2, nil, map[string]string{"AWS_TOKEN": testToken, "SECRETS_MANAGER_TTL": "0"})
	for range 3 {
		if a := do(t, http.MethodGet, base, "/v1/db", withToken); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
	}
	if n := k2.Calls()["secretsmanager.GetSecretValue"]; n != 3 {
		t.Fatalf("3 requests with SECRETS_MANAGER_TTL=0 made %d calls, want 3 (no caching)", n)
	}
}
