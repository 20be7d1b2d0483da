package mysql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/mysql"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// The kinds of users the fault tests rotate.
const (
	// kindSingle is an unprivileged user changing its own password (SET PASSWORD): the
	// password changes in finishSecret, right before AWSCURRENT moves (and is put back if
	// AWSCURRENT cannot move).
	kindSingle = "single"
	// kindDual is a single user allowed to ALTER USER (CREATE USER privilege): the current
	// password keeps working next to the new one until finishSecret.
	kindDual = "single with both passwords"
	// kindAlternating rotates user and user_clone with a master user.
	kindAlternating = "alternating"
)

var kinds = []string{kindSingle, kindDual, kindAlternating}

// modeOf is the strategy that rotates a kind of user.
func modeOf(kind string) rotation.Mode {
	if kind == kindAlternating {
		return rotation.ModeAlternating
	}
	return rotation.ModeSingle
}

// setupUser creates a user of the kind with a secret, and returns the secret's ARN.
func setupUser(t testing.TB, e *emu, kind string) string {
	t.Helper()
	srv := e.db
	user := "u" + randomWord(8)
	pw := "Start-" + randomWord(16)
	srv.createUser(t, user, "%", pw)
	srv.exec(t, "GRANT SELECT ON mysql.db TO "+quoteAccount(user, "%"))
	switch kind {
	case kindDual:
		srv.exec(t, "GRANT CREATE USER ON *.* TO "+quoteAccount(user, "%"), "GRANT SELECT ON mysql.* TO "+quoteAccount(user, "%"))
	case kindAlternating:
		master := "m" + randomWord(8)
		mpw := "Master-" + randomWord(16)
		srv.createUser(t, master, "%", mpw)
		srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO "+quoteAccount(master, "%")+" WITH GRANT OPTION")
		masterARN := e.createSecret(master, dbSecret(srv, master, mpw))
		return e.createSecret(user, dbSecret(srv, user, pw, "masterarn", masterARN))
	}
	return e.createSecret(user, dbSecret(srv, user, pw))
}

// checkAfterFault: AWSCURRENT logs in, whatever the kind of user and whatever failed.
func (e *emu) checkAfterFault(arn, kind string) {
	e.t.Helper()
	if err := e.loginAs(arn, rotation.StageCurrent); err != nil {
		e.t.Fatalf("%s: AWSCURRENT does not log in after the fault: %v", kind, err)
	}
}

// completeNext runs the next rotation and checks it completes and AWSCURRENT logs in.
func (e *emu) completeNext(arn string, n int) {
	e.t.Helper()
	rec := e.rotateAgain(arn, n)
	if rec.Outcome != "succeeded" {
		e.t.Fatalf("next rotation %s: %s", rec.Outcome, rec.Error)
	}
	e.checkInvariant(arn)
	if p := e.holder(arn, rotation.StagePending); p != "" {
		e.t.Errorf("AWSPENDING left on %s", p)
	}
}

func stepOf(payload []byte) rotation.Step {
	var ev rotation.Event
	_ = json.Unmarshal(payload, &ev)
	return ev.Step
}

// TestDatabaseDownDuringSetSecret stops the server just before setSecret: the rotation
// fails naming the connection failure, nothing changes, and after the server is back the
// next rotation completes.
func TestDatabaseDownDuringSetSecret(t *testing.T) {
	t.Parallel()
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, testenv.MariaDBOptions{})
			e := newEmu(t, srv)
			arn := setupUser(t, e, kind)
			eng := e.engine(e.rotator(modeOf(kind)), nil)
			e.register(eng.Invoke)
			if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
				t.Fatalf("first rotation: %s", rec.Error)
			}
			e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
				if stepOf(payload) == rotation.StepSet {
					if err := srv.db.Kill(); err != nil {
						t.Errorf("kill the server: %v", err)
					}
					defer func() {
						if err := srv.db.Start(context.WithoutCancel(ctx)); err != nil {
							t.Errorf("restart the server: %v", err)
						}
					}()
				}
				return eng.Invoke(ctx, payload)
			})
			rec := e.rotate(arn, 2)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "setSecret") || !strings.Contains(rec.Error, "connection refused") {
				t.Fatalf("rotation %s: %s; want setSecret failing with connection refused", rec.Outcome, rec.Error)
			}
			e.checkInvariant(arn) // nothing was changed
			e.register(eng.Invoke)
			e.completeNext(arn, 3)
		})
	}
}

// TestSecretsManagerFaults makes each Secrets Manager call of each step fail (throttled
// beyond the SDK's retries, or a refused request): the rotation fails with the operation
// and the error code, AWSCURRENT keeps logging in, and the next rotation completes. A
// single throttled call is retried by the SDK and the rotation succeeds, and so does the
// label move, which the engine retries for most of the function's timeout.
func TestSecretsManagerFaults(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	ops := map[rotation.Step][]string{
		rotation.StepCreate: {"DescribeSecret", "GetSecretValue", "GetRandomPassword", "PutSecretValue"},
		rotation.StepSet:    {"DescribeSecret", "GetSecretValue"},
		rotation.StepTest:   {"DescribeSecret", "GetSecretValue"},
		rotation.StepFinish: {"DescribeSecret", "GetSecretValue", "UpdateSecretVersionStage"},
	}
	faults := []struct {
		name  string
		code  string
		count int
		fails bool
	}{
		{"throttled throughout", "ThrottlingException", 10, true},
		{"refused", "InternalServiceError", 10, true},
		{"throttled once", "ThrottlingException", 1, false},
	}
	for _, kind := range kinds {
		for _, step := range rotation.Steps {
			for _, op := range ops[step] {
				for _, f := range faults {
					if !f.fails && op != "GetSecretValue" {
						continue
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%s", kind, step, op, f.name), func(t *testing.T) {
						t.Parallel()
						e := newEmu(t, srv)
						arn := setupUser(t, e, kind)
						eng := e.engine(e.rotator(modeOf(kind)), nil)
						e.register(eng.Invoke)
						if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
							t.Fatalf("first rotation: %s", rec.Error)
						}
						e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
							if stepOf(payload) == step {
								if err := e.Control.InjectFault(ctx, emulator.Fault{Operation: "secretsmanager." + op, ErrorCode: f.code, Count: f.count}); err != nil {
									t.Errorf("InjectFault: %v", err)
								}
								defer func() { _ = e.Control.ClearFaults(context.WithoutCancel(ctx)) }()
							}
							return eng.Invoke(ctx, payload)
						})
						rec := e.rotate(arn, 2)
						fails := f.fails && op != "UpdateSecretVersionStage"
						if (rec.Outcome == "failed") != fails {
							t.Fatalf("rotation %s (%s), want failed=%v", rec.Outcome, rec.Error, fails)
						}
						if fails && (!strings.Contains(rec.Error, op) || !strings.Contains(rec.Error, f.code) || !strings.Contains(rec.Error, string(step))) {
							t.Errorf("error %q does not name the step, the operation and the error code", rec.Error)
						}
						e.checkAfterFault(arn, kind)
						e.register(eng.Invoke)
						e.completeNext(arn, 3)
					})
				}
			}
		}
	}
}

// TestStepRetriedTwice invokes every step three times: the second and third invocations
// change nothing, neither in Secrets Manager nor in the database.
func TestStepRetriedTwice(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			arn := setupUser(t, e, kind)
			user := e.value(arn, rotation.StageCurrent)["username"].(string)
			eng := e.engine(e.rotator(modeOf(kind)), nil)
			snapshot := func() string {
				var lines []string
				for id, st := range e.stages(arn) {
					lines = append(lines, fmt.Sprintf("%s %v", id, st))
				}
				slices.Sort(lines)
				return strings.Join(lines, "\n") + "\n" + srv.state(t, user, user+mysql.CloneSuffix)
			}
			e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
				if _, err := eng.Invoke(ctx, payload); err != nil {
					return nil, err
				}
				after := snapshot()
				for i := range 2 {
					if _, err := eng.Invoke(ctx, payload); err != nil {
						t.Errorf("%s retry %d: %v", stepOf(payload), i+1, err)
						return nil, err
					}
					if again := snapshot(); again != after {
						t.Errorf("%s retry %d changed the state:\n%s\n---\n%s", stepOf(payload), i+1, after, again)
					}
				}
				return nil, nil
			})
			before := e.value(arn, rotation.StageCurrent)
			for n := 1; n <= 3; n++ {
				rec := e.rotate(arn, n)
				before = e.checkRotated(arn, rec, before, kind != kindAlternating)
			}
		})
	}
}

var errKilled = errors.New("Runtime.ExitError: signal: killed (injected)")

// TestKilledBetweenSteps: the function dies right after a step did its work, before
// reporting it (Secrets Manager sees the step fail and stops the rotation). AWSCURRENT
// keeps logging in (for a single user without dual passwords, once setSecret ran, the
// pending password does until the rotation is reattempted), and the reattempt completes.
func TestKilledBetweenSteps(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	for _, kind := range kinds {
		for _, step := range rotation.Steps {
			t.Run(fmt.Sprintf("%s/after %s", kind, step), func(t *testing.T) {
				t.Parallel()
				e := newEmu(t, srv)
				arn := setupUser(t, e, kind)
				eng := e.engine(e.rotator(modeOf(kind)), nil)
				e.register(eng.Invoke)
				if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
					t.Fatalf("first rotation: %s", rec.Error)
				}
				e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
					if _, err := eng.Invoke(ctx, payload); err != nil {
						return nil, err
					}
					if stepOf(payload) == step {
						return nil, errKilled
					}
					return nil, nil
				})
				rec := e.rotate(arn, 2)
				if rec.Outcome != "failed" {
					t.Fatalf("rotation %s, want failed", rec.Outcome)
				}
				e.checkAfterFault(arn, kind)
				e.register(eng.Invoke)
				e.completeNext(arn, 3)
				// And one more, from a clean state.
				e.completeNext(arn, 4)
			})
		}
	}
}

// TestBadSecrets: secrets the rotator cannot use fail with a message naming the field or
// the cause, and change nothing in the database or in AWSCURRENT.
func TestBadSecrets(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	srv.createUser(t, "boss", "%", "Boss-Passw0rd")
	srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO `boss`@`%` WITH GRANT OPTION")
	cases := []struct {
		name   string
		secret func(e *emu, user, pw string) map[string]any
		want   []string
	}{
		{"missing username", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, pw, "username", nil) },
			[]string{"createSecret", `secret field "username" is missing`}},
		{"missing password", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, pw, "password", nil) },
			[]string{"createSecret", `secret field "password" is missing`}},
		{"missing host", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, pw, "host", nil) },
			[]string{"createSecret", `secret field "host" is missing`}},
		{"wrong engine", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, pw, "engine", "postgres") },
			[]string{"createSecret", `secret field "engine" is "postgres"`, "mysql, aurora-mysql, mariadb"}},
		{"port not a number", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, pw, "port", "three") },
			[]string{"createSecret", `secret field "port" must be an integer`}},
		{"unreachable host", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, pw, "port", 1) },
			[]string{"setSecret", "127.0.0.1:1", "connection refused"}},
		{"wrong password", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, u, "not-"+pw) },
			[]string{"setSecret", "cannot log in with the pending or current password", "Error 1045"}},
		{"user does not exist", func(e *emu, u, pw string) map[string]any { return dbSecret(srv, "nobody_"+u, pw) },
			[]string{"setSecret", "Error 1045", "nobody_"}},
		{"wrong master password", func(e *emu, u, pw string) map[string]any {
			m := e.createSecret("boss-"+u, dbSecret(srv, "boss", "Wrong-Passw0rd"))
			return dbSecret(srv, u, pw, "masterarn", m)
		}, []string{"setSecret", "master secret (masterarn)", `as "boss" with the master password`, "Error 1045"}},
		{"master secret missing", func(e *emu, u, pw string) map[string]any {
			return dbSecret(srv, u, pw, "masterarn", "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf")
		}, []string{"setSecret", "master secret (masterarn)", "ResourceNotFoundException"}},
		{"master without password", func(e *emu, u, pw string) map[string]any {
			m := e.createSecret("boss-"+u, map[string]any{"username": "boss"})
			return dbSecret(srv, u, pw, "masterarn", m)
		}, []string{"setSecret", "master secret (masterarn)", `secret field "password" is missing`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			user, pw := "b"+randomWord(8), "Bad-"+randomWord(12)
			srv.createUser(t, user, "%", pw)
			secret := tc.secret(e, user, pw)
			mode := rotation.ModeSingle
			if _, ok := secret["masterarn"]; ok {
				mode = rotation.ModeAlternating
			}
			e.register(e.engine(e.rotator(mode), nil).Invoke)
			arn := e.createSecret(user, secret)
			dbBefore := srv.state(t, user, user+mysql.CloneSuffix)
			curBefore := e.holder(arn, rotation.StageCurrent)
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation %s, want failed", rec.Outcome)
			}
			for _, w := range tc.want {
				if !strings.Contains(rec.Error, w) {
					t.Errorf("error %q does not mention %q", rec.Error, w)
				}
			}
			if strings.Contains(rec.Error, pw) {
				t.Errorf("error holds the password")
			}
			if after := srv.state(t, user, user+mysql.CloneSuffix); after != dbBefore {
				t.Errorf("the database changed:\n%s\n---\n%s", dbBefore, after)
			}
			if e.holder(arn, rotation.StageCurrent) != curBefore {
				t.Errorf("AWSCURRENT moved")
			}
			if err := srv.login(user, pw); err != nil {
				t.Errorf("the user's password stopped working: %v", err)
			}
		})
	}
}

// TestTLS: the certificate is verified (CA and host name) and a failure never falls back to
// plaintext; TLS is required unless the secret says "ssl": false.
func TestTLS(t *testing.T) {
	t.Parallel()
	wrongHost := startServer(t, testenv.MariaDBOptions{TLSHosts: []string{"db.elsewhere.example"}})
	noTLS := startServer(t, testenv.MariaDBOptions{NoTLS: true})
	good := startServer(t, testenv.MariaDBOptions{})
	cases := []struct {
		name    string
		srv     *server
		ssl     any // nil: no "ssl" field
		ca      bool
		want    []string // error parts; empty: succeeds
		wantTLS bool
	}{
		{"certificate for another host, ssl true", wrongHost, true, true, []string{"tls: failed to verify certificate", "cannot validate certificate for 127.0.0.1"}, true},
		{"certificate for another host, ssl unset", wrongHost, nil, true, []string{"tls: failed to verify certificate", "cannot validate certificate for 127.0.0.1"}, true},
		{"unknown CA, ssl unset", good, nil, false, []string{"tls: failed to verify certificate", "certificate signed by unknown authority"}, true},
		{"unknown CA, ssl true", good, "true", false, []string{"tls: failed to verify certificate", "certificate signed by unknown authority"}, true},
		{"trusted CA, ssl unset", good, nil, true, nil, true},
		{"server without TLS, ssl true", noTLS, true, true, []string{"TLS requested but server does not support TLS"}, false},
		// Attack 6: a man in the middle answering "no TLS" to a secret without "ssl".
		{"server without TLS, ssl unset", noTLS, nil, true, []string{`refused: TLS is required unless the secret says "ssl": false`}, false},
		{"server without TLS, ssl false", noTLS, "false", true, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, tc.srv)
			user, pw := "t"+randomWord(8), "Tls-"+randomWord(12)
			tc.srv.createUser(t, user, "%", pw)
			var certs []string
			if tc.ca && tc.srv.db.CAFile != "" {
				certs = []string{tc.srv.db.CAFile}
			}
			r, err := mysql.New(mysql.Options{RootCertFiles: certs})
			if err != nil {
				t.Fatal(err)
			}
			e.register(e.engine(r, nil).Invoke)
			arn := e.createSecret(user, dbSecret(tc.srv, user, pw, "ssl", tc.ssl))
			before := tc.srv.state(t, user)
			rec := e.rotate(arn, 1)
			if len(tc.want) == 0 {
				if rec.Outcome != "succeeded" {
					t.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
				}
				// Every login of the user used TLS when the server offers it.
				logins := grepLines(tc.srv.generalLog(t), user+"@")
				if tc.wantTLS == strings.Contains(logins, "TCP/IP") || !strings.Contains(logins, "Connect") {
					t.Errorf("logins (want TLS %v):\n%s", tc.wantTLS, logins)
				}
				// The function logs the TLS state the server negotiated.
				if want := fmt.Sprintf(`"tls":%v`, tc.wantTLS); !strings.Contains(e.logs.String(), want) {
					t.Errorf("the function's log does not say %s", want)
				}
				return
			}
			if rec.Outcome != "failed" {
				t.Fatalf("rotation %s, want failed", rec.Outcome)
			}
			for _, w := range tc.want {
				if !strings.Contains(rec.Error, w) {
					t.Errorf("error %q does not mention %q", rec.Error, w)
				}
			}
			if after := tc.srv.state(t, user); after != before {
				t.Errorf("the database changed")
			}
			// The user never logged in: not over TLS (refused), not in plaintext.
			if log := tc.srv.generalLog(t); strings.Contains(log, user+"@") {
				t.Errorf("the server saw a login of %s:\n%s", user, grepLines(log, user))
			}
		})
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestLabelMoveFailsThroughout: Secrets Manager refuses the label move for the whole
// invocation. The engine retries it for most of the function's timeout, then gives a single
// user its current password back: AWSCURRENT logs in, and the error says so.
func TestLabelMoveFailsThroughout(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			arn := setupUser(t, e, kind)
			eng := e.engine(e.rotator(modeOf(kind)), nil)
			e.fnARN = e.Register("rotator", eng.Invoke, emulator.FunctionConfig{Timeout: 5 * time.Second})
			if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
				t.Fatalf("first rotation: %s", rec.Error)
			}
			e.InjectFault(emulator.Fault{Operation: "secretsmanager.UpdateSecretVersionStage", ErrorCode: "InternalServiceError", Count: 1 << 20})
			rec := e.rotate(arn, 2)
			if err := e.Control.ClearFaults(t.Context()); err != nil {
				t.Fatal(err)
			}
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "UpdateSecretVersionStage") {
				t.Fatalf("rotation %s (%s), want finishSecret failed naming UpdateSecretVersionStage", rec.Outcome, rec.Error)
			}
			if kind != kindAlternating && !strings.Contains(rec.Error, "the service was given the AWSCURRENT secret back") {
				t.Errorf("error %q does not say the current password was put back", rec.Error)
			}
			e.checkAfterFault(arn, kind)
			e.completeNext(arn, 3)
		})
	}
}
