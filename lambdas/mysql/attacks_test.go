package mysql_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
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
			e.register(e.engine(e.rotator(rotation.ModeAlternating), nil).Invoke)
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

// TestMasterEndpoint is issue 12's attack 2: the writer of an application's secret points
// it at their own server (which accepts any login) and hopes the master logs in there.
// The master's endpoint comes only from the master secret or the RDS API, the user secret
// must name that server (or one of its readers), and the master logs in only over verified
// TLS: a server answering "no TLS", or offering TLS with a certificate the rotator does
// not trust, never sees the master's name or password.
func TestMasterEndpoint(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	const masterPW = "Master-Passw0rd-ep"
	srv.createUser(t, "ep_boss", "%", masterPW)
	srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO "+quoteAccount("ep_boss", "%")+" WITH GRANT OPTION")
	ca, err := testenv.NewCA("untrusted")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue(testenv.Host)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	untrusted := &tls.Config{Certificates: []tls.Certificate{cert}}
	cases := []struct {
		name   string
		fake   testenv.FakeMySQLOptions
		master func(e *emu, fake *testenv.FakeMySQL) string // the master secret's ARN
		rule   string
	}{
		{"master secret without host nor RDS tag", testenv.FakeMySQLOptions{AuthPlugin: "mysql_clear_password"},
			func(e *emu, _ *testenv.FakeMySQL) string {
				return e.createSecret("master", map[string]any{"username": "ep_boss", "password": masterPW})
			}, "the master's endpoint comes from the master secret or the RDS API, never from the user secret"},
		{"RDS-managed master, user secret elsewhere", testenv.FakeMySQLOptions{AuthPlugin: "caching_sha2_password"},
			func(e *emu, _ *testenv.FakeMySQL) string { return rdsMaster(t, e, srv, "ep-1", "ep_boss", masterPW) },
			"refused: the user secret's host must be the master's database or one of its replicas or readers"},
		{"RDS-managed master with a read replica, user secret on neither", testenv.FakeMySQLOptions{AuthPlugin: "caching_sha2_password"},
			func(e *emu, _ *testenv.FakeMySQL) string {
				arn := rdsMaster(t, e, srv, "ep-2", "ep_boss", masterPW)
				rdsReplica(t, e, "ep-2", "ep-2-replica", "localhost", srv.db.Port)
				return arn
			}, "refused: the user secret's host must be the master's database or one of its replicas or readers"},
		{"user secret on a read replica of another instance", testenv.FakeMySQLOptions{AuthPlugin: "caching_sha2_password"},
			func(e *emu, fake *testenv.FakeMySQL) string {
				arn := rdsMaster(t, e, srv, "ep-3", "ep_boss", masterPW)
				if err := e.Control.RegisterDBInstance(t.Context(), emulator.DBInstance{Identifier: "other-3", Engine: "mysql",
					Address: srv.db.Host, Port: srv.db.Port + 1}); err != nil {
					t.Fatal(err)
				}
				rdsReplica(t, e, "other-3", "other-3-replica", fake.Host, fake.Port)
				return arn
			}, "refused: the user secret's host must be the master's database or one of its replicas or readers"},
		{"master endpoint without TLS, clear-text auth", testenv.FakeMySQLOptions{AuthPlugin: "mysql_clear_password"},
			func(e *emu, fake *testenv.FakeMySQL) string {
				return e.createSecret("master", map[string]any{"username": "ep_boss", "password": masterPW, "host": fake.Host, "port": fake.Port})
			}, "refused: a master password is sent only over verified TLS"},
		{"master endpoint with an untrusted certificate, caching_sha2 full auth", testenv.FakeMySQLOptions{TLS: untrusted, AuthPlugin: "caching_sha2_password"},
			func(e *emu, fake *testenv.FakeMySQL) string {
				return e.createSecret("master", map[string]any{"username": "ep_boss", "password": masterPW, "host": fake.Host, "port": fake.Port})
			}, "tls: failed to verify certificate"},
		{"master secret says ssl false", testenv.FakeMySQLOptions{AuthPlugin: "mysql_clear_password"},
			func(e *emu, fake *testenv.FakeMySQL) string {
				return e.createSecret("master", map[string]any{"username": "ep_boss", "password": masterPW, "host": fake.Host, "port": fake.Port, "ssl": false})
			}, "refused: a master password is sent only over verified TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.fake
			opts.AcceptUser = "attacker"
			fake := testenv.StartFakeMySQL(t, opts)
			e := newEmu(t, srv)
			e.register(e.engine(e.rotator(rotation.ModeAlternating), nil).Invoke)
			masterARN := tc.master(e, fake)
			e.logs.Forbid(masterPW)
			arn := e.createSecret("app", map[string]any{"engine": "mysql", "host": fake.Host, "port": fake.Port, "username": "attacker",
				"password": "Attacker-pw", "ssl": false, "masterarn": masterARN})
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, tc.rule) {
				t.Errorf("rotation %s (%s), want failed with %q", rec.Outcome, rec.Error, tc.rule)
			}
			got := fake.Received()
			if bytes.Contains(got, []byte(masterPW)) || bytes.Contains(got, []byte("ep_boss")) {
				t.Errorf("the attacker's server saw the master's login (%d connections)", fake.Connections())
			}
			if err := srv.login("ep_boss", masterPW); err != nil {
				t.Errorf("the master no longer logs in: %v", err)
			}
			e.logs.Check(rec.Error)
		})
	}
}

// rdsMaster registers an RDS instance for the server with a master user secret managed by
// RDS (username and password only, tagged with the instance) and returns its ARN.
func rdsMaster(t testing.TB, e *emu, srv *server, id, user, password string) string {
	t.Helper()
	if err := e.Control.RegisterDBInstance(t.Context(), emulator.DBInstance{Identifier: id, Engine: "mysql", Address: srv.db.Host, Port: srv.db.Port,
		MasterUsername: user, MasterUserPassword: password}); err != nil {
		t.Fatal(err)
	}
	out, err := rds.NewFromConfig(e.AWSConfig(3)).DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil || len(out.DBInstances) != 1 || out.DBInstances[0].MasterUserSecret == nil {
		t.Fatalf("DescribeDBInstances %s: %v", id, err)
	}
	return aws.ToString(out.DBInstances[0].MasterUserSecret.SecretArn)
}

// rdsReplica registers a read replica id of the instance source at host:port, and checks
// that DescribeDBInstances lists it on its source, where the rotator looks for it.
func rdsReplica(t testing.TB, e *emu, source, id, host string, port int) {
	t.Helper()
	if err := e.Control.RegisterDBInstance(t.Context(), emulator.DBInstance{Identifier: id, Engine: "mysql", Address: host, Port: port,
		ReadReplicaSource: source}); err != nil {
		t.Fatal(err)
	}
	out, err := rds.NewFromConfig(e.AWSConfig(3)).DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(source)})
	if err != nil || len(out.DBInstances) != 1 || !slices.Contains(out.DBInstances[0].ReadReplicaDBInstanceIdentifiers, id) {
		t.Fatalf("DescribeDBInstances %s does not list its replica %s: %v", source, id, err)
	}
}

// TestRDSManagedMaster rotates alternating users with a master secret RDS manages (only
// username and password; the endpoint from the RDS API): on the instance itself, with the
// user secret on a read replica of the instance, and (item 9) on an Aurora cluster's
// reader endpoint.
func TestRDSManagedMaster(t *testing.T) {
	t.Parallel()
	srv := startServer(t, testenv.MariaDBOptions{})
	cases := []struct{ name, kind, host string }{
		{"instance", "instance", ""},
		{"read replica", "replica", "localhost"},           // the replica is the same server by another name
		{"aurora reader endpoint", "cluster", "localhost"}, // the reader is the same server by another name
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			master, mpw := fmt.Sprintf("rdsboss%d", i), "Rds-Master-"+randomWord(12)
			srv.createUser(t, master, "%", mpw)
			srv.exec(t, "GRANT ALL PRIVILEGES ON *.* TO "+quoteAccount(master, "%")+" WITH GRANT OPTION")
			e := newEmu(t, srv)
			e.register(e.engine(e.rotator(rotation.ModeAlternating), nil).Invoke)
			var masterARN string
			switch tc.kind {
			case "instance":
				masterARN = rdsMaster(t, e, srv, fmt.Sprintf("my-%d", i), master, mpw)
			case "replica":
				id := fmt.Sprintf("my-%d", i)
				masterARN = rdsMaster(t, e, srv, id, master, mpw)
				rdsReplica(t, e, id, id+"-replica", tc.host, srv.db.Port)
			default:
				id := fmt.Sprintf("aurora-my-%d", i)
				if err := e.Control.RegisterDBCluster(t.Context(), emulator.DBCluster{Identifier: id, Engine: "aurora-mysql", Address: srv.db.Host,
					ReaderAddress: tc.host, Port: srv.db.Port, MasterUsername: master, MasterUserPassword: mpw}); err != nil {
					t.Fatal(err)
				}
				out, err := rds.NewFromConfig(e.AWSConfig(3)).DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
				if err != nil || len(out.DBClusters) != 1 || out.DBClusters[0].MasterUserSecret == nil {
					t.Fatalf("DescribeDBClusters %s: %v", id, err)
				}
				masterARN = aws.ToString(out.DBClusters[0].MasterUserSecret.SecretArn)
			}
			e.logs.Forbid(mpw)
			user, pw := "rdsapp"+randomWord(6), "Rds-App-"+randomWord(12)
			srv.createUser(t, user, "%", pw)
			extra := []any{"masterarn", masterARN}
			if tc.host != "" {
				extra = append(extra, "host", tc.host)
			}
			arn := e.createSecret("app", dbSecret(srv, user, pw, extra...))
			before := e.value(arn, rotation.StageCurrent)
			for n := 1; n <= 2; n++ {
				before = e.checkRotated(arn, e.rotate(arn, n), before, false)
			}
			if !strings.Contains(e.logs.String(), "master endpoint from the RDS API") {
				t.Errorf("the log does not say where the master endpoint came from")
			}
		})
	}
}
