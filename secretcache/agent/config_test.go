package agent

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// awsConfigFile is a configuration file of the AWS Secrets Manager Agent with every key,
// numbers written as strings as in its README.
const awsConfigFile = `log_level = "DEBUG"
log_to_file = false
http_port = "2774"
region = "eu-west-1"
ttl_seconds = "120"
cache_size = "10"
max_conn = "5"
ssrf_headers = ["X-My-Token"]
ssrf_env_variables = ["MY_TOKEN", "AWS_TOKEN"]
path_prefix = "/v2/"
ignore_transient_errors = false
validate_credentials = false
`

func TestParseConfig(t *testing.T) {
	tokenFile := writeFile(t, "token", "from-file\n")
	full := writeFile(t, "full.toml", awsConfigFile)
	ints := writeFile(t, "ints.toml", "http_port = 2775\nttl_seconds = 0\ncache_size = 1000\n")
	tok := map[string]string{"AWS_TOKEN": "t"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{"AWS_TOKEN": "t"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{"the AWS agent's defaults", nil, tok, "", func(t *testing.T, c config) {
			if c.port != 2773 || c.address != "127.0.0.1" || c.ttl != 300*time.Second || c.cacheSize != 1000 || c.maxConn != 800 ||
				c.token != "t" || c.timeout != 0 || c.pathPrefix != "/v1/" || !c.ignoreTransient || !c.validateCredentials ||
				!slices.Equal(c.ssrfHeaders, []string{"X-Aws-Parameters-Secrets-Token", "X-Vault-Token"}) ||
				!slices.Equal(c.ssrfEnv, []string{"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}) ||
				c.smConns != 0 || c.extension || !c.caching() || c.staleIfError != time.Hour {
				t.Fatalf("%+v", c)
			}
		}},
		{"the Lambda extension's defaults", nil, with(envRuntimeAPI, "127.0.0.1:9001"), "", func(t *testing.T, c config) {
			if !c.extension || c.smConns != 3 || c.ttl != 300*time.Second || c.cacheSize != 1000 || c.timeout != 0 {
				t.Fatalf("%+v", c)
			}
		}},
		{"AWS_SESSION_TOKEN when AWS_TOKEN is unset", nil, map[string]string{"AWS_SESSION_TOKEN": "s"}, "", func(t *testing.T, c config) {
			if c.token != "s" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"AWS_CONTAINER_AUTHORIZATION_TOKEN (SnapStart)", nil, map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "c"}, "", func(t *testing.T, c config) {
			if c.token != "c" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"AWS_TOKEN first", nil, map[string]string{"AWS_TOKEN": "t", "AWS_SESSION_TOKEN": "s", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "c"}, "", func(t *testing.T, c config) {
			if c.token != "t" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"token from a file", nil, map[string]string{"AWS_SESSION_TOKEN": "file://" + tokenFile}, "", func(t *testing.T, c config) {
			if c.token != "from-file" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"no token", nil, nil, "no SSRF token", nil},
		{"missing token file", nil, map[string]string{"AWS_TOKEN": "file:///nonexistent/token"}, "token file", nil},
		{"the AWS agent's configuration file", []string{"-config", full}, map[string]string{"MY_TOKEN": "mine", "AWS_TOKEN": "t"}, "", func(t *testing.T, c config) {
			if c.logLevel != "DEBUG" || c.port != 2774 || c.region != "eu-west-1" || c.ttl != 2*time.Minute || c.cacheSize != 10 || c.maxConn != 5 ||
				!slices.Equal(c.ssrfHeaders, []string{"X-My-Token"}) || c.token != "mine" || c.pathPrefix != "/v2/" || c.ignoreTransient || c.validateCredentials {
				t.Fatalf("%+v", c)
			}
		}},
		{"numbers as TOML integers; ttl_seconds 0 turns caching off", []string{"--config", ints}, tok, "", func(t *testing.T, c config) {
			if c.port != 2775 || c.ttl != 0 || c.caching() {
				t.Fatalf("%+v", c)
			}
		}},
		{"unknown key", []string{"-config", writeFile(t, "u.toml", "ttl = 5\n")}, tok, `unknown key "ttl"`, nil},
		{"ttl_seconds above 3600", []string{"-config", writeFile(t, "t.toml", "ttl_seconds = 3601\n")}, tok, "ttl_seconds", nil},
		{"cache_size 0 in the file", []string{"-config", writeFile(t, "c.toml", "cache_size = 0\n")}, tok, "cache_size", nil},
		{"privileged http_port", []string{"-config", writeFile(t, "p.toml", "http_port = 80\n")}, tok, "1024 to 65535", nil},
		{"path_prefix without /", []string{"-config", writeFile(t, "x.toml", `path_prefix = "v1"`+"\n")}, tok, "path_prefix", nil},
		{"empty ssrf_headers", []string{"-config", writeFile(t, "h.toml", "ssrf_headers = []\n")}, tok, "ssrf_headers", nil},
		{"not TOML", []string{"-config", writeFile(t, "n.toml", "ttl_seconds = = 1\n")}, tok, "n.toml", nil},
		{"missing file", []string{"-config", "/nonexistent/agent.toml"}, tok, "/nonexistent/agent.toml", nil},
		{"the extension's environment", nil, with(envPort, "9000", envTTL, "60", envCacheSize, "5", envTimeout, "1500", envLogLevel, "debug", envMaxConns, "7"), "", func(t *testing.T, c config) {
			if c.port != 9000 || c.ttl != time.Minute || c.cacheSize != 5 || c.timeout != 1500*time.Millisecond || c.logLevel != "debug" || c.smConns != 7 || c.maxConn != 800 {
				t.Fatalf("%+v", c)
			}
		}},
		{"SECRETS_MANAGER_TTL=0: no caching", nil, with(envTTL, "0"), "", func(t *testing.T, c config) {
			if c.caching() {
				t.Fatalf("%+v", c)
			}
		}},
		{"CACHE_SIZE=0: no caching", nil, with(envCacheSize, "0"), "", func(t *testing.T, c config) {
			if c.caching() {
				t.Fatalf("%+v", c)
			}
		}},
		{"CACHE_ENABLED=false: no caching", nil, with(envCacheEnabled, "false"), "", func(t *testing.T, c config) {
			if c.caching() {
				t.Fatalf("%+v", c)
			}
		}},
		{"TIMEOUT_MILLIS=0: no timeout", nil, with(envTimeout, "0"), "", func(t *testing.T, c config) {
			if c.timeout != 0 {
				t.Fatalf("%+v", c)
			}
		}},
		{"environment over the file", []string{"-config", full}, with("MY_TOKEN", "m", envTTL, "30"), "", func(t *testing.T, c config) {
			if c.ttl != 30*time.Second || c.cacheSize != 10 {
				t.Fatalf("%+v", c)
			}
		}},
		{"flags over the environment", []string{"-port", "9001", "-ttl", "2m", "-ignore-transient-errors=false"}, with(envPort, "9000", envTTL, "60"), "", func(t *testing.T, c config) {
			if c.port != 9001 || c.ttl != 2*time.Minute || c.ignoreTransient {
				t.Fatalf("%+v", c)
			}
		}},
		{"ttl above an hour", []string{"-ttl", "2h"}, tok, "ttl", nil},
		{"ipv6 loopback", []string{"-address", "::1"}, tok, "", nil},
		{"localhost", []string{"-address", "localhost"}, tok, "", func(t *testing.T, c config) {
			if listenAddress(c) != "127.0.0.1:2773" {
				t.Fatal(listenAddress(c))
			}
		}},
		{"all interfaces refused", []string{"-address", "0.0.0.0"}, tok, "loopback", nil},
		{"ipv6 any refused", []string{"-address", "::"}, tok, "loopback", nil},
		{"private address refused", []string{"-address", "10.1.2.3"}, tok, "loopback", nil},
		{"host name refused", []string{"-address", "example.com"}, tok, "loopback", nil},
		{"bad port in the environment", nil, with(envPort, "http"), envPort, nil},
		{"bad log level", []string{"-log-level", "loud"}, tok, "log level", nil},
		{"stray argument", []string{"serve"}, tok, "unexpected", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseConfig(tc.args, envOf(tc.env), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one about %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}
