package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

// keyService is a small HTTP API that issues and revokes API keys, as a SaaS would:
// POST /v1/keys (authenticated with an active key) makes a key, GET /v1/me answers 200 to an
// active key, DELETE /v1/keys/{id} revokes one. It serves HTTPS on loopback with a
// certificate of a throwaway CA, as the apikey rotator only speaks verified HTTPS.
type keyService struct {
	Host   string // 127.0.0.1:port, for APIKEY_ALLOWED_HOSTS
	URL    string // https://127.0.0.1:port
	CAPEM  []byte
	srv    *http.Server
	mu     sync.Mutex
	keys   map[string]string // id -> key, active only
	nextID int
}

// startKeyService starts the service with one active key and returns it with its id.
func startKeyService(s *stage) (*keyService, string, string, error) {
	ca, err := testenv.NewCA("demo key service CA")
	if err != nil {
		return nil, "", "", err
	}
	certPEM, keyPEM, err := ca.Issue("127.0.0.1")
	if err != nil {
		return nil, "", "", err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, "", "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", "", err
	}
	k := &keyService{Host: ln.Addr().String(), CAPEM: ca.CertPEM, keys: map[string]string{}}
	k.URL = "https://" + k.Host
	k.srv = &http.Server{Handler: k, ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = k.srv.ServeTLS(ln, "", "") }()
	s.defer_(k.srv.Close)
	id, key := k.issue()
	return k, id, key, nil
}

func (k *keyService) issue() (id, key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.nextID++
	id = fmt.Sprintf("key_%d", k.nextID)
	key = "sk_demo_" + randomHex(16)
	k.keys[id] = key
	return id, key
}

// active reports whether key is an active key.
func (k *keyService) active(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, v := range k.keys {
		if v == key {
			return true
		}
	}
	return false
}

// ids are the ids of the active keys.
func (k *keyService) ids() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for id := range k.keys {
		out = append(out, id)
	}
	return out
}

func (k *keyService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !k.active(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) {
		http.Error(w, `{"error":"invalid key"}`, http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/keys":
		id, key := k.issue()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "key": key})
	case r.Method == http.MethodGet && r.URL.Path == "/v1/me":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v1/keys/"):
		k.mu.Lock()
		delete(k.keys, strings.TrimPrefix(r.URL.Path, "/v1/keys/"))
		k.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// get requests /v1/me with key, as a client of the service would.
func (k *keyService) get(key string) (int, error) {
	pool := x509Pool(k.CAPEM)
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	req, err := http.NewRequest(http.MethodGet, k.URL+"/v1/me", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// rotatorEnv is the apikey rotator's configuration for this service, as the
// api-key-rotation module would set it: the URLs, the CA, and the allowlist of hosts.
func (k *keyService) rotatorEnv(s *stage) (map[string]string, error) {
	ca, err := s.writeFile("keyservice-ca.pem", k.CAPEM)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"ROTATION_STRATEGY":    "single",
		"APIKEY_CREATE_URL":    k.URL + "/v1/keys",
		"APIKEY_TEST_URL":      k.URL + "/v1/me",
		"APIKEY_REVOKE_URL":    k.URL + "/v1/keys/{id}",
		"APIKEY_REVOKE_MODE":   "immediate",
		"APIKEY_CA_BUNDLE":     ca,
		"APIKEY_ALLOWED_HOSTS": k.Host,
	}, nil
}

// apiKeySecret is the secret of a key of this service.
func apiKeySecret(id, key string) string {
	b, _ := json.Marshal(map[string]string{"api_key": key, "key_id": id})
	return string(b)
}
