package apikey_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestRevokeModes rotates three times through the emulator (in-process) in each revoke
// mode, against a service that allows two active keys, and checks after every rotation
// which keys the service accepts, what the secret holds, and the staging labels.
func TestRevokeModes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		settings map[string]any
		header   string // how the service wants keys presented
		prefix   string
		overlap  bool
	}{
		{name: "immediate, Authorization Bearer", settings: map[string]any{"revoke_mode": "immediate"}, header: "Authorization", prefix: "Bearer "},
		{name: "default mode is immediate", settings: map[string]any{}, header: "Authorization", prefix: "Bearer "},
		{
			name:     "immediate, revoke by POST with the id in the body",
			settings: map[string]any{"revoke_url": "/v1/keys/revoke", "revoke_method": "POST", "revoke_body": `{"id": {id}}`},
			header:   "Authorization", prefix: "Bearer ",
		},
		{
			name:     "overlap, X-API-Key, POST revoke",
			settings: map[string]any{"revoke_mode": "overlap", "auth_header": "X-API-Key", "auth_scheme": "{key}", "revoke_method": "POST", "revoke_url": "/v1/keys/{id}/revoke"},
			header:   "X-API-Key", prefix: "", overlap: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.svc.configure(func(s *keyService) {
				s.header, s.prefix, s.masterHeader, s.masterPrefix = tc.header, tc.prefix, tc.header, tc.prefix
			})
			if u, ok := tc.settings["revoke_url"].(string); ok {
				tc.settings["revoke_url"] = e.svc.base + u
			}
			e.registerInProcess()
			id0, key0 := e.svc.issue("app")
			arn := e.CreateSecret("api", e.secret(id0, key0, e.svc.settings(tc.settings), nil))

			keys := []string{key0}
			ids := []string{id0}
			for n := 1; n <= 3; n++ {
				before := emulatortest.Holder(e.Stages(arn), rotation.StageCurrent)
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					t.Fatalf("rotation %d: %s\n%s", n, rec.Error, e.logs)
				}
				stages := e.Stages(arn)
				if emulatortest.Holder(stages, rotation.StageCurrent) != rec.Token || emulatortest.Holder(stages, rotation.StagePrevious) != before || emulatortest.Holder(stages, rotation.StagePending) != "" {
					t.Errorf("rotation %d: labels %v; want AWSCURRENT on %s, AWSPREVIOUS on %s, no AWSPENDING", n, stages, rec.Token, before)
				}
				cur := e.checkCurrent(arn)
				if slices.Contains(keys, cur.Key) || slices.Contains(ids, cur.ID) {
					t.Fatalf("rotation %d did not change the key (id %s)", n, cur.ID)
				}
				if deref(cur.PrevID) != ids[n-1] {
					t.Errorf("rotation %d: previous_key_id %s, want %s", n, deref(cur.PrevID), ids[n-1])
				}
				if prev := e.value(arn, rotation.StagePrevious); prev.Key != keys[n-1] {
					t.Errorf("rotation %d: AWSPREVIOUS is not the replaced key", n)
				}
				keys, ids = append(keys, cur.Key), append(ids, cur.ID)

				// The replaced key: revoked at once, or valid until the next rotation.
				replaced := e.svc.status(keys[n-1])
				if tc.overlap && replaced != 200 {
					t.Errorf("overlap, rotation %d: the replaced key (id %s) gets HTTP %d, want 200 until the next rotation", n, ids[n-1], replaced)
				}
				if !tc.overlap && replaced != 401 {
					t.Errorf("immediate, rotation %d: the replaced key (id %s) gets HTTP %d, want 401", n, ids[n-1], replaced)
				}
				for i := 0; i < n-1; i++ {
					if st := e.svc.status(keys[i]); st != 401 {
						t.Errorf("after rotation %d the key of rotation %d (id %s) gets HTTP %d, want 401", n, i, ids[i], st)
					}
				}
				wantActive := []string{cur.ID}
				if tc.overlap {
					wantActive = []string{ids[n-1], cur.ID}
				}
				if got := e.svc.activeIDs(); !slices.Equal(got, wantActive) {
					t.Errorf("after rotation %d the service has active keys %v, want %v", n, got, wantActive)
				}
			}
			if p := e.svc.peak(); p > 2 {
				t.Errorf("the service had %d active keys at once", p)
			}
			// Every create carried the rotation token as its idempotency key; every
			// management request was authenticated with an active key.
			for _, r := range e.svc.log() {
				if r.op == "create" && r.idemKey == "" {
					t.Errorf("create request without Idempotency-Key")
				}
				if r.op != "test" && !strings.HasPrefix(r.auth, "key:") {
					t.Errorf("%s request authenticated as %s", r.op, r.auth)
				}
			}
			e.checkNoSecrets("the rotator's log", e.logs.String())
			if strings.Contains(e.logs.String(), `"level":"WARN"`) || strings.Contains(e.logs.String(), `"level":"ERROR"`) {
				t.Errorf("warnings or errors in the log of rotations that went well:\n%s", e.logs)
			}
		})
	}
}

// TestMasterCredential rotates a key of a service where keys cannot manage keys: only the
// master secret's admin token (masterarn, its own header) can create and revoke.
func TestMasterCredential(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.svc.configure(func(s *keyService) {
		s.userKeysManage = false
		s.masterHeader, s.masterPrefix = "X-Admin-Token", ""
		s.maxActive = 3 // two secrets' keys, and a new one
	})
	e.registerInProcess()
	masterARN := e.CreateSecret("admin", `{"admin_token":"`+e.svc.master+`","note":"master"}`)
	settings := e.svc.settings(map[string]any{"master_key_field": "admin_token", "master_auth_header": "X-Admin-Token", "master_auth_scheme": "{key}"})

	// Without masterarn the current key is refused: the error says so.
	id0, key0 := e.svc.issue("app")
	single := e.CreateSecret("single", e.secret(id0, key0, settings, nil))
	rec := e.rotate(single, 1)
	if rec.Outcome != "failed" || !strings.Contains(rec.Error, "HTTP 403") || !strings.Contains(rec.Error, "authenticated with the current key") {
		t.Fatalf("single-key rotation on a service that wants the admin token: %s %s", rec.Outcome, rec.Error)
	}
	if !e.svc.works(key0) || e.svc.created() != 1 {
		t.Fatalf("a refused rotation changed the service (active %v)", e.svc.activeIDs())
	}

	e.alternating()
	e.registerInProcess()
	id1, key1 := e.svc.issue("app2")
	arn := e.CreateSecret("alternating", e.secret(id1, key1, settings, map[string]any{"masterarn": masterARN}))
	e.svc.resetLog()
	keys := []string{key1}
	for n := 1; n <= 2; n++ {
		rec := e.rotate(arn, n)
		if rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s", n, rec.Error)
		}
		cur := e.checkCurrent(arn)
		if e.svc.works(keys[len(keys)-1]) {
			t.Errorf("rotation %d: the replaced key still works", n)
		}
		keys = append(keys, cur.Key)
	}
	for _, r := range e.svc.log() {
		if (r.op == "create" || r.op == "revoke") && r.auth != "master" {
			t.Errorf("%s %s authenticated as %s, want the master token", r.method, r.path, r.auth)
		}
		if r.op == "test" && !strings.HasPrefix(r.auth, "key:") {
			t.Errorf("test request authenticated as %s, want the new key", r.auth)
		}
	}
	e.checkNoSecrets("the rotator's log", e.logs.String())
}

// TestServiceSpecificExample runs the package documentation's service-specific rotator
// (acmeKeys, example_test.go) on the strategy against the key service, in overlap mode
// from Options, then in immediate mode chosen by the secret's "rotation" object.
func TestServiceSpecificExample(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: e.svc.ca.ClientTLS("127.0.0.1")}}
	t.Cleanup(client.CloseIdleConnections)
	r, err := apikey.NewWithService(acmeKeys{base: e.svc.base, client: client}, apikey.Options{Strategy: apikey.Single, RevokeMode: apikey.RevokeOverlap, LookupEnv: e.lookup})
	if err != nil {
		t.Fatal(err)
	}
	e.registerStrategy(r)

	id0, key0 := e.svc.issue("app")
	arn := e.CreateSecret("acme", e.secret(id0, key0, nil, nil))
	keys := []string{key0}
	for n := 1; n <= 2; n++ {
		rec := e.rotate(arn, n)
		if rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s", n, rec.Error)
		}
		cur := e.checkCurrent(arn)
		keys = append(keys, cur.Key)
		if !e.svc.works(keys[n-1]) {
			t.Errorf("overlap: the replaced key stopped working at rotation %d", n)
		}
	}
	if e.svc.works(keys[0]) {
		t.Errorf("overlap: the key two rotations old still works")
	}
	for _, r := range e.svc.log() {
		if r.op == "create" && r.idemKey == "" {
			t.Errorf("create without the rotation token")
		}
	}

	id1, key1 := e.svc.issue("immediate")
	e.svc.configure(func(s *keyService) { s.maxActive = 4 })
	imm := e.CreateSecret("acme-immediate", e.secret(id1, key1, map[string]any{"revoke_mode": "immediate"}, nil))
	if rec := e.rotate(imm, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	e.checkCurrent(imm)
	if e.svc.works(key1) {
		t.Errorf("immediate (from the secret): the replaced key still works")
	}
}
