package apikey_test

import (
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestMasterCredentialOnlyToAllowedHosts plays an attacker who can write an app's secret
// but not the master secret, and runs a key service of its own (with a certificate the
// function trusts, as a public CA's would be): the master credential never reaches it.
// Without APIKEY_ALLOWED_HOSTS an alternating function refuses to run, and auto refuses a
// secret with a masterarn; with it, a URL to another host is refused.
func TestMasterCredentialOnlyToAllowedHosts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"alternating without an allowlist", map[string]string{rotation.EnvStrategy: "alternating"},
			"refused by rule APIKEY_ALLOWED_HOSTS: a master credential is sent only to the hosts the function's configuration lists"},
		{"auto without an allowlist", map[string]string{rotation.EnvStrategy: "auto"},
			"refused by rule APIKEY_ALLOWED_HOSTS: a master credential is sent only to the hosts the function's configuration lists"},
		{"alternating with the allowlist", map[string]string{rotation.EnvStrategy: "alternating", apikey.EnvAllowedHosts: "LEGIT"},
			"which APIKEY_ALLOWED_HOSTS does not list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			evil := newKeyService(t)
			e.setVar(apikey.EnvCABundle, string(e.svc.ca.CertPEM)+string(evil.ca.CertPEM))
			for k, v := range tc.vars {
				e.setVar(k, strings.ReplaceAll(v, "LEGIT", e.svc.addr))
			}
			e.registerStrategy(apikey.FromEnv(e.lookup))
			masterARN := e.CreateSecret("admin", `{"api_key":"`+e.svc.master+`"}`)
			id0, key0 := e.svc.issue("app")
			arn := e.CreateSecret("app", e.secret(id0, key0, evil.settings(nil), map[string]any{"masterarn": masterARN}))
			e.logs.Forbid(e.svc.master, key0)
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, tc.want) {
				t.Fatalf("rotation %s: %s\nwant an error saying %q", rec.Outcome, rec.Error, tc.want)
			}
			e.checkNoSecrets("the error", rec.Error)
			if reqs := evil.log(); len(reqs) > 0 {
				t.Errorf("the attacker's service got %d requests (first %s %s)", len(reqs), reqs[0].method, reqs[0].path)
			}
			if !e.svc.works(key0) {
				t.Errorf("the current key stopped working")
			}
		})
	}
}

// TestStrategyIsConfiguration: ROTATION_STRATEGY decides, not the secret: it is required;
// single ignores a masterarn (the secret's own key manages keys, with a warning);
// alternating refuses a secret without one.
func TestStrategyIsConfiguration(t *testing.T) {
	t.Parallel()
	if _, err := apikey.OptionsFromEnv(func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "ROTATION_STRATEGY is not set") {
		t.Errorf("no ROTATION_STRATEGY: %v", err)
	}
	if _, err := apikey.New(apikey.Options{}); err == nil || !strings.Contains(err.Error(), "ROTATION_STRATEGY") {
		t.Errorf("no strategy: %v", err)
	}

	t.Run("single ignores masterarn", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.registerInProcess()
		masterARN := e.CreateSecret("admin", `{"api_key":"`+e.svc.master+`"}`)
		id0, key0 := e.svc.issue("app")
		arn := e.CreateSecret("app", e.secret(id0, key0, e.svc.settings(nil), map[string]any{"masterarn": masterARN}))
		if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
			t.Fatalf("rotation: %s", rec.Error)
		}
		e.checkCurrent(arn)
		for _, r := range e.svc.log() {
			if r.auth == "master" {
				t.Errorf("%s %s used the master credential", r.method, r.path)
			}
		}
		if !strings.Contains(e.logs.String(), "masterarn is ignored: ROTATION_STRATEGY is single") {
			t.Errorf("no warning about the ignored masterarn:\n%s", e.logs)
		}
	})
	t.Run("alternating needs masterarn", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.alternating()
		e.registerInProcess()
		id0, key0 := e.svc.issue("app")
		arn := e.CreateSecret("app", e.secret(id0, key0, e.svc.settings(nil), nil))
		rec := e.rotate(arn, 1)
		if rec.Outcome != "failed" || !strings.Contains(rec.Error, `"masterarn" is missing: ROTATION_STRATEGY=alternating`) {
			t.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
		}
		if e.svc.created() != 1 {
			t.Errorf("a key was created")
		}
	})
}
