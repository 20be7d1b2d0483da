package sshkey_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

// TestBootstrap rotates through the built bootstrap under the emulator's Lambda runtime,
// configured by environment variables: single user with SSH_REMOVE_OLD_KEY=immediately
// (the replaced key stops working at once) and one host at a time, and alternating with
// the defaults. The function's output is JSON without any private key.
func TestBootstrap(t *testing.T) {
	t.Parallel()
	bootstrap(t) // build before the subtests start their servers
	cases := []struct {
		name        string
		alternating bool
		vars        map[string]string
		previousOK  bool // the previous key works after a rotation
	}{
		{name: "single user immediately", vars: map[string]string{"SSH_REMOVE_OLD_KEY": "immediately", "SSH_MAX_PARALLEL": "1", "SSH_CONNECT_TIMEOUT": "5s"}},
		{name: "alternating", alternating: true, vars: map[string]string{"AWS_LAMBDA_LOG_LEVEL": "DEBUG"}, previousOK: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k0, other := newKey(t), newKey(t)
			f := startFleet(t, 2, []byte(initialFile(k0, other)), tc.alternating)
			e := newEnv(t)
			vars := f.vars(tc.alternating)
			maps.Copy(vars, tc.vars)
			e.executable(vars)
			extra := map[string]any{}
			if tc.alternating {
				extra["masterarn"] = e.CreateSecret("master", f.masterSecret(nil))
			}
			arn := e.CreateSecret("user", f.secret(k0, extra))
			keys := []key{k0}
			for n := 1; n <= 2; n++ {
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					t.Fatalf("rotation %d: %s\nlogs:\n%s", n, rec.Error, e.allLogs())
				}
				k := e.currentKey(arn)
				keys = append(keys, k)
				f.assertLogin("the new key", k, true)
				f.assertLogin("the previous key", keys[n-1], tc.previousOK)
				if n >= 2 {
					f.assertLogin("the key two generations old", keys[n-2], false)
				}
				f.assertLogin("the other user's key", other, true)
			}
			logs := e.Server.FunctionLogs("rotator")
			assertNoPrivateKey(t, logs, append(keys, f.master)...)
			var steps, hosts int
			for _, line := range strings.Split(logs, "\n") {
				if !strings.HasPrefix(line, "{") {
					continue // START, END and REPORT lines
				}
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Errorf("log line is not JSON: %s", line)
					continue
				}
				switch rec["msg"] {
				case "rotation step":
					steps++
					if rec["outcome"] != "succeeded" || rec["secret"] != arn {
						t.Errorf("step line: %s", line)
					}
				case "ssh host":
					hosts++
				}
			}
			// setSecret, testSecret and finishSecret log one line per host.
			if steps != 8 || hosts != 2*3*2 {
				t.Errorf("%d step lines and %d host lines for 2 rotations of 2 hosts, want 8 and 12:\n%s", steps, hosts, logs)
			}
			if tc.alternating != strings.Contains(logs, "(master root)") {
				t.Errorf("alternating=%v, but the logs say otherwise:\n%s", tc.alternating, logs)
			}
		})
	}
}
