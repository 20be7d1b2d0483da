package postgres_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/postgres"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// TestRDSManagedMaster rotates alternating users whose master secret is managed by RDS: it
// holds only username and password, and its tag names the instance or cluster whose
// endpoint DescribeDBInstances or DescribeDBClusters gives.
func TestRDSManagedMaster(t *testing.T) {
	t.Parallel()
	pg := sharedPostgres(t)
	cases := []struct {
		name, engine, tag, tagValue string
		register                    func(*emulator.Control, int) error
		fault                       *emulator.Fault // injected before the first rotation
		wantErr                     []string        // the first rotation fails with these
	}{
		{
			name: "instance", engine: "postgres", tag: postgres.TagPrimaryDBInstanceARN,
			tagValue: "arn:aws:rds:us-east-1:123456789012:db:primary-1",
			register: func(c *emulator.Control, port int) error {
				return c.RegisterDBInstance(context.Background(), emulator.DBInstance{Identifier: "primary-1", Engine: "postgres", Address: testenv.Host, Port: port})
			},
		},
		{
			name: "aurora cluster", engine: "aurora-postgresql", tag: "AWS:RDS:PrimaryDBClusterArn",
			tagValue: "arn:aws:rds:us-east-1:123456789012:cluster:aurora-1",
			register: func(c *emulator.Control, port int) error {
				return c.RegisterDBCluster(context.Background(), emulator.DBCluster{Identifier: "aurora-1", Engine: "aurora-postgresql", Address: testenv.Host, Port: port})
			},
		},
		{
			name: "throttled once", engine: "postgres", tag: postgres.TagPrimaryDBInstanceARN,
			tagValue: "arn:aws:rds:us-east-1:123456789012:db:primary-2",
			register: func(c *emulator.Control, port int) error {
				return c.RegisterDBInstance(context.Background(), emulator.DBInstance{Identifier: "primary-2", Engine: "postgres", Address: testenv.Host, Port: port})
			},
			fault: &emulator.Fault{Operation: "rds.DescribeDBInstances", ErrorCode: "Throttling", Count: 1},
		},
		{
			name: "throttled throughout", engine: "postgres", tag: postgres.TagPrimaryDBInstanceARN,
			tagValue: "arn:aws:rds:us-east-1:123456789012:db:primary-3",
			register: func(c *emulator.Control, port int) error {
				return c.RegisterDBInstance(context.Background(), emulator.DBInstance{Identifier: "primary-3", Engine: "postgres", Address: testenv.Host, Port: port})
			},
			fault:   &emulator.Fault{Operation: "rds.DescribeDBInstances", ErrorCode: "Throttling", Count: 10},
			wantErr: []string{"setSecret", "DescribeDBInstances arn:aws:rds:us-east-1:123456789012:db:primary-3", "Throttling"},
		},
		{
			name: "unknown instance", engine: "postgres", tag: postgres.TagPrimaryDBInstanceARN,
			tagValue: "arn:aws:rds:us-east-1:123456789012:db:gone",
			wantErr:  []string{"setSecret", "DescribeDBInstances arn:aws:rds:us-east-1:123456789012:db:gone", "DBInstanceNotFound"},
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
			if tc.register != nil {
				if err := tc.register(e.ctl, pg.Port); err != nil {
					t.Fatal(err)
				}
			}
			var tags []types.Tag
			if tc.tag != "" {
				tags = append(tags, types.Tag{Key: aws.String(tc.tag), Value: aws.String(tc.tagValue)})
			}
			masterARN := e.createSecret("rds-db-master", secretJSON(map[string]any{"username": pg.Superuser, "password": pg.Password}))
			// The emulator refuses aws: tags, as AWS does, and has no way to make the
			// secret RDS manages for an instance; the tags are added to the engine's
			// DescribeSecret answers for the master secret instead.
			eng := rotation.New(newRotator(t, pg, postgres.Options{}),
				rotation.WithClient(&rdsTagging{SecretsManagerAPI: smClient(e.url, 3), arn: masterARN, tags: tags}),
				rotation.WithAWSConfig(e.awsConfig()),
				rotation.WithLogger(slog.New(slog.NewJSONHandler(e.logs, nil))),
				rotation.WithPasswordPolicy(postgres.DefaultPasswordPolicy))
			e.register(eng.Invoke)
			arn := e.createSecret("app", pgSecret(pg, user, "Initial-pw-1", db, map[string]any{"engine": tc.engine, "masterarn": masterARN}))
			if tc.fault != nil {
				if err := e.ctl.InjectFault(context.Background(), *tc.fault); err != nil {
					t.Fatal(err)
				}
			}
			before := roleState(t, pg, "postgres", user, user+"_clone")
			rec := e.rotate(arn, 1)
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
				if err := e.ctl.ClearFaults(context.Background()); err != nil {
					t.Fatal(err)
				}
				e.mustRotate(arn, 2)
			} else if rec.Outcome != "succeeded" {
				t.Fatalf("rotation %s: %s", rec.Outcome, rec.Error)
			}
			cur := e.value(arn, rotation.StageCurrent)
			if cur.Username != user+"_clone" {
				t.Errorf("AWSCURRENT username %q, want the clone", cur.Username)
			}
			mustLogin(t, pg, cur.Username, cur.Password, db, "AWSCURRENT")
			if !strings.Contains(e.logs.String(), `"msg":"master endpoint from the RDS API"`) {
				t.Errorf("the log does not say the endpoint came from the RDS API")
			}
			checkNoSecret(t, "the function's log", e.logs.String(), pg.Password, cur.Password)
		})
	}
}

// rdsTagging adds the tags RDS puts on the master secrets it manages to the DescribeSecret
// answers for arn.
type rdsTagging struct {
	rotation.SecretsManagerAPI
	arn  string
	tags []types.Tag
}

func (c *rdsTagging) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, o ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	out, err := c.SecretsManagerAPI.DescribeSecret(ctx, in, o...)
	if err == nil && aws.ToString(out.ARN) == c.arn {
		out.Tags = append(out.Tags, c.tags...)
	}
	return out, err
}
