package sshkey_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
	"golang.org/x/crypto/ssh"
)

// TestMasterTrustBoundary plays an attacker who can write the user secret (and the user's
// home on the hosts) but not the master secret: every attempt to make the master (root)
// install the attacker's next key for another account fails naming the rule, and root's
// authorized_keys stays as it was, on the real sshd.
func TestMasterTrustBoundary(t *testing.T) {
	t.Parallel()
	uid := int(testUID(t))
	cases := []struct {
		name    string
		extra   func(f *fleet) map[string]any
		opts    func(f *fleet, o *sshkey.Options)
		prepare func(t *testing.T, f *fleet) // on every host, before the rotation
		want    []string
		noLogin bool // the master must not even log in
	}{
		{name: "username root, even when allowed", extra: func(*fleet) map[string]any { return map[string]any{"username": "root"} },
			opts: func(f *fleet, o *sshkey.Options) {
				for _, h := range f.hosts() {
					o.AllowedTargets[h] = append(o.AllowedTargets[h], "root")
				}
			},
			want: []string{`refused by rule "never uid 0"`}},
		{name: "account not allowed", extra: func(*fleet) map[string]any { return map[string]any{"username": "daemon"} },
			want: []string{"refused by rule SSHKEY_ALLOWED_TARGETS", `account "daemon" is not allowed`}, noLogin: true},
		{name: "host not allowed", opts: func(f *fleet, o *sshkey.Options) { delete(o.AllowedTargets, f.hosts()[1]) },
			want: []string{"refused by rule SSHKEY_ALLOWED_TARGETS", "host " + "%h1" + " is not in the allowlist"}},
		{name: "secret points authorized_keys at root's file", extra: func(f *fleet) map[string]any { return map[string]any{"authorized_keys": f.rootKeys} },
			want: []string{`"authorized_keys"`, "refused by rule SSHKEY_AUTHORIZED_KEYS_FILE"}, noLogin: true},
		{name: "configured path outside the home", opts: func(f *fleet, o *sshkey.Options) { o.AuthorizedKeysFile = f.rootKeys },
			want: []string{`refused by rule "inside the home directory"`}},
		{name: "authorized_keys is a symlink to root's", prepare: func(t *testing.T, f *fleet) {
			for _, s := range f.servers {
				replaceBySymlink(t, s.AuthorizedKeysPath, f.rootKeys, uid)
			}
		}, want: []string{`refused by rule "StrictModes"`, "/home/sshtest/.ssh/authorized_keys is a symbolic link"}},
		{name: "~/.ssh is a symlink to root's", prepare: func(t *testing.T, f *fleet) {
			for _, s := range f.servers {
				replaceBySymlink(t, filepath.Dir(s.AuthorizedKeysPath), filepath.Dir(f.rootKeys), uid)
			}
		}, want: []string{`refused by rule "StrictModes"`, "/home/sshtest/.ssh is a symbolic link"}},
		{name: "~/.ssh writable by others", prepare: func(t *testing.T, f *fleet) {
			for _, s := range f.servers {
				if err := os.Chmod(filepath.Dir(s.AuthorizedKeysPath), 0o777); err != nil {
					t.Fatal(err)
				}
			}
		}, want: []string{`refused by rule "StrictModes"`, "/home/sshtest/.ssh has mode 0777"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			other := newKey(t)
			f := startFleet(t, 2, []byte(other.line("other")+"\n"), true)
			rootBefore, err := os.ReadFile(f.rootKeys)
			if err != nil {
				t.Fatal(err)
			}
			if tc.prepare != nil {
				tc.prepare(t, f)
			}
			opts := f.options(true)
			if tc.opts != nil {
				tc.opts(f, &opts)
			}
			e := newEnv(t)
			e.inProcess(opts, nil)
			extra := map[string]any{"masterarn": e.CreateSecret("master", f.masterSecret(nil))}
			if tc.extra != nil {
				for k, v := range tc.extra(f) {
					extra[k] = v
				}
			}
			k0 := newKey(t)
			arn := e.CreateSecret("user", f.secret(k0, extra))
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation %s, want failed", rec.Outcome)
			}
			t.Logf("rotation error: %s", rec.Error)
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "%h1", f.hosts()[1])
				if !strings.Contains(rec.Error, w) {
					t.Errorf("the error does not say %q", w)
				}
			}
			if got, _ := os.ReadFile(f.rootKeys); string(got) != string(rootBefore) {
				t.Errorf("root's authorized_keys changed:\n%s", got)
			}
			pending := keyFromPEM(t, e.value(arn, rotation.StagePending)["private_key"])
			for _, s := range f.servers {
				cfg := s.ClientConfig(pending.signer)
				cfg.User = "root"
				if c, err := ssh.Dial("tcp", s.Addr(), cfg); err == nil {
					c.Close()
					t.Errorf("%s: root logs in with the user's pending key", s.Addr())
				}
				if log, _ := s.Log(); tc.noLogin && strings.Contains(log, "Accepted publickey for root") {
					t.Errorf("%s: the master logged in although the rule refuses before connecting", s.Addr())
				}
			}
			assertNoPrivateKey(t, e.allLogs()+rec.Error, k0, pending, f.master)
		})
	}
}

// replaceBySymlink replaces p by a symbolic link to target, owned by uid (the user made it).
func replaceBySymlink(t *testing.T, p, target string, uid int) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(p, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// TestStrategyIsConfiguration: the function's ROTATION_STRATEGY decides, not the secret.
// Adding a masterarn to a secret of a single user function does not make the master log
// in; an alternating function refuses a secret without one; no strategy is an error
// naming the variable.
func TestStrategyIsConfiguration(t *testing.T) {
	t.Parallel()
	if _, err := sshkey.OptionsFromEnv(func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "ROTATION_STRATEGY is not set") {
		t.Errorf("no ROTATION_STRATEGY: %v", err)
	}
	if _, err := sshkey.New(sshkey.Options{Strategy: sshkey.Alternating}); err == nil || !strings.Contains(err.Error(), sshkey.EnvAllowedTargets) {
		t.Errorf("alternating without an allowlist: %v", err)
	}
	for _, bad := range []string{`[]`, `{"h": []}`, `{"h": ["a b"]}`, `{}`, `{"h:x": ["u"]}`} {
		if _, err := sshkey.ParseTargets(bad); err == nil || !strings.Contains(err.Error(), sshkey.EnvAllowedTargets) {
			t.Errorf("ParseTargets(%s): %v", bad, err)
		}
	}

	k0 := newKey(t)
	f := startFleet(t, 1, []byte(k0.line("")+"\n"), true)
	for _, tc := range []struct {
		strategy  string
		masterarn bool
		want      string // "" for success
		root      bool   // the master logs in
	}{
		{"single", true, "", false},
		{"alternating", false, `"masterarn" is missing: ROTATION_STRATEGY=alternating`, false},
		{"auto", true, "", true},
	} {
		t.Run(fmt.Sprintf("%s/masterarn=%v", tc.strategy, tc.masterarn), func(t *testing.T) {
			e := newEnv(t)
			opts := f.options(true)
			opts.Strategy = sshkey.Strategy(tc.strategy)
			e.inProcess(opts, nil)
			extra := map[string]any{}
			if tc.masterarn {
				extra["masterarn"] = e.CreateSecret("master", f.masterSecret(nil))
			}
			arn := e.CreateSecret("user", f.secret(k0, extra))
			logBefore, _ := f.servers[0].Log()
			rec := e.rotate(arn, 1)
			if tc.want == "" && rec.Outcome != "succeeded" {
				t.Fatalf("rotation: %s", rec.Error)
			}
			if tc.want != "" && (rec.Outcome != "failed" || !strings.Contains(rec.Error, tc.want)) {
				t.Fatalf("rotation %s: %s; want an error saying %q", rec.Outcome, rec.Error, tc.want)
			}
			if tc.want == "" {
				k0 = e.currentKey(arn)
			}
			logAfter, _ := f.servers[0].Log()
			if got := strings.Contains(strings.TrimPrefix(logAfter, logBefore), "Accepted publickey for root"); got != tc.root {
				t.Errorf("the master logged in: %v, want %v", got, tc.root)
			}
			if tc.strategy == "auto" && !strings.Contains(e.logs.String(), "ROTATION_STRATEGY=auto") {
				t.Errorf("no warning about auto in the log:\n%s", e.logs)
			}
		})
	}
}

// TestOwnerGroupIrrelevant: an authorized_keys owned by user:root with mode 0600 (the group
// gets nothing) is rotated by the user itself, who cannot keep the group root.
func TestOwnerGroupIrrelevant(t *testing.T) {
	t.Parallel()
	k0 := newKey(t)
	f := startFleet(t, 1, []byte(k0.line("")+"\n"), false)
	uid := int(testUID(t))
	if err := os.Chown(f.servers[0].AuthorizedKeysPath, uid, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(f.servers[0].AuthorizedKeysPath, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.inProcess(f.options(false), nil)
	arn := e.CreateSecret("user", f.secret(k0, nil))
	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	f.assertLogin("the new key", e.currentKey(arn), true)
	if st := f.file(0); st.mode != 0o600 || int(st.uid) != uid {
		t.Errorf("authorized_keys mode %o owner %d, want 600 and %d", st.mode, st.uid, uid)
	}
}

// TestTestSecretUsesMasterKnownHosts: with a master secret, testSecret verifies the hosts
// with the master secret's known_hosts too, as setSecret and finishSecret do.
func TestTestSecretUsesMasterKnownHosts(t *testing.T) {
	t.Parallel()
	f := startFleet(t, 1, nil, true)
	e := newEnv(t)
	e.inProcess(f.options(true), nil)
	masterARN := e.CreateSecret("master", f.masterSecret(map[string]any{"known_hosts": f.knownHosts()}))
	// The user secret knows only some other host.
	arn := e.CreateSecret("user", f.secret(newKey(t), map[string]any{"masterarn": masterARN,
		"known_hosts": "[127.0.0.1]:1 " + strings.SplitN(f.servers[0].KnownHosts(), " ", 2)[1] + "\n"}))
	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("rotation: %s", rec.Error)
	}
	f.assertLogin("the new key", e.currentKey(arn), true)
}

// TestKnownHostsByNameOnly: a host named "localhost" is looked up in known_hosts under that
// name only, as OpenSSH does; the address's entry does not vouch for it.
func TestKnownHostsByNameOnly(t *testing.T) {
	t.Parallel()
	k0 := newKey(t)
	f := startFleet(t, 1, []byte(k0.line("")+"\n"), false)
	s := f.servers[0]
	byName := fmt.Sprintf("[localhost]:%d %s", s.Port, strings.SplitN(s.KnownHosts(), " ", 2)[1])
	for _, tc := range []struct {
		knownHosts, want string
	}{
		{f.knownHosts(), "the host is not in known_hosts"},
		{byName + "\n", ""},
	} {
		e := newEnv(t)
		e.inProcess(f.options(false), nil)
		arn := e.CreateSecret("user", f.secret(k0, map[string]any{"hosts": fmt.Sprintf("localhost:%d", s.Port), "known_hosts": tc.knownHosts}))
		rec := e.rotate(arn, 1)
		if tc.want == "" && rec.Outcome != "succeeded" {
			t.Fatalf("known_hosts by name: %s", rec.Error)
		}
		if tc.want != "" && !strings.Contains(rec.Error, tc.want) {
			t.Errorf("known_hosts by address only: rotation %s: %s; want %q", rec.Outcome, rec.Error, tc.want)
		}
		if rec.Outcome == "succeeded" {
			k0 = e.currentKey(arn)
		}
	}
}
