package apikey_test

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

// keyService is an HTTP API key service for the tests, served over TLS with a certificate
// from its own CA on 127.0.0.1. It really enforces which keys are valid: a revoked or
// unknown key gets 401 everywhere, at most maxActive keys are active at once (a create
// beyond that gets 409), and only keys (or the master token) it accepts can manage keys.
//
// Its API:
//
//	POST   /v1/keys              create a key; body {"name": "..."} optional; honours
//	                             Idempotency-Key; 201 {"data":{"keys":[{"id":N,"secret":"sk_...","name":"..."}]}}
//	GET    /v1/whoami            200 {"key_id":N} for an active key, else 401
//	DELETE /v1/keys/{id}         revoke; 204, or 404 for an unknown or revoked key
//	POST   /v1/keys/{id}/revoke  the same
//	POST   /v1/keys/revoke       the same, body {"id": N}
//	GET    /v1/keys              {"data":[{"id":N,"name":"...","active":true}, ...]} (no secrets)
//
// Keys are presented as "<header>: <prefix><key>" (Authorization: Bearer by default); the
// master token as "<masterHeader>: <masterPrefix><token>".
type keyService struct {
	t      testing.TB
	ca     *testenv.CA
	caFile string // the CA certificate, PEM, for APIKEY_CA_BUNDLE
	addr   string
	base   string // https://127.0.0.1:port
	tlsCfg *tls.Config

	mu             sync.Mutex
	srv            *http.Server
	header, prefix string
	masterHeader   string
	masterPrefix   string
	master         string
	userKeysManage bool // keys may create and revoke keys (else only the master token)
	idempotency    bool // Idempotency-Key honoured
	maxActive      int
	keys           map[int]*svcKey
	byValue        map[string]int
	idem           map[string]int
	nextID         int
	peakActive     int
	faults         []*svcFault
	requests       []svcRequest
	down           bool
}

type svcKey struct {
	id      int
	value   string
	name    string
	active  bool
	creator string // "master", "key:N" or "setup"
}

// svcFault makes requests of one operation fail or wait.
type svcFault struct {
	op         string // create, test, revoke, list; "" for every request
	status     int    // answer with this status (0: proceed normally after delay)
	retryAfter string // Retry-After header of the answer
	delay      time.Duration
	after      bool // do the work first, then answer status (a lost answer)
	rawBody    string
	echoAuth   bool // the answer quotes the credential presented (a careless service)
	count      int  // requests left
}

// svcRequest is one request the service received.
type svcRequest struct {
	at      time.Time
	op      string
	method  string
	path    string
	auth    string // "master", "key:N", "revoked:N", "invalid", "none"
	idemKey string
	status  int
}

// newKeyService starts the service with one master token and no keys.
func newKeyService(t testing.TB) *keyService {
	t.Helper()
	ca, err := testenv.NewCA("apikey test CA")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue("127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &keyService{
		t: t, ca: ca, caFile: caFile,
		tlsCfg: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		header: "Authorization", prefix: "Bearer ",
		masterHeader: "Authorization", masterPrefix: "Bearer ",
		master:         "mt_" + randomHex(20),
		userKeysManage: true, idempotency: true, maxActive: 2,
		keys: map[int]*svcKey{}, byValue: map[string]int{}, idem: map[string]int{}, nextID: 100,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.base = "https://" + s.addr
	s.serve(ln)
	t.Cleanup(func() { s.stop() })
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (s *keyService) serve(ln net.Listener) {
	// The TLS handshake errors of the tests that distrust the CA are expected: not logged.
	srv := &http.Server{Handler: s, TLSConfig: s.tlsCfg, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)}
	s.mu.Lock()
	s.srv = srv
	s.down = false
	s.mu.Unlock()
	go func() { _ = srv.ServeTLS(ln, "", "") }()
}

// stop closes the listener and every connection: clients get "connection refused".
func (s *keyService) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.down = true
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// start listens again on the same address.
func (s *keyService) start() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("key service: listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// issue makes an active key directly (the key an administrator gave the application).
func (s *keyService) issue(name string) (id, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.newKeyLocked(name, "setup")
	return strconv.Itoa(k.id), k.value
}

func (s *keyService) newKeyLocked(name, creator string) *svcKey {
	s.nextID++
	k := &svcKey{id: s.nextID, value: "sk_" + randomHex(24), name: name, active: true, creator: creator}
	s.keys[k.id] = k
	s.byValue[k.value] = k.id
	s.peakActive = max(s.peakActive, s.activeLocked())
	return k
}

func (s *keyService) activeLocked() int {
	n := 0
	for _, k := range s.keys {
		if k.active {
			n++
		}
	}
	return n
}

// activeIDs returns the ids of the active keys, sorted.
func (s *keyService) activeIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	for _, k := range s.keys {
		if k.active {
			ids = append(ids, k.id)
		}
	}
	slices.Sort(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

// allSecrets returns every key value the service ever issued and the master token.
func (s *keyService) allSecrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{s.master}
	for _, k := range s.keys {
		out = append(out, k.value)
	}
	return out
}

func (s *keyService) created() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.keys)
}

func (s *keyService) peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakActive
}

func (s *keyService) inject(f svcFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.count == 0 {
		f.count = 1
	}
	s.faults = append(s.faults, &f)
}

func (s *keyService) clearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *keyService) log() []svcRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *keyService) resetLog() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// configure changes the service's behaviour under its lock.
func (s *keyService) configure(f func(s *keyService)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// status asks the service, over TLS, what it answers to a key: 200 if it is active, 401
// otherwise (or 0 when the service cannot be reached).
func (s *keyService) status(key string) int {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.base+"/v1/whoami", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	req.Header.Set(s.header, s.prefix+key)
	s.mu.Unlock()
	req.Header.Set("X-Test-Probe", "1") // not logged as a rotator request
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: s.ca.ClientTLS("127.0.0.1")}, Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// works reports whether key is accepted.
func (s *keyService) works(key string) bool { return s.status(key) == http.StatusOK }

// settings is the "rotation" object of a secret for this service.
func (s *keyService) settings(extra map[string]any) map[string]any {
	m := map[string]any{
		"create_url":       s.base + "/v1/keys",
		"key_path":         "data.keys[0].secret",
		"key_id_path":      "data.keys[0].id",
		"test_url":         s.base + "/v1/whoami",
		"revoke_url":       s.base + "/v1/keys/{id}",
		"retry_base_delay": "5ms",
		"retry_max_delay":  "2s",
		"timeout":          "2s",
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// ---- the server side ----

func (s *keyService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, id := route(r)
	probe := r.Header.Get("X-Test-Probe") != ""
	s.mu.Lock()
	auth := s.authLocked(r)
	var f *svcFault
	if !probe {
		for _, cand := range s.faults {
			if cand.count > 0 && (cand.op == "" || cand.op == op) {
				cand.count--
				f = cand
				break
			}
		}
	}
	s.mu.Unlock()
	rec := svcRequest{at: time.Now(), op: op, method: r.Method, path: r.URL.Path, auth: auth, idemKey: r.Header.Get("Idempotency-Key")}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if !probe {
			rec.status = sw.status
			s.mu.Lock()
			s.requests = append(s.requests, rec)
			s.mu.Unlock()
		}
	}()
	if f != nil {
		if f.delay > 0 {
			select {
			case <-time.After(f.delay):
			case <-r.Context().Done():
			}
		}
		if f.status != 0 && !f.after {
			if f.retryAfter != "" {
				sw.Header().Set("Retry-After", f.retryAfter)
			}
			switch {
			case f.rawBody != "":
				sw.WriteHeader(f.status)
				_, _ = io.WriteString(sw, f.rawBody)
			case f.echoAuth:
				writeJSON(sw, f.status, map[string]any{"error": "credential not accepted: " + r.Header.Get(s.header) + r.Header.Get(s.masterHeader)})
			default:
				writeJSON(sw, f.status, map[string]any{"error": fmt.Sprintf("injected %d", f.status)})
			}
			return
		}
	}
	if f != nil && f.after {
		// Do the work, then lose the answer: what a client sees when a proxy times out.
		s.handle(&discardWriter{h: http.Header{}}, r, op, id, auth)
		writeJSON(sw, f.status, map[string]any{"error": fmt.Sprintf("injected %d after the work was done", f.status)})
		return
	}
	s.handle(sw, r, op, id, auth)
}

// idInBody is the id route returns for POST /v1/keys/revoke, whose body names the key.
const idInBody = -2

func route(r *http.Request) (op string, id int) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "v1" && parts[1] == "keys" && r.Method == http.MethodPost:
		return "create", 0
	case len(parts) == 2 && parts[0] == "v1" && parts[1] == "keys" && r.Method == http.MethodGet:
		return "list", 0
	case len(parts) == 2 && parts[0] == "v1" && parts[1] == "whoami":
		return "test", 0
	case len(parts) == 3 && parts[0] == "v1" && parts[1] == "keys" && parts[2] == "revoke" && r.Method == http.MethodPost:
		return "revoke", idInBody
	case len(parts) == 3 && parts[0] == "v1" && parts[1] == "keys" && r.Method == http.MethodDelete,
		len(parts) == 4 && parts[0] == "v1" && parts[1] == "keys" && parts[3] == "revoke" && r.Method == http.MethodPost:
		n, err := strconv.Atoi(parts[2])
		if err != nil {
			n = -1
		}
		return "revoke", n
	}
	return "unknown", 0
}

// authLocked classifies the request's credential.
func (s *keyService) authLocked(r *http.Request) string {
	if v := r.Header.Get(s.masterHeader); v != "" && strings.HasPrefix(v, s.masterPrefix) && strings.TrimPrefix(v, s.masterPrefix) == s.master {
		return "master"
	}
	v := r.Header.Get(s.header)
	if v == "" {
		return "none"
	}
	if !strings.HasPrefix(v, s.prefix) {
		return "invalid"
	}
	id, ok := s.byValue[strings.TrimPrefix(v, s.prefix)]
	if !ok {
		return "invalid"
	}
	if !s.keys[id].active {
		return "revoked:" + strconv.Itoa(id)
	}
	return "key:" + strconv.Itoa(id)
}

func (s *keyService) handle(w http.ResponseWriter, r *http.Request, op string, id int, auth string) {
	isKey := strings.HasPrefix(auth, "key:")
	switch op {
	case "test":
		if !isKey {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid or revoked key"})
			return
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(auth, "key:"))
		writeJSON(w, http.StatusOK, map[string]any{"key_id": n})
		return
	case "create", "revoke", "list":
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "no such endpoint"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case auth == "master":
	case isKey && s.userKeysManage:
	case isKey:
		writeJSON(w, http.StatusForbidden, map[string]any{"error": "API keys cannot manage keys; use the admin token"})
		return
	default:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid or revoked credential"})
		return
	}
	switch op {
	case "create":
		idem := r.Header.Get("Idempotency-Key")
		if s.idempotency && idem != "" {
			if kid, ok := s.idem[idem]; ok {
				writeJSON(w, http.StatusCreated, keyAnswer(s.keys[kid]))
				return
			}
		}
		var body struct {
			Name string `json:"name"`
		}
		if data, _ := io.ReadAll(r.Body); len(data) > 0 {
			if err := json.Unmarshal(data, &body); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body is not JSON"})
				return
			}
		}
		if s.activeLocked() >= s.maxActive {
			writeJSON(w, http.StatusConflict, map[string]any{"error": fmt.Sprintf("too many active keys (at most %d)", s.maxActive)})
			return
		}
		k := s.newKeyLocked(body.Name, auth)
		if s.idempotency && idem != "" {
			s.idem[idem] = k.id
		}
		writeJSON(w, http.StatusCreated, keyAnswer(k))
	case "revoke":
		if id == idInBody {
			var body struct {
				ID int `json:"id"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "body must be {\"id\": <number>}"})
				return
			}
			id = body.ID
		}
		k, ok := s.keys[id]
		if !ok || !k.active {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "no active key with this id"})
			return
		}
		k.active = false
		w.WriteHeader(http.StatusNoContent)
	case "list":
		items := []any{}
		for _, k := range s.keys {
			if k.active {
				items = append(items, map[string]any{"id": k.id, "name": k.name, "active": true})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": items})
	}
}

func keyAnswer(k *svcKey) map[string]any {
	return map[string]any{"data": map[string]any{"keys": []any{map[string]any{"id": k.id, "secret": k.value, "name": k.name}}}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
