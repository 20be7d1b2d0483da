package apikey

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Settings of the HTTP contract. Each is read from the secret's "rotation" object, else
// from the environment variable APIKEY_<NAME IN UPPER CASE>.
const (
	SettingCreateURL         = "create_url"
	SettingCreateMethod      = "create_method"
	SettingCreateBody        = "create_body"
	SettingKeyPath           = "key_path"
	SettingKeyIDPath         = "key_id_path"
	SettingTestURL           = "test_url"
	SettingTestMethod        = "test_method"
	SettingRevokeURL         = "revoke_url"
	SettingRevokeMethod      = "revoke_method"
	SettingRevokeBody        = "revoke_body"
	SettingAuthHeader        = "auth_header"
	SettingAuthScheme        = "auth_scheme"
	SettingMasterAuthHeader  = "master_auth_header"
	SettingMasterAuthScheme  = "master_auth_scheme"
	SettingIdempotencyHeader = "idempotency_header"
	SettingListURL           = "list_url"
	SettingListItemsPath     = "list_items_path"
	SettingListIDPath        = "list_id_path"
	SettingListNamePath      = "list_name_path"
	SettingTimeout           = "timeout"
	SettingMaxAttempts       = "max_attempts"
	SettingRetryBaseDelay    = "retry_base_delay"
	SettingRetryMaxDelay     = "retry_max_delay"
)

// knownSettings are every setting the "rotation" object may hold.
var knownSettings = []string{
	SettingRevokeMode, SettingMasterKeyField,
	SettingCreateURL, SettingCreateMethod, SettingCreateBody, SettingKeyPath, SettingKeyIDPath,
	SettingTestURL, SettingTestMethod, SettingRevokeURL, SettingRevokeMethod, SettingRevokeBody,
	SettingAuthHeader, SettingAuthScheme, SettingMasterAuthHeader, SettingMasterAuthScheme,
	SettingIdempotencyHeader, SettingListURL, SettingListItemsPath, SettingListIDPath,
	SettingListNamePath, SettingTimeout, SettingMaxAttempts, SettingRetryBaseDelay, SettingRetryMaxDelay,
}

// Defaults of the HTTP contract.
const (
	DefaultKeyPath           = "key"
	DefaultKeyIDPath         = "id"
	DefaultAuthHeader        = "Authorization"
	DefaultAuthScheme        = "Bearer {key}"
	DefaultIdempotencyHeader = "Idempotency-Key"
	DefaultTimeout           = 10 * time.Second
	DefaultMaxAttempts       = 5
	DefaultRetryBaseDelay    = 250 * time.Millisecond
	DefaultRetryMaxDelay     = 20 * time.Second
)

// HTTPService is the HTTP contract: a Service configured by the secret's "rotation" object
// and APIKEY_* environment variables. See the package documentation for the contract.
// Its Create, Test and Revoke use the environment's settings only; the strategy uses Bind.
type HTTPService struct {
	opts Options

	once   sync.Once
	hc     *http.Client
	hcErr  error
	sleep  func(context.Context, time.Duration) error // tests
	lookup func(string) (string, bool)
}

var (
	_ Service = (*HTTPService)(nil)
	_ Binder  = (*HTTPService)(nil)
)

// NewHTTPService returns the HTTP contract; it uses opts.LookupEnv and opts.Client.
func NewHTTPService(opts Options) *HTTPService {
	h := &HTTPService{opts: opts, lookup: opts.LookupEnv}
	if h.lookup == nil {
		h.lookup = os.LookupEnv
	}
	return h
}

// masterAllowed: the master credential goes only to the hosts the function's
// configuration lists. The URLs may come from the secret, which whoever rotates through
// this function can write; without the allowlist they would send the master anywhere.
func (h *HTTPService) masterAllowed() error {
	if len(allowedHosts(h.lookup)) == 0 {
		return fmt.Errorf("refused by rule %s: a master credential is sent only to the hosts the function's configuration lists; set %s to the key service's host names", EnvAllowedHosts, EnvAllowedHosts)
	}
	return nil
}

func (h *HTTPService) client() (*http.Client, error) {
	h.once.Do(func() {
		if h.opts.Client != nil {
			h.hc = h.opts.Client
			return
		}
		h.hc, h.hcErr = newHTTPClient(h.lookup)
	})
	return h.hc, h.hcErr
}

// httpConfig is the HTTP contract's settings for one secret.
type httpConfig struct {
	createURL, createMethod, createBody string
	keyPath, keyIDPath                  jsonPath
	testURL, testMethod                 string
	revokeURL, revokeMethod, revokeBody string
	authHeader, authScheme              string
	masterAuthHeader, masterAuthScheme  string
	idempotencyHeader                   string
	listURL                             string
	listItemsPath, listIDPath, listName jsonPath
	policy                              retryPolicy
}

// Bind reads the settings for secret (its "rotation" object over the environment) and
// checks them all.
func (h *HTTPService) Bind(_ context.Context, secret *rotation.Secret) (Service, error) {
	st, err := newSettings(secret, h.lookup)
	if err != nil {
		return nil, err
	}
	if unknown := st.unknown(knownSettings); len(unknown) > 0 {
		return nil, &rotation.FieldError{Field: FieldConfig, Problem: fmt.Sprintf("has unknown settings %s (known: %s)",
			strings.Join(unknown, ", "), strings.Join(knownSettings, ", "))}
	}
	cfg, err := readHTTPConfig(st, allowedHosts(h.lookup))
	if err != nil {
		return nil, err
	}
	hc, err := h.client()
	if err != nil {
		return nil, err
	}
	return &httpService{cfg: cfg, rc: &retryClient{hc: hc, policy: cfg.policy, sleep: h.sleep}}, nil
}

func readHTTPConfig(st *settings, allowed []string) (*httpConfig, error) {
	c := &httpConfig{}
	var err error
	var src string
	urlSetting := func(name string, required bool, placeholders ...string) (string, error) {
		var v, src string
		var err error
		if required {
			v, src, err = st.required(name)
		} else {
			v, src, err = st.str(name, "")
		}
		if err != nil || v == "" {
			return "", err
		}
		v = strings.TrimSpace(v)
		return v, checkURL(name, src, v, allowed, placeholders...)
	}
	if c.createURL, err = urlSetting(SettingCreateURL, true, "{key_id}", "{token}"); err != nil {
		return nil, err
	}
	if c.createMethod, err = st.oneOf(SettingCreateMethod, http.MethodPost, http.MethodPost, http.MethodPut); err != nil {
		return nil, err
	}
	if c.createBody, _, err = st.body(SettingCreateBody, "{token}", "{key_id}"); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		dst  *jsonPath
		name string
		def  string
	}{
		{&c.keyPath, SettingKeyPath, DefaultKeyPath},
		{&c.keyIDPath, SettingKeyIDPath, DefaultKeyIDPath},
		{&c.listItemsPath, SettingListItemsPath, "$"},
		{&c.listIDPath, SettingListIDPath, "id"},
		{&c.listName, SettingListNamePath, "name"},
	} {
		text, src, err := st.str(p.name, p.def)
		if err != nil {
			return nil, err
		}
		if *p.dst, err = parsePath(text); err != nil {
			return nil, &ConfigError{Setting: p.name, Source: src, Problem: "is invalid: " + err.Error()}
		}
	}
	if c.testURL, err = urlSetting(SettingTestURL, true, "{key_id}"); err != nil {
		return nil, err
	}
	if c.testMethod, err = st.oneOf(SettingTestMethod, http.MethodGet, http.MethodGet, http.MethodHead, http.MethodPost); err != nil {
		return nil, err
	}
	if c.revokeURL, err = urlSetting(SettingRevokeURL, true, "{id}"); err != nil {
		return nil, err
	}
	if c.revokeMethod, err = st.oneOf(SettingRevokeMethod, http.MethodDelete, http.MethodDelete, http.MethodPost, http.MethodPut, http.MethodPatch); err != nil {
		return nil, err
	}
	if c.revokeBody, src, err = st.body(SettingRevokeBody, "{id}"); err != nil {
		return nil, err
	}
	if !strings.Contains(c.revokeURL, "{id}") && !strings.Contains(c.revokeBody, "{id}") {
		_, src, _ = st.str(SettingRevokeURL, "")
		return nil, &ConfigError{Setting: SettingRevokeURL, Source: src, Problem: "has no {id} placeholder (nor has revoke_body): the request would not say which key to revoke"}
	}
	if c.authHeader, c.authScheme, err = authSettings(st, SettingAuthHeader, SettingAuthScheme, DefaultAuthHeader, DefaultAuthScheme); err != nil {
		return nil, err
	}
	if c.masterAuthHeader, c.masterAuthScheme, err = authSettings(st, SettingMasterAuthHeader, SettingMasterAuthScheme, c.authHeader, c.authScheme); err != nil {
		return nil, err
	}
	if c.idempotencyHeader, src, err = st.str(SettingIdempotencyHeader, DefaultIdempotencyHeader); err != nil {
		return nil, err
	}
	if c.idempotencyHeader = strings.TrimSpace(c.idempotencyHeader); strings.EqualFold(c.idempotencyHeader, "none") || c.idempotencyHeader == "" {
		c.idempotencyHeader = ""
	} else if !validHeaderName(c.idempotencyHeader) {
		return nil, &ConfigError{Setting: SettingIdempotencyHeader, Source: src, Problem: `is not a valid header name (use "none" to send no idempotency header)`}
	}
	if c.listURL, err = urlSetting(SettingListURL, false); err != nil {
		return nil, err
	}
	if c.policy.Timeout, err = st.duration(SettingTimeout, DefaultTimeout, 100*time.Millisecond, 10*time.Minute); err != nil {
		return nil, err
	}
	if c.policy.MaxAttempts, err = st.integer(SettingMaxAttempts, DefaultMaxAttempts, 20); err != nil {
		return nil, err
	}
	if c.policy.BaseDelay, err = st.duration(SettingRetryBaseDelay, DefaultRetryBaseDelay, time.Millisecond, time.Minute); err != nil {
		return nil, err
	}
	if c.policy.MaxDelay, err = st.duration(SettingRetryMaxDelay, DefaultRetryMaxDelay, time.Millisecond, 10*time.Minute); err != nil {
		return nil, err
	}
	c.policy.MaxDelay = max(c.policy.MaxDelay, c.policy.BaseDelay)
	return c, nil
}

func authSettings(st *settings, headerName, schemeName, defHeader, defScheme string) (string, string, error) {
	header, src, err := st.str(headerName, defHeader)
	if err != nil {
		return "", "", err
	}
	if header = strings.TrimSpace(header); !validHeaderName(header) {
		return "", "", &ConfigError{Setting: headerName, Source: src, Problem: "is not a valid HTTP header name"}
	}
	scheme, src, err := st.str(schemeName, defScheme)
	if err != nil {
		return "", "", err
	}
	if strings.Count(scheme, "{key}") != 1 {
		return "", "", &ConfigError{Setting: schemeName, Source: src, Problem: `must contain {key} once, where the key goes (e.g. "Bearer {key}" or "{key}")`}
	}
	if strings.ContainsAny(scheme, "\r\n") {
		return "", "", &ConfigError{Setting: schemeName, Source: src, Problem: "contains a line break"}
	}
	return header, scheme, nil
}

// httpService is the HTTP contract bound to one secret's settings.
type httpService struct {
	cfg *httpConfig
	rc  *retryClient
}

var (
	_ Service         = (*httpService)(nil)
	_ OrphanReclaimer = (*httpService)(nil)
)

func (h *httpService) auth(hdr http.Header, cred Credential) {
	name, scheme := h.cfg.authHeader, h.cfg.authScheme
	if cred.Master {
		name, scheme = h.cfg.masterAuthHeader, h.cfg.masterAuthScheme
	}
	hdr.Set(name, strings.Replace(scheme, "{key}", cred.Value, 1))
}

// expandURL fills placeholders, escaped so that a value stays one path segment or one
// query value ("/", "?", "&", "=", "#" and spaces are all escaped).
func expandURL(tmpl string, vars map[string]string) string {
	for k, v := range vars {
		tmpl = strings.ReplaceAll(tmpl, k, strings.ReplaceAll(url.QueryEscape(v), "+", "%20"))
	}
	return tmpl
}

// expandBody fills placeholders inside JSON strings, escaped for JSON.
func expandBody(tmpl string, vars map[string]string) []byte {
	if tmpl == "" {
		return nil
	}
	for k, v := range vars {
		b, _ := json.Marshal(v)
		tmpl = strings.ReplaceAll(tmpl, k, string(b[1:len(b)-1]))
	}
	return []byte(tmpl)
}

func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the answer is not JSON (%d bytes)", len(body))
	}
	return doc, nil
}

// Create POSTs to create_url, authenticated with cred, with the rotation token in the
// idempotency header, and reads the key and its id from the answer.
func (h *httpService) Create(ctx context.Context, req CreateRequest) (Key, error) {
	vars := map[string]string{"{key_id}": req.Replaces, "{token}": req.Token}
	hdr := http.Header{}
	h.auth(hdr, req.Credential)
	hdr.Set("Accept", "application/json")
	body := expandBody(h.cfg.createBody, vars)
	if body != nil {
		hdr.Set("Content-Type", "application/json")
	}
	if h.cfg.idempotencyHeader != "" && req.Token != "" {
		hdr.Set(h.cfg.idempotencyHeader, req.Token)
	}
	resp, err := h.rc.do(ctx, request{
		op: "create a key", method: h.cfg.createMethod, url: expandURL(h.cfg.createURL, vars),
		header: hdr, body: body, idempotent: h.cfg.idempotencyHeader != "", secrets: []string{req.Credential.Value},
	})
	if err != nil {
		return Key{}, err
	}
	// From here on the service has made a key. If it cannot be read, say so: with an
	// idempotency header, the next attempt of this rotation gets the same key back.
	leak := "the service made a key that the rotator could not read; with the idempotency header the next attempt of this rotation gets it back, otherwise revoke it by hand"
	doc, err := decodeJSON(resp.body)
	if err != nil {
		return Key{}, fmt.Errorf("read the create answer (HTTP %d): %w; %s", resp.status, err, leak)
	}
	value, err := h.cfg.keyPath.lookupString(doc, false)
	if err != nil {
		return Key{}, fmt.Errorf("read the key from the create answer (HTTP %d) at %s %q: %w; %s", resp.status, SettingKeyPath, h.cfg.keyPath, err, leak)
	}
	id, err := h.cfg.keyIDPath.lookupString(doc, true)
	if err != nil {
		return Key{}, fmt.Errorf("read the key's id from the create answer (HTTP %d) at %s %q: %w; %s", resp.status, SettingKeyIDPath, h.cfg.keyIDPath, err, leak)
	}
	if strings.ContainsFunc(value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return Key{}, fmt.Errorf("the key in the create answer at %s %q contains a control character, which cannot be sent in an HTTP header", SettingKeyPath, h.cfg.keyPath)
	}
	return Key{ID: id, Value: value}, nil
}

// Test requests test_url with the key; any 2xx answer passes.
func (h *httpService) Test(ctx context.Context, key Key) error {
	hdr := http.Header{}
	h.auth(hdr, Credential{Value: key.Value})
	_, err := h.rc.do(ctx, request{
		op: "test the key " + key.ID, method: h.cfg.testMethod, url: expandURL(h.cfg.testURL, map[string]string{"{key_id}": key.ID}),
		header: hdr, idempotent: true, secrets: []string{key.Value},
	})
	return err
}

// Revoke requests revoke_url for the key id; 2xx, 404 and 410 (already gone) pass.
func (h *httpService) Revoke(ctx context.Context, cred Credential, keyID string) error {
	vars := map[string]string{"{id}": keyID}
	hdr := http.Header{}
	h.auth(hdr, cred)
	body := expandBody(h.cfg.revokeBody, vars)
	if body != nil {
		hdr.Set("Content-Type", "application/json")
	}
	_, err := h.rc.do(ctx, request{
		op: "revoke the key " + keyID, method: h.cfg.revokeMethod, url: expandURL(h.cfg.revokeURL, vars),
		header: hdr, body: body, idempotent: true, ok: []int{http.StatusNotFound, http.StatusGone}, secrets: []string{cred.Value},
	})
	return err
}

// ReclaimOrphans lists the keys (list_url) and revokes those whose name contains the
// rotation token: keys that an earlier attempt of this rotation created, for services
// that do not honour the idempotency header and name keys from create_body's {token}.
func (h *httpService) ReclaimOrphans(ctx context.Context, cred Credential, token string) ([]string, error) {
	if h.cfg.listURL == "" || token == "" {
		return nil, nil
	}
	hdr := http.Header{}
	h.auth(hdr, cred)
	hdr.Set("Accept", "application/json")
	resp, err := h.rc.do(ctx, request{op: "list keys", method: http.MethodGet, url: h.cfg.listURL, header: hdr, idempotent: true, secrets: []string{cred.Value}})
	if err != nil {
		return nil, err
	}
	doc, err := decodeJSON(resp.body)
	if err != nil {
		return nil, fmt.Errorf("read the list answer (HTTP %d): %w", resp.status, err)
	}
	v, err := h.cfg.listItemsPath.lookup(doc)
	if err != nil {
		return nil, fmt.Errorf("read the keys from the list answer at %s %q: %w", SettingListItemsPath, h.cfg.listItemsPath, err)
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("the list answer at %s %q is %s, not an array", SettingListItemsPath, h.cfg.listItemsPath, kindOf(v))
	}
	var revoked []string
	for i, item := range items {
		name, err := h.cfg.listName.lookupString(item, true)
		if err != nil || !strings.Contains(name, token) {
			continue
		}
		id, err := h.cfg.listIDPath.lookupString(item, true)
		if err != nil {
			return revoked, fmt.Errorf("key %d of the list answer is named for this rotation but has no id at %s %q: %w", i, SettingListIDPath, h.cfg.listIDPath, err)
		}
		if slices.Contains(revoked, id) {
			continue
		}
		if err := h.Revoke(ctx, cred, id); err != nil {
			return revoked, err
		}
		revoked = append(revoked, id)
	}
	return revoked, nil
}

// Create, Test and Revoke of the unbound HTTPService use the environment's settings.

func (h *HTTPService) bound(ctx context.Context) (Service, error) { return h.Bind(ctx, nil) }

// Create creates a key with the environment's settings.
func (h *HTTPService) Create(ctx context.Context, req CreateRequest) (Key, error) {
	s, err := h.bound(ctx)
	if err != nil {
		return Key{}, err
	}
	return s.Create(ctx, req)
}

// Test tests a key with the environment's settings.
func (h *HTTPService) Test(ctx context.Context, key Key) error {
	s, err := h.bound(ctx)
	if err != nil {
		return err
	}
	return s.Test(ctx, key)
}

// Revoke revokes a key with the environment's settings.
func (h *HTTPService) Revoke(ctx context.Context, cred Credential, keyID string) error {
	s, err := h.bound(ctx)
	if err != nil {
		return err
	}
	return s.Revoke(ctx, cred, keyID)
}
