package apikey_test

import (
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestBadConfig: a missing or invalid setting or secret field fails createSecret with a
// message naming it (and where it came from) before the service is asked for anything
// that changes it; the AWSCURRENT key keeps working and stays current.
func TestBadConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		settings map[string]any // over keyService.settings; nil values delete
		extra    map[string]any // secret fields; nil values delete
		vars     map[string]string
		master   string // master secret value ({MASTER} is the token)
		wantErr  []string
		// keyMade: the bad setting is only found in the service's answer, after the key was made.
		keyMade bool
	}{
		{
			name:     "missing create_url",
			settings: map[string]any{"create_url": nil},
			wantErr:  []string{`setting "create_url" is missing (set "create_url" in the secret's "rotation" object, or the environment variable APIKEY_CREATE_URL)`},
		},
		{
			name:     "empty test_url from the environment",
			settings: map[string]any{"test_url": nil},
			vars:     map[string]string{"APIKEY_TEST_URL": " "},
			wantErr:  []string{`setting "test_url" from environment variable APIKEY_TEST_URL is empty`},
		},
		{
			name:     "key_path that is not a path",
			settings: map[string]any{"key_path": "data..secret"},
			wantErr:  []string{`setting "key_path" from secret field "rotation.key_path" is invalid: JSON path "data..secret" has an empty segment`},
		},
		{
			name:     "key_path not in the answer",
			settings: map[string]any{"key_path": "data.keys[0].key"},
			wantErr:  []string{`read the key from the create answer (HTTP 201) at key_path "data.keys[0].key": $.data.keys[0] has no field "key" (its fields: id, name, secret)`},
			keyMade:  true,
		},
		{
			name:     "key_id_path past the end of an array",
			settings: map[string]any{"key_id_path": "data.keys[1].id"},
			wantErr:  []string{`at key_id_path "data.keys[1].id": $.data.keys has 1 items, no index 1`},
			keyMade:  true,
		},
		{
			name:     "plain http",
			settings: map[string]any{"test_url": "http://127.0.0.1/v1/whoami"},
			wantErr:  []string{`setting "test_url" from secret field "rotation.test_url" must be an https:// URL, not "http://"`},
		},
		{
			name:     "revoke_url without {id}",
			settings: map[string]any{"revoke_url": "https://127.0.0.1/v1/keys"},
			wantErr:  []string{`setting "revoke_url" from secret field "rotation.revoke_url" has no {id} placeholder`},
		},
		{
			name:     "unknown placeholder",
			settings: map[string]any{"revoke_url": "https://127.0.0.1/v1/keys/{key}"},
			wantErr:  []string{`setting "revoke_url" from secret field "rotation.revoke_url" has an unknown {placeholder} (known here: {id})`},
		},
		{
			name:     "misspelt setting",
			settings: map[string]any{"revoke_mod": "overlap"},
			wantErr:  []string{`secret field "rotation" has unknown settings revoke_mod`},
		},
		{
			name:     "bad revoke_mode",
			settings: map[string]any{"revoke_mode": "sometimes"},
			wantErr:  []string{`setting "revoke_mode" from secret field "rotation.revoke_mode" is "sometimes"; want one of immediate, overlap`},
		},
		{
			name:     "auth_scheme without {key}",
			settings: map[string]any{"auth_scheme": "Bearer"},
			wantErr:  []string{`setting "auth_scheme" from secret field "rotation.auth_scheme" must contain {key} once`},
		},
		{
			name:     "max_attempts out of range",
			vars:     map[string]string{"APIKEY_MAX_ATTEMPTS": "0"},
			wantErr:  []string{`setting "max_attempts" from environment variable APIKEY_MAX_ATTEMPTS must be an integer from 1 to 20`},
			settings: map[string]any{},
		},
		{
			name:    "rotation is not an object",
			extra:   map[string]any{"rotation": "yes"},
			wantErr: []string{`current secret: secret field "rotation" must be a JSON object of rotation settings`},
		},
		{
			name:    "missing key_id",
			extra:   map[string]any{"key_id": nil},
			wantErr: []string{`current secret: secret field "key_id" is missing`},
		},
		{
			name:    "missing api_key",
			extra:   map[string]any{"api_key": nil},
			wantErr: []string{`current secret: secret field "api_key" is missing`},
		},
		{
			name:    "host not allowed",
			vars:    map[string]string{apikey.EnvAllowedHosts: "api.example.com, 127.0.0.1:1"},
			wantErr: []string{`setting "create_url" from secret field "rotation.create_url" points to host "127.0.0.1:`, `which APIKEY_ALLOWED_HOSTS does not list`},
		},
		{
			name:    "service certificate from an unknown CA",
			vars:    map[string]string{apikey.EnvCABundle: ""},
			wantErr: []string{"POST https://127.0.0.1:", "certificate signed by unknown authority", "(1 attempt)"},
		},
		{
			name:    "master secret without the credential field",
			extra:   map[string]any{"masterarn": "MASTER"},
			vars:    map[string]string{rotation.EnvStrategy: "alternating", apikey.EnvAllowedHosts: "127.0.0.1"},
			master:  `{"username":"admin"}`,
			wantErr: []string{`master secret arn:aws:secretsmanager:`, `secret field "api_key" is missing (setting master_key_field names the field holding the master credential)`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			for k, v := range tc.vars {
				e.setVar(k, v)
			}
			e.registerInProcess()
			id0, key0 := e.svc.issue("app")
			if tc.master != "" {
				tc.extra["masterarn"] = e.CreateSecret("master", tc.master)
			}
			var settings map[string]any
			if tc.extra["rotation"] == nil {
				settings = e.svc.settings(tc.settings)
			}
			arn := e.CreateSecret("api", e.secret(id0, key0, settings, tc.extra))
			before := emulatortest.Holder(e.Stages(arn), rotation.StageCurrent)
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation %s, want failed", rec.Outcome)
			}
			if len(rec.Steps) != 1 || rec.Steps[0].Step != string(rotation.StepCreate) {
				t.Errorf("steps %+v, want createSecret failing", rec.Steps)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(rec.Error, w) {
					t.Errorf("error does not say %q:\n%s", w, rec.Error)
				}
			}
			t.Logf("error: %s", rec.Error)
			e.checkNoSecrets("the error", rec.Error)
			e.checkNoSecrets("the log", e.logs.String())
			if !e.svc.works(key0) {
				t.Errorf("the current key stopped working")
			}
			if emulatortest.Holder(e.Stages(arn), rotation.StageCurrent) != before {
				t.Errorf("AWSCURRENT moved")
			}
			made := e.svc.created() - 1
			if !tc.keyMade && made != 0 {
				t.Errorf("%d keys were made despite the bad configuration", made)
			}
			for _, r := range e.svc.log() {
				if !tc.keyMade && r.op != "list" && r.op != "test" {
					t.Errorf("the service got %s %s despite the bad configuration", r.method, r.path)
				}
			}
		})
	}
}

// TestSettingsPrecedence: a setting in the secret wins over its environment variable, and
// a secret without a "rotation" object is configured by the environment alone.
func TestSettingsPrecedence(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setVar("APIKEY_CREATE_URL", "https://127.0.0.1:1/not-this-one")
	e.setVar("APIKEY_REVOKE_MODE", "overlap")
	e.svc.configure(func(s *keyService) { s.maxActive = 4 }) // two secrets, overlapping keys
	e.registerInProcess()
	id0, key0 := e.svc.issue("app")
	arn := e.CreateSecret("api", e.secret(id0, key0, e.svc.settings(nil), nil))
	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation with create_url in the secret and a wrong APIKEY_CREATE_URL: %s", rec.Error)
	}
	if !e.svc.works(key0) {
		t.Errorf("APIKEY_REVOKE_MODE=overlap ignored: the replaced key was revoked")
	}

	for k, v := range e.svc.settings(map[string]any{"revoke_mode": "immediate"}) {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("setting %s is not a string", k)
		}
		e.setVar("APIKEY_"+strings.ToUpper(k), s)
	}
	id1, key1 := e.svc.issue("other")
	envOnly := e.CreateSecret("env-only", e.secret(id1, key1, nil, nil))
	if rec := e.rotate(envOnly, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation configured by the environment only: %s", rec.Error)
	}
	e.checkCurrent(envOnly)
	if e.svc.works(key1) {
		t.Errorf("APIKEY_REVOKE_MODE=immediate ignored: the replaced key still works")
	}
}
