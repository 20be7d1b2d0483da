package postgres_test

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lambdadb "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"

	"github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestTLS runs a single-user rotation against servers with and without TLS, with
// certificates the rotator can and cannot verify, for each "ssl" value of the AWS samples.
// A certificate or host name failure fails the rotation and changes nothing, although the
// server would accept the same login without TLS; without TLS on the server, only
// "ssl": false logs in (an absent "ssl" requires TLS, as "ssl": true does).
func TestTLS(t *testing.T) {
	t.Parallel()
	// "tls" is the shared server; the rotator trusts its CA only when trustCA.
	servers := map[string]testenv.PostgresOptions{
		"tls":         {},
		"wrong host":  {TLSHosts: []string{"db.example.com"}},
		"no TLS":      {NoTLS: true},
		"require TLS": {RequireTLS: true},
	}
	cases := []struct {
		name       string
		server     string
		host       string // the secret's host; 127.0.0.1 when empty
		trustCA    bool   // the rotator trusts the server's CA (SSL_ROOT_CERT)
		ssl        any    // the secret's "ssl"; nil: absent
		wantErr    []string
		wantTLS    bool // the rotator's sessions used TLS
		wantWarned bool // the fallback to plaintext was logged
	}{
		{name: "verified, ssl absent", server: "tls", trustCA: true, wantTLS: true},
		{name: "verified, ssl true", server: "tls", trustCA: true, ssl: true, wantTLS: true},
		{name: "verified, ssl \"TRUE\"", server: "tls", trustCA: true, ssl: "TRUE", wantTLS: true},
		{name: "ssl false", server: "tls", trustCA: true, ssl: false, wantTLS: false},
		{name: "ssl \"false\"", server: "tls", trustCA: true, ssl: "false", wantTLS: false},
		{name: "wrong host name, ssl absent", server: "wrong host", trustCA: true,
			wantErr: []string{"TLS certificate verification failed (never retried without TLS)", "cannot validate certificate for 127.0.0.1"}},
		{name: "wrong host name (DNS), ssl absent", server: "wrong host", host: "localhost", trustCA: true,
			wantErr: []string{"TLS certificate verification failed (never retried without TLS)", "certificate is valid for db.example.com, not localhost"}},
		{name: "wrong host name, ssl true", server: "wrong host", trustCA: true, ssl: true,
			wantErr: []string{"TLS certificate verification failed", "cannot validate certificate for 127.0.0.1"}},
		{name: "wrong host name, ssl not a boolean", server: "wrong host", trustCA: true, ssl: "maybe",
			wantErr: []string{"TLS certificate verification failed", "cannot validate certificate for 127.0.0.1"}},
		{name: "unknown CA, ssl absent", server: "tls", trustCA: false,
			wantErr: []string{"TLS certificate verification failed", "certificate signed by unknown authority"}},
		// Attack 6: a man in the middle answering "no TLS" to a secret without "ssl".
		{name: "no TLS on the server, ssl absent", server: "no TLS",
			wantErr: []string{"refused: TLS is required unless the secret says \"ssl\": false", "SSL is not enabled on the server"}},
		{name: "no TLS on the server, ssl false", server: "no TLS", ssl: false, wantTLS: false},
		{name: "no TLS on the server, ssl true", server: "no TLS", ssl: true,
			wantErr: []string{"pq: SSL is not enabled on the server", `"ssl" is true`}},
		{name: "server requires TLS, ssl false", server: "require TLS", trustCA: true, ssl: false,
			wantErr: []string{"pg_hba.conf rejects connection", "no encryption"}},
	}
	for server, opts := range servers {
		t.Run(server, func(t *testing.T) {
			t.Parallel()
			var pg *testenv.Postgres
			if server == "tls" {
				pg = sharedPostgres(t)
			} else {
				pg = startPostgres(t, opts)
			}
			for i, tc := range cases {
				if tc.server != server {
					continue
				}
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					testTLSCase(t, pg, fmt.Sprintf("tls%d", i), tc.host, tc.trustCA, tc.ssl, tc.wantErr, tc.wantTLS, tc.wantWarned)
				})
			}
		})
	}
}

func testTLSCase(t *testing.T, pg *testenv.Postgres, user, host string, trustCA bool, ssl any, wantErr []string, wantTLS, wantWarned bool) {
	db := user + "db"
	createUser(t, pg, user, "Initial-pw-1", db)
	e := newEmulator(t)
	trusted := pg
	if !trustCA {
		trusted = nil
	}
	e.register(e.engine(newRotator(t, trusted, postgres.Options{}), nil).Invoke)
	extra := map[string]any{}
	if ssl != nil {
		extra["ssl"] = ssl
	}
	if host != "" {
		extra["host"] = host
	}
	arn := e.createSecret("db", pgSecret(pg, user, "Initial-pw-1", db, extra))
	before := roleState(t, pg, "postgres", user)
	rec := e.rotate(arn, 1)
	log := serverLog(t, pg)
	if len(wantErr) > 0 {
		if rec.Outcome != "failed" {
			t.Fatalf("rotation %s, want failed", rec.Outcome)
		}
		for _, w := range append(wantErr, "setSecret", "log in to ") {
			if !strings.Contains(rec.Error, w) {
				t.Errorf("error %q does not mention %q", rec.Error, w)
			}
		}
		if strings.Contains(log, "connection authorized: user="+user+" ") || strings.Contains(log, "ALTER ROLE "+pq.QuoteIdentifier(user)+" ") {
			t.Errorf("the rotator logged in after a failed TLS check:\n%s", tailLines(log, 20))
		}
		if after := roleState(t, pg, "postgres", user); after != before {
			t.Errorf("the failed rotation changed the database")
		}
		if err := loginLenient(pg, user, "Initial-pw-1", db); err != nil {
			t.Errorf("the initial password no longer logs in: %v", err)
		}
		return
	}
	if rec.Outcome != "succeeded" {
		t.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
	}
	cur := e.value(arn, rotation.StageCurrent)
	if err := loginLenient(pg, user, cur.Password, db); err != nil {
		t.Errorf("the new password does not log in: %v", err)
	}
	sessions := regexp.MustCompile(`connection authorized: user=`+user+` database=`+db+` application_name=secretsmanager-rotation.*`).FindAllString(log, -1)
	if len(sessions) == 0 {
		t.Fatalf("no session of the rotator in the server log:\n%s", tailLines(log, 30))
	}
	for _, s := range sessions {
		if got := strings.Contains(s, "SSL enabled"); got != wantTLS {
			t.Errorf("rotator session %q: TLS %v, want %v", s, got, wantTLS)
		}
	}
	if warned := strings.Contains(e.logs.String(), "the server does not offer TLS"); warned != wantWarned {
		t.Errorf("fallback warning logged: %v, want %v", warned, wantWarned)
	}
}

// TestEmbeddedRDSBundle checks the embedded Amazon RDS CA bundle: every certificate parses,
// is a self-signed CA that has not expired, and the regions' current roots are there.
func TestEmbeddedRDSBundle(t *testing.T) {
	t.Parallel()
	data := lambdadb.RDSCABundle()
	var names []string
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatalf("certificate %d: %v", len(names)+1, err)
		}
		if !c.IsCA || c.CheckSignatureFrom(c) != nil {
			t.Errorf("%s is not a self-signed CA", c.Subject.CommonName)
		}
		if time.Now().After(c.NotAfter) {
			t.Errorf("%s expired on %s", c.Subject.CommonName, c.NotAfter)
		}
		names = append(names, c.Subject.CommonName)
	}
	if len(names) < 80 {
		t.Errorf("%d certificates, want the RDS roots of every region", len(names))
	}
	for _, want := range []string{"Amazon RDS us-east-1 Root CA RSA2048 G1", "Amazon RDS eu-west-1 Root CA ECC384 G1",
		"Amazon RDS ap-southeast-2 Root CA RSA4096 G1", "Amazon Root CA 1"} {
		if !strings.Contains(strings.Join(names, "\n"), want) {
			t.Errorf("the bundle lacks %q", want)
		}
	}
}

// TestMasterOnlyOverTLS: a master password goes only over verified TLS, whatever the
// secrets' "ssl" says: against a server without TLS, alternating users are refused naming
// the rule, and the master never logs in.
func TestMasterOnlyOverTLS(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t, testenv.PostgresOptions{NoTLS: true})
	for _, masterSSL := range []any{nil, false} {
		t.Run(fmt.Sprintf("master ssl %v", masterSSL), func(t *testing.T) {
			t.Parallel()
			user := fmt.Sprintf("notls_%v", masterSSL != nil)
			createUser(t, pg, user, "Initial-pw-1", "")
			e := newEmulator(t)
			e.useRotator(pg, postgres.Options{Mode: rotation.ModeAlternating}, nil)
			master := map[string]any{}
			if masterSSL != nil {
				master["ssl"] = masterSSL
			}
			masterARN := e.createSecret("master", pgSecret(pg, pg.Superuser, pg.Password, "postgres", master))
			arn := e.createSecret("app", pgSecret(pg, user, "Initial-pw-1", "postgres", map[string]any{"ssl": false, "masterarn": masterARN}))
			e.logs.Forbid(pg.Password)
			rec := e.rotate(arn, 1)
			const rule = "refused: a master password is sent only over verified TLS"
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, rule) {
				t.Fatalf("rotation %s (%s), want failed with %q", rec.Outcome, rec.Error, rule)
			}
			if strings.Contains(serverLog(t, pg), "connection authorized: user="+pg.Superuser+" database=postgres application_name=secretsmanager-rotation") {
				t.Errorf("the master logged in without TLS")
			}
			e.logs.Check(rec.Error)
		})
	}
}
