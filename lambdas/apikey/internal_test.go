package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestJSONPath(t *testing.T) {
	t.Parallel()
	doc := `{"key":"k","data":{"id":42,"keys":[{"secret":"s0","id":"a"},{"secret":"s1"}],"empty":"","nil":null,"grid":[[1,"x"]]},"list":[{"id":7}]}`
	var v any
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	ok := []struct{ path, want string }{
		{"key", "k"},
		{"$.key", "k"},
		{"data.id", "42"},
		{"data.keys[0].secret", "s0"},
		{"data.keys.1.secret", "s1"},
		{"$.data.keys[0].id", "a"},
		{"data.grid[0][1]", "x"},
		{"data.grid.0.1", "x"},
		{"list[0].id", "7"},
	}
	for _, c := range ok {
		p, err := parsePath(c.path)
		if err != nil {
			t.Errorf("parsePath(%q): %v", c.path, err)
			continue
		}
		got, err := p.lookupString(v, true)
		if err != nil || got != c.want {
			t.Errorf("%q: %q, %v; want %q", c.path, got, err, c.want)
		}
	}
	root, err := parsePath("$[0].id")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := root.lookupString([]any{map[string]any{"id": "r"}}, false); err != nil || got != "r" {
		t.Errorf("$[0].id on an array: %q, %v", got, err)
	}
	whole, _ := parsePath("$")
	if got, err := whole.lookupString("just-a-key", false); err != nil || got != "just-a-key" {
		t.Errorf("$ on a string document: %q, %v", got, err)
	}

	badSyntax := []struct{ path, want string }{
		{"", "empty JSON path"},
		{"a..b", "empty segment"},
		{"a.", "empty segment"},
		{".a", "empty segment"},
		{"a[", "unclosed '['"},
		{"a[x]", `index "x"`},
		{"a[-1]", `index "-1"`},
		{"a[+1]", `index "+1"`},
		{"a]b", "unexpected ']'"},
		{"a[0]b", `unexpected "b"`},
	}
	for _, c := range badSyntax {
		if _, err := parsePath(c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parsePath(%q): %v, want an error with %q", c.path, err, c.want)
		}
	}

	badLookup := []struct {
		path   string
		number bool
		want   string
	}{
		{"data.secret", false, `$.data has no field "secret" (its fields: empty, grid, id, keys, nil)`},
		{"data.keys[2].secret", false, "$.data.keys has 2 items, no index 2"},
		{"data[0]", false, "$.data is an object, not an array (index [0])"},
		{"data.keys.first", false, `$.data.keys is an array, not an object (field "first")`},
		{"key.x", false, `$.key is a string, so it has no field "x"`},
		{"data.id", false, "the value there is a number, not a string"},
		{"data.keys", false, "the value there is an array, not a string"},
		{"data.empty", false, "the value there is an empty string"},
		{"data.nil", true, "the value there is null, not a string"},
	}
	for _, c := range badLookup {
		p, err := parsePath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.lookupString(v, c.number)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("lookup %q: %v, want an error with %q", c.path, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), "s0") || strings.Contains(err.Error(), `"k"`)) {
			t.Errorf("lookup %q: the error quotes a value: %v", c.path, err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.value != "" {
			h.Set("Retry-After", c.value)
		}
		got, ok := retryAfter(h, now)
		if got != c.want || ok != c.ok {
			t.Errorf("Retry-After %q: %s %v, want %s %v", c.value, got, ok, c.want, c.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &retryClient{policy: retryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}}
	bounds := map[int][2]time.Duration{
		1: {50 * time.Millisecond, 100 * time.Millisecond},
		2: {100 * time.Millisecond, 200 * time.Millisecond},
		3: {200 * time.Millisecond, 400 * time.Millisecond},
		5: {500 * time.Millisecond, time.Second},
		9: {500 * time.Millisecond, time.Second},
	}
	for attempt, b := range bounds {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.backoff(attempt)
			if d < b[0] || d > b[1] {
				t.Fatalf("backoff(%d) = %s, want within %s..%s", attempt, d, b[0], b[1])
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) took only %d distinct values in 200 draws: no jitter", attempt, len(seen))
		}
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	got := snippet([]byte("{\"error\":\"key sk_live_123 revoked\",\n\"x\":\"\x00\"}"), []string{"sk_live_123", "ab"})
	if got != `{"error":"key [REDACTED] revoked", "x":""}` {
		t.Errorf("snippet: %q", got)
	}
	long := snippet([]byte(strings.Repeat("é", 300)), nil)
	if len(long) > 204 || !strings.HasSuffix(long, "...") || !strings.HasPrefix(long, "éé") {
		t.Errorf("long snippet: %d bytes %q", len(long), long)
	}
}

// testClient is a retryClient for an httptest TLS server, recording its waits instead of
// sleeping.
func testClient(srv *httptest.Server, p retryPolicy) (*retryClient, *[]time.Duration) {
	var waits []time.Duration
	hc := srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &retryClient{hc: hc, policy: p, sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}, &waits
}

func TestRetryClient(t *testing.T) {
	t.Parallel()
	policy := retryPolicy{Timeout: time.Second, MaxAttempts: 4, BaseDelay: 10 * time.Millisecond, MaxDelay: 5 * time.Second}
	var hits atomic.Int32
	var status atomic.Int32
	var retryAfterHdr atomic.Value
	retryAfterHdr.Store("")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if v := retryAfterHdr.Load().(string); v != "" {
			w.Header().Set("Retry-After", v)
		}
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(srv.Close)

	cases := []struct {
		name       string
		status     int
		retryAfter string
		idempotent bool
		ctxTimeout time.Duration
		wantHits   int32
		wantWaits  []time.Duration // exact when set
		wantErr    string
	}{
		{name: "503 not retried for a non-idempotent request", status: 503, wantHits: 1, wantErr: "HTTP 503 Service Unavailable (1 attempt)"},
		{name: "503 retried for an idempotent request", status: 503, idempotent: true, wantHits: 4, wantErr: "(4 attempts in"},
		{name: "429 retried for any request, Retry-After honoured", status: 429, retryAfter: "2", wantHits: 4, wantWaits: []time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{name: "Retry-After beyond the deadline", status: 429, retryAfter: "3", ctxTimeout: 2 * time.Second, wantHits: 1, wantErr: "no time left before the function's deadline to wait 3s"},
		{name: "404 is final", status: 404, idempotent: true, wantHits: 1, wantErr: "HTTP 404 Not Found (1 attempt)"},
		{name: "redirect is not followed", status: 302, idempotent: true, wantHits: 1, wantErr: "HTTP 302 Found (1 attempt)"},
	}
	for _, c := range cases {
		// Sequential: the cases share the server.
		hits.Store(0)
		status.Store(int32(c.status))
		retryAfterHdr.Store(c.retryAfter)
		rc, waits := testClient(srv, policy)
		ctx := context.Background()
		if c.ctxTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, c.ctxTimeout)
			defer cancel()
		}
		_, err := rc.do(ctx, request{op: "op", method: http.MethodPost, url: srv.URL + "/x", idempotent: c.idempotent})
		if err == nil || (c.wantErr != "" && !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.wantErr)
		}
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != c.status {
			t.Errorf("%s: %T %v, want an *HTTPError with status %d", c.name, err, err, c.status)
		}
		if hits.Load() != c.wantHits {
			t.Errorf("%s: %d requests, want %d", c.name, hits.Load(), c.wantHits)
		}
		if c.wantWaits != nil && !equalDurations(*waits, c.wantWaits) {
			t.Errorf("%s: waits %v, want %v", c.name, *waits, c.wantWaits)
		}
		if c.idempotent && c.status == 503 {
			// Exponential: each wait within [d/2, d] of 10ms, 20ms, 40ms.
			for i, w := range *waits {
				d := policy.BaseDelay << i
				if w < d/2 || w > d {
					t.Errorf("%s: wait %d is %s, want %s..%s", c.name, i, w, d/2, d)
				}
			}
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRedirectNotFollowed: a redirect to another host must not carry the key there.
func TestRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "" {
			leaked.Store(true)
		}
	}))
	t.Cleanup(other.Close)
	first := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(first.Close)
	hc, err := newHTTPClient(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	// Trust the test servers' certificate (httptest's, shared by both).
	hc.Transport = first.Client().Transport
	rc := &retryClient{hc: hc, policy: retryPolicy{Timeout: time.Second, MaxAttempts: 1}}
	_, err = rc.do(context.Background(), request{op: "test", method: http.MethodGet, url: first.URL, header: http.Header{"X-Api-Key": {"sk_secret"}}, idempotent: true})
	if err == nil || !strings.Contains(err.Error(), "HTTP 307") {
		t.Errorf("error %v, want the 307 reported", err)
	}
	if leaked.Load() {
		t.Errorf("the key was sent to the redirect target")
	}
}

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"{id}": `a/b&c=d e?"x"`}
	if got := expandURL("https://h/keys/{id}?k={id}", vars); got != "https://h/keys/a%2Fb%26c%3Dd%20e%3F%22x%22?k=a%2Fb%26c%3Dd%20e%3F%22x%22" {
		t.Errorf("expandURL: %s", got)
	}
	body := expandBody(`{"id":"{id}","n":"{none}"}`, vars)
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil || m["id"] != `a/b&c=d e?"x"` {
		t.Errorf("expandBody: %s (%v)", body, err)
	}
	if expandBody("", vars) != nil {
		t.Errorf("an empty template must send no body")
	}
}

func TestBodySetting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value   string // JSON of the setting in the secret
		want    string
		wantErr string
	}{
		{`{"name": "rotation {token}", "tags": ["a"]}`, `{"name":"rotation {token}","tags":["a"]}`, ""},
		{`"{\"id\": {id}}"`, `{"id": {id}}`, ""},
		{`"{\"id\": "`, "", "is not valid JSON"},
		{`"{\"id\": {nope}}"`, "", "is not valid JSON"},
		{`42`, "", "must be a JSON object, or a string holding JSON"},
	}
	for _, c := range cases {
		st := &settings{obj: map[string]json.RawMessage{"revoke_body": json.RawMessage(c.value)}, lookup: func(string) (string, bool) { return "", false }}
		got, _, err := st.body("revoke_body", "{id}", "{token}")
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: %q %v, want an error with %q", c.value, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.value, got, err, c.want)
		}
	}
}
