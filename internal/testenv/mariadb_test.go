package testenv_test

import (
	"crypto/tls"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

func TestMariaDB(t *testing.T) {
	t.Parallel()
	start := time.Now()
	m := testenv.StartMariaDB(t, testenv.MariaDBOptions{RootPassword: `it's a "pass\word"`, GeneralLog: true})
	t.Logf("MariaDB started in %s on port %d", time.Since(start).Round(time.Millisecond), m.Port)
	db := m.DB(t)

	var version, cipher string
	if err := db.QueryRowContext(t.Context(), "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.QueryRowContext(t.Context(), "SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(version, "MariaDB") || cipher == "" {
		t.Errorf("version %q, cipher %q: want MariaDB over TLS", version, cipher)
	}
	var users int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM mysql.user WHERE User = 'root'").Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != 2 {
		t.Errorf("%d root accounts, want root@localhost and root@127.0.0.1", users)
	}
	if _, err := db.ExecContext(t.Context(), "SELECT 'statement-marker-5678'"); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(m.GeneralLogPath); err != nil || !strings.Contains(string(data), "statement-marker-5678") {
		t.Errorf("general log does not hold the statement (%v)", err)
	}

	pingMySQL(t, m.DSN("root", m.RootPassword, "mysql"), "")
	pingMySQL(t, m.DSN("root", "wrong", ""), "Access denied")
	plain := m.Config("root", m.RootPassword, "")
	plain.TLS = nil
	pingMySQL(t, plain.FormatDSN(), "")

	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	if m.Running() {
		t.Errorf("Running after Kill")
	}
	pingMySQL(t, m.DSN("root", m.RootPassword, ""), "connection refused")
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	pingMySQL(t, m.DSN("root", m.RootPassword, ""), "")
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	pingMySQL(t, m.DSN("root", m.RootPassword, ""), "connection refused")
	if err := m.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	pingMySQL(t, m.DSN("root", m.RootPassword, ""), "")
}

func TestMariaDBTLSOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts testenv.MariaDBOptions
		cfg  func(m *testenv.MariaDB) *mysql.Config
		want string
	}{
		{"RequireTLS refuses plaintext", testenv.MariaDBOptions{RequireTLS: true},
			func(m *testenv.MariaDB) *mysql.Config {
				c := m.Config("root", m.RootPassword, "")
				c.TLS = nil
				return c
			}, "Access denied"}, // MariaDB 10.11 words the refusal so
		{"RequireTLS accepts TLS", testenv.MariaDBOptions{RequireTLS: true},
			func(m *testenv.MariaDB) *mysql.Config { return m.Config("root", m.RootPassword, "") }, ""},
		{"certificate for another host name", testenv.MariaDBOptions{TLSHosts: []string{"db.example.com"}},
			func(m *testenv.MariaDB) *mysql.Config {
				// A client that checks the address it dials, as a rotator does.
				c := m.Config("root", m.RootPassword, "")
				c.TLS = m.CA.ClientTLS(m.Host)
				return c
			}, "doesn't contain any IP SANs"},
		{"no TLS", testenv.MariaDBOptions{NoTLS: true},
			func(m *testenv.MariaDB) *mysql.Config {
				c := m.Config("root", m.RootPassword, "")
				c.TLS = &tls.Config{InsecureSkipVerify: true}
				return c
			}, "TLS requested but server does not support TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := testenv.StartMariaDB(t, tc.opts)
			c := tc.cfg(m)
			conn, err := mysql.NewConnector(c)
			if err != nil {
				t.Fatal(err)
			}
			db := sql.OpenDB(conn)
			defer db.Close()
			err = db.PingContext(t.Context())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("connect: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("connect: %v, want %q", err, tc.want)
			}
		})
	}
}

func pingMySQL(t *testing.T, dsn, want string) {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
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

// TestMariaDBTLSHostsDB: with other certificate names, the helpers verify those names, so
// DB(t) still connects.
func TestMariaDBTLSHostsDB(t *testing.T) {
	m := testenv.StartMariaDB(t, testenv.MariaDBOptions{TLSHosts: []string{"db.example"}})
	var one int
	if err := m.DB(t).QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 over TLS verified for db.example: %d, %v", one, err)
	}
}
