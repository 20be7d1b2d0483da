package apikey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// EnvPrefix prefixes the environment variable of every setting: create_url is read from
// APIKEY_CREATE_URL when the secret's "rotation" object does not set it.
const EnvPrefix = "APIKEY_"

// Environment variables that only the function's configuration can set (never a secret),
// because they decide whom the rotator trusts.
const (
	// EnvCABundle adds certificate authorities to the system roots for the service's TLS
	// certificates: a path to a PEM file, or the PEM text itself.
	EnvCABundle = "APIKEY_CA_BUNDLE"
	// EnvAllowedHosts, when set, is a comma-separated list of host names (or host:port)
	// that the create, test, revoke and list URLs must point to. It keeps a secret's
	// "rotation" settings from sending a key, or the master credential, anywhere else.
	EnvAllowedHosts = "APIKEY_ALLOWED_HOSTS"
)

// ConfigError reports a setting that is missing or invalid. Its message names the setting,
// where its value came from (a secret field or an environment variable), and never quotes
// a secret value.
type ConfigError struct {
	Setting string // e.g. "create_url"
	Source  string // e.g. `secret field "rotation.create_url"`; empty when the setting is missing
	Problem string
}

func (e *ConfigError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("setting %q %s (set %q in the secret's %q object, or the environment variable %s)",
			e.Setting, e.Problem, e.Setting, FieldConfig, envName(e.Setting))
	}
	return fmt.Sprintf("setting %q from %s %s", e.Setting, e.Source, e.Problem)
}

func envName(setting string) string { return EnvPrefix + strings.ToUpper(setting) }

// settings reads settings from the secret's "rotation" object, then from the environment.
type settings struct {
	obj    map[string]json.RawMessage
	lookup func(string) (string, bool)
}

// newSettings reads the "rotation" object of s (absent or null: no settings in the secret).
func newSettings(s *rotation.Secret, lookup func(string) (string, bool)) (*settings, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	st := &settings{lookup: lookup}
	if s == nil {
		return st, nil
	}
	raw, ok := s.Raw(FieldConfig)
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return st, nil
	}
	if err := json.Unmarshal(raw, &st.obj); err != nil || st.obj == nil {
		return nil, &rotation.FieldError{Field: FieldConfig, Problem: "must be a JSON object of rotation settings"}
	}
	return st, nil
}

// raw returns the value of a setting and where it came from; ok is false when neither the
// secret nor the environment sets it (an empty environment variable does not set it).
func (s *settings) raw(name string) (val json.RawMessage, source string, ok bool) {
	if v, found := s.obj[name]; found && string(bytes.TrimSpace(v)) != "null" {
		return v, fmt.Sprintf("secret field %q", FieldConfig+"."+name), true
	}
	if v, found := s.lookup(envName(name)); found && v != "" {
		b, _ := json.Marshal(v)
		return b, "environment variable " + envName(name), true
	}
	return nil, "", false
}

// str returns a string setting, def when unset.
func (s *settings) str(name, def string) (string, string, error) {
	raw, src, ok := s.raw(name)
	if !ok {
		return def, "", nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", src, &ConfigError{Setting: name, Source: src, Problem: "must be a string"}
	}
	return v, src, nil
}

// required returns a string setting that must be set and not blank.
func (s *settings) required(name string) (string, string, error) {
	v, src, err := s.str(name, "")
	if err != nil {
		return "", src, err
	}
	if strings.TrimSpace(v) == "" {
		if src == "" {
			return "", "", &ConfigError{Setting: name, Problem: "is missing"}
		}
		return "", src, &ConfigError{Setting: name, Source: src, Problem: "is empty"}
	}
	return v, src, nil
}

// body returns a setting that may be a JSON object or array in the secret (a request body
// template), or a string. A string must be JSON once its placeholders are filled in, so
// that a number can be written without quotes ({"id": {id}}).
func (s *settings) body(name string, placeholders ...string) (string, string, error) {
	raw, src, ok := s.raw(name)
	if !ok {
		return "", "", nil
	}
	var v string
	if json.Unmarshal(raw, &v) == nil {
		probe := v
		for _, p := range placeholders {
			probe = strings.ReplaceAll(probe, p, "0")
		}
		if strings.TrimSpace(v) != "" && !json.Valid([]byte(probe)) {
			return "", src, &ConfigError{Setting: name, Source: src, Problem: "is not valid JSON (with its placeholders filled in)"}
		}
		return v, src, nil
	}
	switch bytes.TrimSpace(raw)[0] {
	case '{', '[':
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return "", src, &ConfigError{Setting: name, Source: src, Problem: "is not valid JSON"}
		}
		return compact.String(), src, nil
	}
	return "", src, &ConfigError{Setting: name, Source: src, Problem: "must be a JSON object, or a string holding JSON"}
}

// integer returns a positive integer setting (a JSON number or a string of digits).
func (s *settings) integer(name string, def, maxV int) (int, error) {
	raw, src, ok := s.raw(name)
	if !ok {
		return def, nil
	}
	text := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 1 || n > maxV {
		return 0, &ConfigError{Setting: name, Source: src, Problem: fmt.Sprintf("must be an integer from 1 to %d", maxV)}
	}
	return n, nil
}

// duration returns a duration setting: a Go duration string ("10s", "250ms") or a number
// of seconds.
func (s *settings) duration(name string, def, minV, maxV time.Duration) (time.Duration, error) {
	raw, src, ok := s.raw(name)
	if !ok {
		return def, nil
	}
	bad := &ConfigError{Setting: name, Source: src, Problem: fmt.Sprintf(`must be a duration from %s to %s, such as "10s" or a number of seconds`, minV, maxV)}
	var d time.Duration
	var text string
	if json.Unmarshal(raw, &text) == nil {
		text = strings.TrimSpace(text)
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			d = time.Duration(f * float64(time.Second))
		} else if d, err = time.ParseDuration(text); err != nil {
			return 0, bad
		}
	} else {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return 0, bad
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d < minV || d > maxV {
		return 0, bad
	}
	return d, nil
}

// oneOf returns a string setting that must be one of the allowed values (case-insensitive);
// the result is the allowed spelling.
func (s *settings) oneOf(name, def string, allowed ...string) (string, error) {
	v, src, err := s.str(name, def)
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(v), a) {
			return a, nil
		}
	}
	return "", &ConfigError{Setting: name, Source: src, Problem: fmt.Sprintf("is %q; want one of %s", v, strings.Join(allowed, ", "))}
}

// unknown returns the settings in the secret's object that are not in known, sorted.
func (s *settings) unknown(known []string) []string {
	var out []string
	for k := range s.obj {
		if !slices.Contains(known, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// checkURL validates an https URL setting against the allowed hosts. The placeholders
// listed may appear in the path and query.
func checkURL(name, src, raw string, allowed []string, placeholders ...string) error {
	probe := raw
	for _, p := range placeholders {
		probe = strings.ReplaceAll(probe, p, "x")
	}
	if strings.ContainsAny(probe, "{}") {
		known := "none"
		if len(placeholders) > 0 {
			known = strings.Join(placeholders, ", ")
		}
		return &ConfigError{Setting: name, Source: src, Problem: "has an unknown {placeholder} (known here: " + known + ")"}
	}
	u, err := url.Parse(probe)
	if err != nil {
		return &ConfigError{Setting: name, Source: src, Problem: "is not a valid URL"}
	}
	if u.Scheme != "https" {
		return &ConfigError{Setting: name, Source: src, Problem: fmt.Sprintf("must be an https:// URL, not %q (keys are only sent over verified TLS)", u.Scheme+"://")}
	}
	if u.Host == "" {
		return &ConfigError{Setting: name, Source: src, Problem: "has no host"}
	}
	if _, after, ok := strings.Cut(raw, "://"); ok {
		if end := strings.IndexAny(after, "/?#"); end >= 0 {
			after = after[:end]
		}
		if strings.ContainsAny(after, "{}") {
			return &ConfigError{Setting: name, Source: src, Problem: "has a placeholder in its host; placeholders are allowed only in the path and query"}
		}
	}
	if len(allowed) > 0 && !hostAllowed(u, allowed) {
		return &ConfigError{Setting: name, Source: src, Problem: fmt.Sprintf("points to host %q, which %s does not list", u.Host, EnvAllowedHosts)}
	}
	return nil
}

func hostAllowed(u *url.URL, allowed []string) bool {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		port = "443"
	}
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if h, p, err := net.SplitHostPort(a); err == nil {
			if strings.Trim(h, "[]") == host && p == port {
				return true
			}
			continue
		}
		if strings.Trim(a, "[]") == host {
			return true
		}
	}
	return false
}

// allowedHosts reads APIKEY_ALLOWED_HOSTS (environment only).
func allowedHosts(lookup func(string) (string, bool)) []string {
	v, _ := lookup(EnvAllowedHosts)
	var out []string
	for h := range strings.SplitSeq(v, ",") {
		if h = strings.TrimSpace(h); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// validHeaderName reports whether name is an HTTP header field name (RFC 9110 token).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
