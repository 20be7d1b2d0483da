package mysql_test

import (
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/mysql"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestConfusedDeputy is issue 12's attack 1: whoever can write an application's secret
// (but not read the master secret) names another user in it. The master must change
// nothing, since the secret's credentials do not log in as that user; the error names the
// rule, and the victim's account is unchanged and still logs in.
func TestConfusedDeputy(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	const masterPW, dbaPW = "Master-Passw0rd-cd", "Dba-Passw0rd-cd"
	srv.createUser(t, "cd_boss", "%", masterPW)
	srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO "+quoteAccount("cd_boss", "%")+" WITH GRANT OPTION")
	srv.createUser(t, "cd_dba", "%", dbaPW)
	srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO "+quoteAccount("cd_dba", "%"))
	srv.createUser(t, "cd_app", "%", "App-Passw0rd-cd")
	cases := []struct {
		name, username, password, victim, rule string
	}{
		// The clone of a privileged user: the master would reset cd_dba's password.
		{"another user's clone", "cd_dba_clone", "Attacker-1", "cd_dba", "refused: the user secret's current credentials must log in before the master changes anything"},
		// The master's clone: the master would reset its own password.
		{"the master's clone", "cd_boss_clone", "Attacker-2", "cd_boss", "refused: the user secret's current credentials must log in before the master changes anything"},
		// The attacker's own account, renamed to the master's clone pair with valid
		// credentials for neither.
		{"the master itself", "cd_boss", "Attacker-3", "cd_boss", "refused: the user secret's current credentials must log in before the master changes anything"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEmu(t, srv)
			e.register(e.engine(e.rotator(mysql.ModeAlternating), nil).Invoke)
			masterARN := e.createSecret("master", dbSecret(srv, "cd_boss", masterPW))
			e.logs.Forbid(masterPW, dbaPW)
			arn := e.createSecret("app", dbSecret(srv, tc.username, tc.password, "masterarn", masterARN))
			before := srv.state(t, tc.victim, tc.victim+mysql.CloneSuffix)
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, tc.rule) {
				t.Errorf("rotation %s (%s), want failed with %q", rec.Outcome, rec.Error, tc.rule)
			}
			if after := srv.state(t, tc.victim, tc.victim+mysql.CloneSuffix); after != before {
				t.Errorf("the victim's accounts changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			if pend, err := e.valueOf(arn, rotation.StagePending); err == nil {
				if pw, _ := pend["password"].(string); pw != "" && (srv.login("cd_dba", pw) == nil || srv.login("cd_boss", pw) == nil) {
					t.Errorf("the attacker's AWSPENDING logs in as a privileged user")
				}
			}
			if err := srv.login("cd_dba", dbaPW); err != nil {
				t.Errorf("cd_dba no longer logs in: %v", err)
			}
			if err := srv.login("cd_boss", masterPW); err != nil {
				t.Errorf("the master no longer logs in: %v", err)
			}
			e.logs.Check(rec.Error)
		})
	}
}
