package apikey_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLogsHoldNoKeyValues rotates with a careless service that quotes the credential it
// got in its error answers, in both modes (current key and master token), through
// retries and failures, with the engine at debug level. No key value and not the master
// token may appear in any log line or error; the quoted answers appear scrubbed.
func TestLogsHoldNoKeyValues(t *testing.T) {
	t.Parallel()
	for _, master := range []bool{false, true} {
		name := "current key"
		if master {
			name = "master token"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// One secret per emulator: AdvanceClock would start the other's rotation too.
			e := newEnv(t)
			if master {
				e.alternating()
			}
			e.registerInProcess()
			id0, key0 := e.svc.issue("app")
			settings := e.svc.settings(map[string]any{"max_attempts": 2})
			var extra map[string]any
			if master {
				settings["master_key_field"] = "admin_token"
				extra = map[string]any{"masterarn": e.CreateSecret("admin", `{"admin_token":"`+e.svc.master+`"}`)}
			}
			arn := e.CreateSecret("api", e.secret(id0, key0, settings, extra))

			var errs []string
			// The create is refused with the credential quoted back, at every attempt.
			e.svc.inject(svcFault{op: "create", status: 503, echoAuth: true, count: 2})
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "credential not accepted: Bearer [REDACTED]") {
				t.Errorf("rotation with the credential quoted in a 503: %s %s", rec.Outcome, rec.Error)
			}
			errs = append(errs, rec.Error)
			// The new key is refused at testSecret with the key quoted back.
			e.svc.inject(svcFault{op: "test", status: 401, echoAuth: true})
			rec = e.rotateAgain(arn, 2)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "HTTP 401") || !strings.Contains(rec.Error, "[REDACTED]") {
				t.Errorf("rotation with the new key quoted in a 401: %s %s", rec.Outcome, rec.Error)
			}
			errs = append(errs, rec.Error)
			// A revoke that fails once (retried), then success.
			e.svc.inject(svcFault{op: "revoke", status: 500, echoAuth: true})
			rec = e.rotateAgain(arn, 3)
			if rec.Outcome != "succeeded" {
				t.Fatalf("rotation: %s", rec.Error)
			}
			e.checkCurrent(arn)
			if master {
				for _, r := range e.svc.log() {
					if r.op == "create" && r.auth != "master" {
						t.Errorf("create authenticated as %s", r.auth)
					}
				}
			}

			for _, msg := range errs {
				e.checkNoSecrets("a rotation error", msg)
			}
			logs := e.logs.String()
			e.checkNoSecrets("the rotator's log", logs)
			var steps, retries int
			for line := range strings.SplitSeq(strings.TrimSpace(logs), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Errorf("log line is not JSON: %s", line)
					continue
				}
				switch rec["msg"] {
				case "rotation step":
					steps++
				case "api key service request failed; retrying":
					retries++
				}
			}
			if steps != 1+3+4 || retries != 2 {
				t.Errorf("%d step lines (want 8) and %d retry lines (want 2); the scenario did not run as intended", steps, retries)
			}
		})
	}
}
