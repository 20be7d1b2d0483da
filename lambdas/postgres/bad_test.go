package postgres_test

import (
	"fmt"
	"net"
	"strings"
	"testing"

	lambdadb "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return port
}

// TestBadSecrets: secrets the rotator cannot use fail the rotation with a message that
// names the field or the cause, and change nothing: neither the database nor AWSCURRENT.
func TestBadSecrets(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	const good = "Initial-pw-1"
	type setup struct {
		user   string
		port   int    // a closed port
		master string // ARN of a valid master secret
		other  string // ARN of a master secret whose password is wrong
		noPW   string // ARN of a master secret without a password
		far    string // ARN of a master secret for another server
	}
	cases := []struct {
		name    string
		secret  func(s setup) map[string]any // fields over a valid single-user secret; nil values delete
		env     map[string]string            // the rotator's environment (FromEnv)
		wantErr []string
	}{
		{name: "missing host", secret: func(setup) map[string]any { return map[string]any{"host": nil} },
			wantErr: []string{"createSecret", `current secret: secret field "host" is missing`}},
		{name: "missing username", secret: func(setup) map[string]any { return map[string]any{"username": nil} },
			wantErr: []string{"createSecret", `secret field "username" is missing`}},
		{name: "missing password", secret: func(setup) map[string]any { return map[string]any{"password": nil} },
			wantErr: []string{"createSecret", `secret field "password" is missing`}},
		{name: "missing engine", secret: func(setup) map[string]any { return map[string]any{"engine": nil} },
			wantErr: []string{"createSecret", `secret field "engine" is missing`}},
		{name: "wrong engine", secret: func(setup) map[string]any { return map[string]any{"engine": "mysql"} },
			wantErr: []string{"createSecret", `secret field "engine" is "mysql"; this rotator handles postgres, aurora-postgresql`}},
		{name: "port not a number", secret: func(setup) map[string]any { return map[string]any{"port": "five"} },
			wantErr: []string{"createSecret", `secret field "port" must be an integer`}},
		{name: "unreachable host", secret: func(s setup) map[string]any { return map[string]any{"port": s.port} },
			wantErr: []string{"setSecret", "log in to 127.0.0.1:", "with the pending password", "connection refused"}},
		{name: "wrong current password", secret: func(setup) map[string]any { return map[string]any{"password": "Wrong-pw-1"} },
			wantErr: []string{"setSecret", "with the pending or current password", "pq: password authentication failed for user", "(28P01)"}},
		{name: "unknown user", secret: func(setup) map[string]any { return map[string]any{"username": "bad_nobody"} },
			wantErr: []string{"setSecret", `as "bad_nobody" with the pending or current password`, `password authentication failed for user "bad_nobody"`}},
		{name: "unknown database", secret: func(setup) map[string]any { return map[string]any{"dbname": "bad_nodb"} },
			wantErr: []string{"setSecret", `database "bad_nodb" does not exist (3D000)`}},
		{name: "wrong master password", secret: func(s setup) map[string]any { return map[string]any{"masterarn": s.other} },
			wantErr: []string{"setSecret", "with the master secret", "password authentication failed for user", "(28P01)"}},
		{name: "master without password", secret: func(s setup) map[string]any { return map[string]any{"masterarn": s.noPW} },
			wantErr: []string{"setSecret", `secret field "password" is missing`, "master secret arn:"}},
		{name: "master for another server", secret: func(s setup) map[string]any { return map[string]any{"masterarn": s.far} },
			wantErr: []string{"setSecret", "the master secret's database 127.0.0.1:", "is not the current secret's"}},
		{name: "master secret does not exist", secret: func(setup) map[string]any {
			return map[string]any{"masterarn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"}
		}, wantErr: []string{"setSecret", "master secret (masterarn)", "ResourceNotFoundException"}},
		{name: "current password wrong, alternating", secret: func(s setup) map[string]any {
			return map[string]any{"masterarn": s.master, "password": "Wrong-pw-1"}
		}, wantErr: []string{"setSecret", "with the current password (checked before the master changes anything)", "(28P01)"}},
		{name: "alternating without masterarn", env: map[string]string{rotation.EnvStrategy: "alternating"},
			wantErr: []string{"createSecret", `refused: ROTATION_STRATEGY=alternating needs the master secret's ARN in the secret's "masterarn" field`}},
		{name: "unknown strategy", env: map[string]string{rotation.EnvStrategy: "sometimes"},
			wantErr: []string{"createSecret", `configuration: ROTATION_STRATEGY="sometimes": want single, alternating or auto`}},
		{name: "missing root certificate file", env: map[string]string{lambdadb.EnvRootCert: "/nonexistent/ca.pem"},
			wantErr: []string{"createSecret", "configuration: SSL_ROOT_CERT: read the CA certificates: open /nonexistent/ca.pem"}},
		{name: "clone name too long", secret: func(s setup) map[string]any {
			return map[string]any{"masterarn": s.master, "username": strings.Repeat("x", 60)}
		}, wantErr: []string{"createSecret", `with "_clone" appended would be 66 bytes, more than PostgreSQL's 63`}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			user := fmt.Sprintf("bad_%d", i)
			createUser(t, pg, user, good, "")
			roles := []string{user}
			if tc.name == "clone name too long" {
				roles = append(roles, strings.Repeat("x", 60))
				createUser(t, pg, roles[1], good, "")
			}
			e := newEmulator(t)
			if tc.env != nil {
				env := map[string]string{lambdadb.EnvRootCert: pg.CAFile}
				for k, v := range tc.env {
					env[k] = v
				}
				e.register(e.engine(postgres.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }), nil).Invoke)
			}
			s := setup{user: user, port: closedPort(t)}
			s.master = e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", nil))
			s.other = e.createSecret("other", pgSecret(pg, pg.Superuser, "Wrong-master-pw", "postgres", nil))
			s.noPW = e.createSecret("nopw", pgSecret(pg, pg.Superuser, "", "postgres", map[string]any{"password": nil}))
			s.far = e.createSecret("far", pgSecret(pg, pg.Superuser, pg.Password, "postgres", map[string]any{"port": s.port}))
			var fields map[string]any
			if tc.secret != nil {
				fields = tc.secret(s)
			}
			if tc.env == nil {
				mode := rotation.ModeSingle
				if _, ok := fields["masterarn"]; ok {
					mode = rotation.ModeAlternating
				}
				e.useRotator(pg, postgres.Options{Mode: mode}, nil)
			}
			initial := pgSecret(pg, user, good, "postgres", fields)
			arn := e.createSecret("app", initial)
			before := roleState(t, pg, "postgres", roles...)
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation %s, want failed", rec.Outcome)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(rec.Error, w) {
					t.Errorf("error %q does not mention %q", rec.Error, w)
				}
			}
			t.Logf("error: %s", rec.Error)
			checkNoSecret(t, "the error", rec.Error, good, pg.Password)
			if after := roleState(t, pg, "postgres", roles...); after != before {
				t.Errorf("the failed rotation changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if cur := e.value(arn, rotation.StageCurrent); cur.raw == nil || secretJSON(toAny(cur.raw)) != initial {
				t.Errorf("AWSCURRENT changed")
			}
			mustLogin(t, pg, user, good, "postgres", "the user's password")
		})
	}
}

func toAny[T any](m map[string]T) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
