package mysql_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/mysql"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// allPunctuation is every character GetRandomPassword may use as punctuation.
const allPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// dualProbe calls probe in finishSecret, between the label move and the cleanup.
type dualProbe struct {
	*mysql.Rotator
	probe func(context.Context, *rotation.Run)
}

func (d dualProbe) Finish(ctx context.Context, run *rotation.Run) error {
	d.probe(ctx, run)
	return d.Rotator.Finish(ctx, run)
}

// punctuationStrategy makes every pending password hold every punctuation character.
type punctuationStrategy struct{ *mysql.Rotator }

func (p punctuationStrategy) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	s, err := p.Rotator.NewPending(ctx, run)
	if err != nil {
		return nil, err
	}
	s.SetString("password", "Pw1"+allPunctuation+randomWord(12))
	return s, nil
}

// TestSingleUser rotates single users twice through RotateSecret and the in-process
// handler: the new password logs in, the labels are right, the old password no longer logs
// in, and neither the server's general log nor the function's log holds a password.
func TestSingleUser(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	srv.exec(t, "INSTALL SONAME 'auth_ed25519'")
	cases := []struct {
		name  string
		user  string
		hosts []string
		setup []string // as root; %s is the account (first host)
		// secret: extra fields (nil deletes one)
		extra    []any
		env      map[string]string
		punct    bool
		dual     bool // the user may ALTER USER: both passwords work until finishSecret
		ed25519  bool // the user authenticates with MariaDB's ed25519 plugin
		password string
	}{
		{name: "AWS sample secret as-is", user: "app", hosts: []string{"%"}, password: "Initial-Passw0rd",
			extra: []any{"engine", "mysql", "port", fmt.Sprint(srv.db.Port), "dbname", nil, "ssl", nil}},
		{name: "host 127.0.0.1 with REQUIRE SSL", user: "local", hosts: []string{"127.0.0.1"}, password: "Local-Passw0rd",
			setup: []string{"ALTER USER %s REQUIRE SSL", "GRANT SELECT ON mysql.db TO %s"}, extra: []any{"engine", "aurora-mysql"}},
		{name: "username needing quotes", user: "We`ird 'Us\"er\\ Name", hosts: []string{"%"}, password: "Quoted-Passw0rd"},
		{name: "every punctuation character", user: "punct", hosts: []string{"%"}, password: "Pw0" + allPunctuation, punct: true},
		{name: "passwords from every character", user: "anychar", hosts: []string{"%"}, password: "Any-Passw0rd",
			env: map[string]string{"EXCLUDE_CHARACTERS": "", "PASSWORD_LENGTH": "64"}},
		{name: "ed25519 plugin", user: "edward", hosts: []string{"%"}, password: "Ed-Passw0rd", ed25519: true},
		{name: "privileged user on several hosts", user: "admin", hosts: []string{"%", "127.0.0.1", "10.%"}, password: "Admin-Passw0rd",
			setup: []string{"GRANT CREATE USER ON *.* TO %s", "GRANT SELECT ON mysql.* TO %s"}, dual: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			for _, h := range tc.hosts {
				if tc.ed25519 {
					srv.exec(t, fmt.Sprintf("CREATE USER %s IDENTIFIED VIA ed25519 USING '%s'", quoteAccount(tc.user, h), mysql.Ed25519Hash(tc.password)))
					continue
				}
				srv.createUser(t, tc.user, h, tc.password)
				for _, st := range tc.setup {
					srv.exec(t, fmt.Sprintf(st, quoteAccount(tc.user, h)))
				}
			}
			var sawBoth bool
			var strategy rotation.Strategy = dualProbe{Rotator: e.rotator(rotation.ModeSingle), probe: func(ctx context.Context, run *rotation.Run) {
				// In finishSecret, after AWSCURRENT moved and before the old password is
				// dropped: with dual passwords, both work.
				c, _ := run.Current(ctx)
				p, _ := run.Previous(ctx)
				if p != nil && c != nil {
					cp, _ := c.GetString("password")
					pp, _ := p.GetString("password")
					sawBoth = srv.login(tc.user, cp) == nil && srv.login(tc.user, pp) == nil
				}
			}}
			if tc.punct {
				strategy = punctuationStrategy{e.rotator(rotation.ModeSingle)}
			}
			eng := e.engine(strategy, tc.env)
			e.register(eng.Invoke)
			arn := e.createSecret("db-"+randomWord(6), dbSecret(srv, tc.user, tc.password, tc.extra...))
			before := e.value(arn, rotation.StageCurrent)
			for n := 1; n <= 2; n++ {
				sawBoth = false
				rec := e.rotate(arn, n)
				cur := e.checkRotated(arn, rec, before, true)
				for _, h := range tc.hosts[1:] {
					// Every account of the user has the new password (checked by hash).
					var line string
					if err := srv.root.QueryRow("SHOW CREATE USER " + quoteAccount(tc.user, h)).Scan(&line); err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(line, nativeHash(cur["password"].(string))) || strings.Contains(line, " OR ") {
						t.Errorf("account %s@%s: %s; want only the new password", tc.user, h, line)
					}
				}
				if !tc.punct && sawBoth != tc.dual {
					t.Errorf("rotation %d: both passwords worked after AWSCURRENT moved, before the cleanup: %v, want %v", n, sawBoth, tc.dual)
				}
				if tc.ed25519 {
					var line string
					if err := srv.root.QueryRow("SHOW CREATE USER " + quoteAccount(tc.user, "%")).Scan(&line); err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(line, "ed25519 USING '"+mysql.Ed25519Hash(cur["password"].(string))+"'") {
						t.Errorf("the ed25519 account is now %s", line)
					}
				}
				if tc.punct && !strings.Contains(cur["password"].(string), allPunctuation) {
					t.Errorf("the password lacks punctuation")
				}
				before = cur
			}
			e.checkNoSecretsLogged()
		})
	}
}

func arnOf(payload []byte) string {
	s := string(payload)
	i := strings.Index(s, `"SecretId":"`)
	if i < 0 {
		return ""
	}
	s = s[i+len(`"SecretId":"`):]
	return s[:strings.IndexByte(s, '"')]
}

// grantsAs returns SHOW GRANTS for an account with the user name replaced, for comparing
// a clone's grants with the original's. MariaDB's first line (the password hash) is
// dropped.
func grantsAs(t *testing.T, srv *server, user, host, as string) []string {
	t.Helper()
	var out []string
	for _, l := range grants(t, srv.root, quoteAccount(user, host)) {
		if i := strings.Index(l, " IDENTIFIED "); i >= 0 {
			// GRANT USAGE ... IDENTIFIED BY PASSWORD '...' [REQUIRE ...] [WITH ...]
			rest := l[i+len(" IDENTIFIED "):]
			j := strings.Index(rest, " REQUIRE ")
			if j < 0 {
				j = strings.Index(rest, " WITH ")
			}
			tail := ""
			if j >= 0 {
				tail = rest[j:]
			}
			l = l[:i] + tail
		}
		out = append(out, strings.ReplaceAll(l, quoteIdent(user)+"@", quoteIdent(as)+"@"))
	}
	slices.Sort(out)
	return out
}

// TestAlternatingUsers: the clone is created on every host of the original with its
// grants (WITH GRANT OPTION, column and routine privileges, roles, PROXY), TLS
// requirements and account options; grants the original loses are revoked from the clone;
// the previous user keeps working.
func TestAlternatingUsers(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	e := newEmu(t, srv)
	srv.createUser(t, "master", "%", "Master-Passw0rd")
	srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO `master`@`%` WITH GRANT OPTION",
		"CREATE DATABASE shop", "CREATE TABLE shop.orders (id INT, note TEXT, secret TEXT)",
		"CREATE PROCEDURE shop.report() SELECT 1", "CREATE ROLE reader", "GRANT SELECT ON shop.* TO reader",
		// Granting a role takes its admin option.
		"GRANT reader TO `master`@`%` WITH ADMIN OPTION")
	const user = "Shop App"
	hosts := []string{"%", "127.0.0.1", "10.%"}
	for _, h := range hosts {
		a := quoteAccount(user, h)
		srv.createUser(t, user, h, "App-Passw0rd")
		srv.exec(t,
			"GRANT SELECT, INSERT ON shop.* TO "+a+" WITH GRANT OPTION",
			"GRANT UPDATE (note) ON shop.orders TO "+a,
			"GRANT EXECUTE ON PROCEDURE shop.report TO "+a,
			"GRANT reader TO "+a, "SET DEFAULT ROLE reader FOR "+a,
			"ALTER USER "+a+" REQUIRE SSL WITH MAX_QUERIES_PER_HOUR 1000 MAX_USER_CONNECTIONS 7")
	}
	srv.exec(t, "GRANT DELETE ON shop.orders TO "+quoteAccount(user, "127.0.0.1"))
	masterARN := e.createSecret("master", dbSecret(srv, "master", "Master-Passw0rd"))
	e.register(e.engine(e.rotator(rotation.ModeAlternating), nil).Invoke)
	arn := e.createSecret("app", dbSecret(srv, user, "App-Passw0rd", "masterarn", masterARN))

	checkClone := func(when string) {
		t.Helper()
		for _, h := range hosts {
			want, got := grantsAs(t, srv, user, h, "X"), grantsAs(t, srv, user+"_clone", h, "X")
			if !slices.Equal(want, got) {
				t.Errorf("%s: grants of the clone @%s differ:\noriginal %q\nclone    %q", when, h, want, got)
			}
		}
	}
	before := e.value(arn, rotation.StageCurrent)
	rec := e.rotate(arn, 1)
	before = e.checkRotated(arn, rec, before, false)
	if before["username"] != user+"_clone" {
		t.Fatalf("first rotation: username %v, want the clone", before["username"])
	}
	checkClone("after the clone was created")

	// The original loses and gains privileges; the next rotations bring the clone along.
	for _, h := range hosts {
		a := quoteAccount(user, h)
		srv.exec(t, "REVOKE INSERT ON shop.* FROM "+a, "REVOKE GRANT OPTION ON shop.* FROM "+a,
			"REVOKE UPDATE (note) ON shop.orders FROM "+a, "GRANT UPDATE (secret) ON shop.orders TO "+a,
			"REVOKE reader FROM "+a, "ALTER USER "+a+" REQUIRE NONE WITH MAX_QUERIES_PER_HOUR 500")
	}
	srv.exec(t, "REVOKE DELETE ON shop.orders FROM "+quoteAccount(user, "127.0.0.1"))
	for n := 2; n <= 3; n++ {
		rec := e.rotate(arn, n)
		before = e.checkRotated(arn, rec, before, false)
		checkClone(fmt.Sprintf("after rotation %d", n))
	}
	e.checkNoSecretsLogged()
}
