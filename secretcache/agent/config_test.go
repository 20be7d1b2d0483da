package agent

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{"defaults", nil, map[string]string{"AWS_TOKEN": "t"}, "", func(t *testing.T, c config) {
			if c.port != 2773 || c.address != "127.0.0.1" || c.ttl != 300*time.Second || c.cacheSize != 1000 || c.token != "t" || c.timeout != 30*time.Second {
				t.Fatalf("%+v", c)
			}
		}},
		{"AWS_SESSION_TOKEN when AWS_TOKEN is unset", nil, map[string]string{"AWS_SESSION_TOKEN": "s"}, "", func(t *testing.T, c config) {
			if c.token != "s" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"AWS_TOKEN first", nil, map[string]string{"AWS_TOKEN": "t", "AWS_SESSION_TOKEN": "s"}, "", func(t *testing.T, c config) {
			if c.token != "t" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"token from a file", nil, map[string]string{"AWS_TOKEN": "file://" + tokenFile}, "", func(t *testing.T, c config) {
			if c.token != "from-file" {
				t.Fatalf("token %q", c.token)
			}
		}},
		{"no token", nil, nil, "no SSRF token", nil},
		{"missing token file", nil, map[string]string{"AWS_TOKEN": "file:///nonexistent/token"}, "token file", nil},
		{"environment", nil, map[string]string{"AWS_TOKEN": "t", envPort: "9000", envTTL: "60", envCacheSize: "5", envTimeout: "1500", envLogLevel: "debug"}, "", func(t *testing.T, c config) {
			if c.port != 9000 || c.ttl != time.Minute || c.cacheSize != 5 || c.timeout != 1500*time.Millisecond || c.logLevel != "debug" {
				t.Fatalf("%+v", c)
			}
		}},
		{"flags win over the environment", []string{"-port", "9001", "-ttl", "2m"}, map[string]string{"AWS_TOKEN": "t", envPort: "9000", envTTL: "60"}, "", func(t *testing.T, c config) {
			if c.port != 9001 || c.ttl != 2*time.Minute {
				t.Fatalf("%+v", c)
			}
		}},
		{"ipv6 loopback", []string{"-address", "::1"}, map[string]string{"AWS_TOKEN": "t"}, "", nil},
		{"localhost", []string{"-address", "localhost"}, map[string]string{"AWS_TOKEN": "t"}, "", func(t *testing.T, c config) {
			if listenAddress(c) != "127.0.0.1:2773" {
				t.Fatal(listenAddress(c))
			}
		}},
		{"all interfaces refused", []string{"-address", "0.0.0.0"}, map[string]string{"AWS_TOKEN": "t"}, "loopback", nil},
		{"ipv6 any refused", []string{"-address", "::"}, map[string]string{"AWS_TOKEN": "t"}, "loopback", nil},
		{"private address refused", []string{"-address", "10.1.2.3"}, map[string]string{"AWS_TOKEN": "t"}, "loopback", nil},
		{"host name refused", []string{"-address", "example.com"}, map[string]string{"AWS_TOKEN": "t"}, "loopback", nil},
		{"bad port in the environment", nil, map[string]string{"AWS_TOKEN": "t", envPort: "http"}, envPort, nil},
		{"ttl too short", []string{"-ttl", "0"}, map[string]string{"AWS_TOKEN": "t"}, "ttl", nil},
		{"bad log level", []string{"-log-level", "loud"}, map[string]string{"AWS_TOKEN": "t"}, "log-level", nil},
		{"stray argument", []string{"serve"}, map[string]string{"AWS_TOKEN": "t"}, "unexpected", nil},
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
