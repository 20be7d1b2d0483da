package testenv

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// TestFakeMySQLCatchesALeak: a client that sends passwords in clear text (what the
// rotators must never do) leaks it to the fake server, which records it; and the accepted
// user logs in and gets answers.
func TestFakeMySQLCatchesALeak(t *testing.T) {
	t.Parallel()
	f := StartFakeMySQL(t, FakeMySQLOptions{AuthPlugin: "mysql_clear_password", AcceptUser: "attacker"})
	login := func(user, pw string) (*sql.DB, error) {
		cfg := mysql.NewConfig()
		cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, pw, "tcp", f.Addr()
		cfg.AllowCleartextPasswords, cfg.Timeout = true, 5*time.Second
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(c)
		return db, db.PingContext(context.Background())
	}
	db, err := login("victim", "Leaked-Secret-1")
	db.Close()
	if err == nil {
		t.Fatal("the fake server accepted the victim")
	}
	if !bytes.Contains(f.Received(), []byte("Leaked-Secret-1")) {
		t.Errorf("the fake server did not record the clear-text password")
	}
	db, err = login("attacker", "x")
	if err != nil {
		t.Fatalf("the accepted user does not log in: %v", err)
	}
	defer db.Close()
	var who string
	if err := db.QueryRow("SELECT CURRENT_USER()").Scan(&who); err != nil || who != "attacker@%" {
		t.Errorf("CURRENT_USER() = %q, %v", who, err)
	}
}
