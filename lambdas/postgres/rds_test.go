package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// rdsManagedMaster registers the DB instance (kind "instance") or Aurora cluster (kind
// "cluster") id on the test's server with ManageMasterUserPassword: the emulator creates the
// master user secret RDS would manage (rds!db-... or rds!cluster-..., owned by rds, tagged
// aws:rds:primarydbinstancearn or aws:rds:primarydbclusterarn, holding only username and
// password: the superuser's). It returns the secret's ARN, found as AWS users find it: in
// MasterUserSecret of DescribeDBInstances or DescribeDBClusters.
func rdsManagedMaster(tb testing.TB, e *env, pg *testenv.Postgres, kind, id string) string {
	tb.Helper()
	ctx := context.Background()
	client := rds.NewFromConfig(e.AWSConfig(3))
	var secret *string
	switch kind {
	case "instance":
		if err := e.Control.RegisterDBInstance(ctx, emulator.DBInstance{Identifier: id, Engine: "postgres", Address: testenv.Host, Port: pg.Port,
			MasterUsername: pg.Superuser, MasterUserPassword: pg.Password}); err != nil {
			tb.Fatal(err)
		}
		out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
		if err != nil {
			tb.Fatalf("DescribeDBInstances %s: %v", id, err)
		}
		if len(out.DBInstances) == 1 && out.DBInstances[0].MasterUserSecret != nil {
			secret = out.DBInstances[0].MasterUserSecret.SecretArn
		}
	case "cluster":
		// Its reader endpoint is the same server by another name.
		if err := e.Control.RegisterDBCluster(ctx, emulator.DBCluster{Identifier: id, Engine: "aurora-postgresql", Address: testenv.Host, Port: pg.Port,
			ReaderAddress: "localhost", MasterUsername: pg.Superuser, MasterUserPassword: pg.Password}); err != nil {
			tb.Fatal(err)
		}
		out, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
		if err != nil {
			tb.Fatalf("DescribeDBClusters %s: %v", id, err)
		}
		if len(out.DBClusters) == 1 && out.DBClusters[0].MasterUserSecret != nil {
			secret = out.DBClusters[0].MasterUserSecret.SecretArn
		}
	default:
		tb.Fatalf("rdsManagedMaster: kind %q", kind)
	}
	prefix := map[string]string{"instance": ":secret:rds!db-", "cluster": ":secret:rds!cluster-"}[kind]
	if !strings.Contains(aws.ToString(secret), prefix) {
		tb.Fatalf("the %s %s has no master user secret named like %s...: %q", kind, id, prefix, aws.ToString(secret))
	}
	return aws.ToString(secret)
}

// registerReplica registers a read replica at address (of pg's port) of the instance id, or,
// with other, of that other instance, registered first at testenv.Host; it checks that
// DescribeDBInstances lists the replica on its source, where the rotator looks for it.
func registerReplica(tb testing.TB, e *env, pg *testenv.Postgres, id, other, address string) {
	tb.Helper()
	ctx := context.Background()
	source := id
	if other != "" {
		source = other
		if err := e.Control.RegisterDBInstance(ctx, emulator.DBInstance{Identifier: other, Engine: "postgres", Address: testenv.Host, Port: pg.Port}); err != nil {
			tb.Fatal(err)
		}
	}
	replica := source + "-replica"
	if err := e.Control.RegisterDBInstance(ctx, emulator.DBInstance{Identifier: replica, Engine: "postgres", Address: address, Port: pg.Port,
		ReadReplicaSource: source}); err != nil {
		tb.Fatal(err)
	}
	out, err := rds.NewFromConfig(e.AWSConfig(3)).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(source)})
	if err != nil || len(out.DBInstances) != 1 || !slices.Equal(out.DBInstances[0].ReadReplicaDBInstanceIdentifiers, []string{replica}) {
		tb.Fatalf("DescribeDBInstances %s does not list its replica %s: %v", source, replica, err)
	}
}

// TestRDSManagedMaster rotates alternating users whose master secret is managed by RDS: it
// holds only username and password, and its tag names the instance or cluster whose
// endpoint DescribeDBInstances or DescribeDBClusters gives. The emulator creates the secret
// as RDS does when the database is registered with a master password.
func TestRDSManagedMaster(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	cases := []struct {
		name, engine string
		kind, id     string          // the RDS database managing the master secret; no kind: a master secret without host nor tag
		host         string          // the user secret's host; 127.0.0.1 when empty
		replica      string          // the address of a read replica of replicaOf (the instance id when empty), registered after the master
		replicaOf    string          // another instance (registered at 127.0.0.1) whose replica it is
		bootstrap    bool            // rotate with the built bootstrap instead of an in-process engine
		fault        *emulator.Fault // injected before the first rotation
		wantErr      []string        // the first rotation fails with these
	}{
		{name: "instance", engine: "postgres", kind: "instance", id: "primary-1"},
		{name: "aurora cluster", engine: "aurora-postgresql", kind: "cluster", id: "aurora-1"},
		// Item 9: a user secret on the cluster's reader endpoint, as the AWS samples allow.
		{name: "aurora reader", engine: "aurora-postgresql", kind: "cluster", id: "aurora-2", host: "localhost"},
		// A user secret on a read replica of the master's instance (the same server by another
		// name), found through ReadReplicaDBInstanceIdentifiers, as the AWS samples allow.
		{name: "read replica", engine: "postgres", kind: "instance", id: "primary-6", replica: "localhost", host: "localhost"},
		// The instance has a replica, but the user's host is neither: refused.
		{name: "neither instance nor replica", engine: "postgres", kind: "instance", id: "primary-7", replica: "replica-7.invalid", host: "localhost",
			wantErr: []string{"setSecret", "refused: the user secret's host must be the master's database or one of its replicas or readers"}},
		// The user's host is a replica, but of another instance than the master's: refused.
		{name: "replica of another instance", engine: "postgres", kind: "instance", id: "primary-8", replica: "localhost", replicaOf: "other-8", host: "localhost",
			wantErr: []string{"setSecret", "refused: the user secret's host must be the master's database or one of its replicas or readers"}},
		// The same server by a name the RDS API does not give: refused.
		{name: "host not vouched for", engine: "postgres", kind: "instance", id: "primary-5", host: "localhost",
			wantErr: []string{"setSecret", "refused: the user secret's host must be the master's database or one of its replicas or readers"}},
		{name: "instance, bootstrap", engine: "postgres", kind: "instance", id: "primary-boot", bootstrap: true},
		{
			name: "throttled once", engine: "postgres", kind: "instance", id: "primary-2",
			fault: &emulator.Fault{Operation: "rds.DescribeDBInstances", ErrorCode: "Throttling", Count: 1},
		},
		{
			name: "throttled throughout", engine: "postgres", kind: "instance", id: "primary-3",
			fault:   &emulator.Fault{Operation: "rds.DescribeDBInstances", ErrorCode: "Throttling", Count: 10},
			wantErr: []string{"setSecret", "DescribeDBInstances arn:aws:rds:us-east-1:123456789012:db:primary-3", "Throttling"},
		},
		{
			// RDS does not know the instance the tag names (deleted, or being renamed):
			// the rotation fails saying so, and succeeds once RDS answers again.
			name: "instance not found", engine: "postgres", kind: "instance", id: "primary-4",
			fault: &emulator.Fault{Operation: "rds.DescribeDBInstances", ErrorCode: "DBInstanceNotFound", Status: 404,
				Message: "DBInstance primary-4 not found.", Count: 1},
			wantErr: []string{"setSecret", "DescribeDBInstances arn:aws:rds:us-east-1:123456789012:db:primary-4", "DBInstanceNotFound"},
		},
		{
			name: "no tag", engine: "postgres",
			wantErr: []string{"setSecret", `secret field "host" is missing`, "no aws:rds:primarydbinstancearn or aws:rds:primarydbclusterarn tag"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			user := "rds " + tc.name
			db := "db " + tc.name
			createUser(t, pg, user, "Initial-pw-1", db)
			e := newEmulator(t)
			var masterARN string
			if tc.kind != "" {
				masterARN = rdsManagedMaster(t, e, pg, tc.kind, tc.id)
			} else {
				masterARN = e.createSecret("rds-db-master", secretJSON(map[string]any{"username": pg.Superuser, "password": pg.Password}))
			}
			if tc.replica != "" {
				registerReplica(t, e, pg, tc.id, tc.replicaOf, tc.replica)
			}
			logs := e.logs.String
			if tc.bootstrap {
				e.registerBootstrap(t, pg, 30*time.Second, map[string]string{rotation.EnvStrategy: "alternating"})
				logs = func() string { return e.Server.FunctionLogs("rotator") }
			} else {
				e.useRotator(pg, postgres.Options{Mode: rotation.ModeAlternating}, nil)
			}
			fields := map[string]any{"engine": tc.engine, "masterarn": masterARN}
			if tc.host != "" {
				fields["host"] = tc.host
			}
			arn := e.createSecret("app", pgSecret(pg, user, "Initial-pw-1", db, fields))
			if tc.fault != nil {
				if err := e.Control.InjectFault(context.Background(), *tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			before := roleState(t, pg, "postgres", user, user+"_clone")
			n := 1
			rec := e.rotate(arn, n)
			if len(tc.wantErr) > 0 {
				if rec.Outcome != "failed" {
					t.Fatalf("rotation %s, want failed", rec.Outcome)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(rec.Error, w) {
						t.Errorf("error %q does not mention %q", rec.Error, w)
					}
				}
				if after := roleState(t, pg, "postgres", user, user+"_clone"); after != before {
					t.Errorf("the failed rotation changed the database")
				}
				e.checkCurrentLogsIn(pg, arn, db)
				if tc.fault == nil {
					return
				}
				if err := e.Control.ClearFaults(context.Background()); err != nil {
					t.Fatal(err)
				}
				n++
				e.mustRotate(arn, n)
			} else if rec.Outcome != "succeeded" {
				t.Fatalf("rotation %s: %s\nfunction log:\n%s", rec.Outcome, rec.Error, tailLines(logs(), 30))
			}
			cur := e.value(arn, rotation.StageCurrent)
			if cur.Username != user+"_clone" {
				t.Errorf("AWSCURRENT username %q, want the clone", cur.Username)
			}
			mustLogin(t, pg, cur.Username, cur.Password, db, "AWSCURRENT")
			// The next rotation alternates back to the original user; the clone keeps working.
			n++
			e.mustRotate(arn, n)
			cur2, prev := e.value(arn, rotation.StageCurrent), e.value(arn, rotation.StagePrevious)
			if cur2.Username != user || prev.Username != user+"_clone" {
				t.Errorf("after rotation %d: AWSCURRENT %q, AWSPREVIOUS %q; want the user, then the clone", n, cur2.Username, prev.Username)
			}
			mustLogin(t, pg, cur2.Username, cur2.Password, db, "AWSCURRENT")
			mustLogin(t, pg, prev.Username, prev.Password, db, "AWSPREVIOUS")
			succeeded := n
			if len(tc.wantErr) > 0 {
				succeeded--
			}
			if got := strings.Count(logs(), `"msg":"master endpoint from the RDS API"`); got != succeeded {
				t.Errorf("the log says %d times that the master endpoint came from the RDS API, want %d (once per successful setSecret)", got, succeeded)
			}
			checkNoSecret(t, "the function's log", logs(), pg.Password, cur.Password, cur2.Password)
		})
	}
}
