package testenv_test

import (
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

func TestPostgres(t *testing.T) {
	t.Parallel()
	start := time.Now()
	pg := testenv.StartPostgres(t, testenv.PostgresOptions{Superuser: "Admin User", Password: `it's a "pass\word"`, LogStatements: true})
	t.Logf("PostgreSQL started in %s on port %d", time.Since(start).Round(time.Millisecond), pg.Port)
	db := pg.DB(t)

	var ssl bool
	var version string
	if err := db.QueryRowContext(t.Context(), `SELECT ssl, current_setting('server_version') FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl, &version); err != nil {
		t.Fatal(err)
	}
	if !ssl || !strings.HasPrefix(version, "15.") {
		t.Errorf("ssl=%v version=%s, want TLS on PostgreSQL 15", ssl, version)
	}
	if _, err := db.ExecContext(t.Context(), `SELECT 'statement-marker-1234'`); err != nil {
		t.Fatal(err)
	}
	log, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log, "statement-marker-1234") {
		t.Errorf("log_statement=all: the statement is not in the server log")
	}

	// Plaintext is allowed unless RequireTLS; a wrong password is refused.
	mustPing(t, pg.SuperuserDSN()+" sslmode=disable", "")
	mustPing(t, pg.DSN(pg.Superuser, "wrong", "postgres"), "password authentication failed")

	// Down and up again: killed (as a crash), then stopped cleanly.
	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	if pg.Running() {
		t.Errorf("Running after Kill")
	}
	mustPing(t, pg.SuperuserDSN(), "connection refused")
	if err := pg.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustPing(t, pg.SuperuserDSN(), "")
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	mustPing(t, pg.SuperuserDSN(), "connection refused")
	if err := pg.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustPing(t, pg.SuperuserDSN(), "")
}

func TestPostgresTLSOptions(t *testing.T) {
	t.Parallel()
	other, err := testenv.NewCA("another CA")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts testenv.PostgresOptions
		dsn  func(pg *testenv.Postgres) string
		want string // error substring, "" for success
	}{
		{"RequireTLS refuses plaintext", testenv.PostgresOptions{RequireTLS: true},
			func(pg *testenv.Postgres) string { return pg.SuperuserDSN() + " sslmode=disable" }, "pg_hba.conf rejects connection"},
		{"RequireTLS accepts TLS", testenv.PostgresOptions{RequireTLS: true},
			func(pg *testenv.Postgres) string { return pg.SuperuserDSN() }, ""},
		{"certificate for another host name", testenv.PostgresOptions{TLSHosts: []string{"db.example.com"}},
			func(pg *testenv.Postgres) string { return pg.SuperuserDSN() }, "doesn't contain any IP SANs"},
		{"certificate from an unknown CA", testenv.PostgresOptions{CA: other},
			func(pg *testenv.Postgres) string {
				f := writeTemp(t, mustCA(t).CertPEM)
				return pg.SuperuserDSN() + " sslrootcert='" + f + "'"
			}, "certificate signed by unknown authority"},
		{"no TLS", testenv.PostgresOptions{NoTLS: true},
			func(pg *testenv.Postgres) string { return pg.SuperuserDSN() + " sslmode=require" }, "SSL is not enabled on the server"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pg := testenv.StartPostgres(t, tc.opts)
			mustPing(t, tc.dsn(pg), tc.want)
		})
	}
}

func mustCA(t *testing.T) *testenv.CA {
	t.Helper()
	ca, err := testenv.NewCA("unrelated")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "ca-*.pem")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// mustPing connects with dsn and expects success, or an error containing want.
func mustPing(t *testing.T, dsn, want string) {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.PingContext(t.Context())
	switch {
	case want == "" && err != nil:
		t.Errorf("connect: %v", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("connect: error %v, want %q", err, want)
	}
}

// TestNewPostgres is the server's life cycle for programs that are not tests: NewPostgres,
// then Close, which leaves no process and no file behind, and may be called again.
func TestNewPostgres(t *testing.T) {
	t.Parallel()
	pg, err := testenv.NewPostgres(t.Context(), testenv.PostgresOptions{NoTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			_ = pg.Close()
		}
	})
	mustPing(t, pg.SuperuserDSN(), "")
	if err := pg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	closed = true
	if pg.Running() {
		t.Errorf("Running after Close")
	}
	mustPing(t, pg.SuperuserDSN(), "connection refused")
	if _, err := os.Stat(pg.DataDir); !os.IsNotExist(err) {
		t.Errorf("the data directory %s is still there after Close (stat: %v)", pg.DataDir, err)
	}
	if err := pg.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
