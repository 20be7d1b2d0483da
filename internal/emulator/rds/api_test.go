package rds_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsrds "github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

func describe(t *testing.T, c *awsrds.Client, id string) rdstypes.DBInstance {
	t.Helper()
	out, err := c.DescribeDBInstances(t.Context(), &awsrds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeDBInstances %s: %v", id, err)
	}
	if len(out.DBInstances) != 1 {
		t.Fatalf("DescribeDBInstances %s: %d instances", id, len(out.DBInstances))
	}
	return out.DBInstances[0]
}

// TestReadReplicas: an instance registered with a source is that source's read replica in
// DescribeDBInstances both ways (ReadReplicaSourceDBInstanceIdentifier on the replica,
// ReadReplicaDBInstanceIdentifiers on the source), read through the SDK's RDS client, so
// the XML shapes are the ones the SDK decodes.
func TestReadReplicas(t *testing.T) {
	env := emulatortest.Start(t)
	reg := func(db emulator.DBInstance) {
		t.Helper()
		if err := env.Server.RegisterDBInstance(db); err != nil {
			t.Fatalf("register %s: %v", db.Identifier, err)
		}
	}
	reg(emulator.DBInstance{Identifier: "primary", Engine: "postgres", Address: "primary.local", Port: 5432})
	// Registered out of order, through the control API's JSON for one of them.
	reg(emulator.DBInstance{Identifier: "replica-b", Engine: "postgres", Address: "b.local", Port: 5432, ReadReplicaSource: "primary"})
	if err := env.Control.RegisterDBInstance(t.Context(), emulator.DBInstance{Identifier: "replica-a", Engine: "postgres",
		Address: "a.local", Port: 5432, ReadReplicaSource: "primary"}); err != nil {
		t.Fatalf("register replica-a via the control API: %v", err)
	}
	// A cascading replica (a replica of a replica) is listed by its own source only.
	reg(emulator.DBInstance{Identifier: "replica-a-1", Engine: "postgres", Address: "a1.local", Port: 5432, ReadReplicaSource: "replica-a"})
	reg(emulator.DBInstance{Identifier: "alone", Engine: "postgres", Address: "alone.local", Port: 5432})
	// A cross-region replica names its source by ARN, and the source lists it by ARN.
	reg(emulator.DBInstance{Identifier: "replica-west", Region: "us-west-2", Engine: "postgres", Address: "west.local", Port: 5432,
		ReadReplicaSource: "arn:aws:rds:us-east-1:123456789012:db:primary"})
	// Registering the source again (a modified primary) keeps its replicas.
	reg(emulator.DBInstance{Identifier: "primary", Engine: "postgres", Address: "primary.local", Port: 5433})

	c := awsrds.NewFromConfig(env.AWSConfig(1))
	tests := []struct {
		id, source string
		replicas   []string
	}{
		{"primary", "", []string{"arn:aws:rds:us-west-2:123456789012:db:replica-west", "replica-a", "replica-b"}},
		{"replica-a", "primary", []string{"replica-a-1"}},
		{"replica-b", "primary", []string{}},
		{"replica-a-1", "replica-a", []string{}},
		{"alone", "", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			db := describe(t, c, tc.id)
			if got := aws.ToString(db.ReadReplicaSourceDBInstanceIdentifier); got != tc.source {
				t.Errorf("ReadReplicaSourceDBInstanceIdentifier = %q, want %q", got, tc.source)
			}
			// AWS answers an empty list, not none, for an instance without replicas.
			if !slices.Equal(db.ReadReplicaDBInstanceIdentifiers, tc.replicas) || db.ReadReplicaDBInstanceIdentifiers == nil {
				t.Errorf("ReadReplicaDBInstanceIdentifiers = %q, want %q", db.ReadReplicaDBInstanceIdentifiers, tc.replicas)
			}
		})
	}
	if p := describe(t, c, "primary"); aws.ToInt32(p.Endpoint.Port) != 5433 {
		t.Errorf("primary port = %d after re-registering, want 5433", aws.ToInt32(p.Endpoint.Port))
	}
	west := describe(t, awsrds.NewFromConfig(env.AWSConfig(1), func(o *awsrds.Options) { o.Region = "us-west-2" }), "replica-west")
	if got := aws.ToString(west.ReadReplicaSourceDBInstanceIdentifier); got != "arn:aws:rds:us-east-1:123456789012:db:primary" {
		t.Errorf("cross-region replica's source = %q", got)
	}
	// The listing of all instances carries the same fields.
	all, err := c.DescribeDBInstances(t.Context(), &awsrds.DescribeDBInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range all.DBInstances {
		if aws.ToString(db.DBInstanceIdentifier) == "primary" && len(db.ReadReplicaDBInstanceIdentifiers) != 3 {
			t.Errorf("listing: primary's replicas = %q", db.ReadReplicaDBInstanceIdentifiers)
		}
	}
}

// TestReadReplicaRefused: a replica needs a registered source, in its own region when named
// by identifier, in the ARN's region when named by ARN, as CreateDBInstanceReadReplica does.
func TestReadReplicaRefused(t *testing.T) {
	env := emulatortest.Start(t)
	if err := env.Server.RegisterDBInstance(emulator.DBInstance{Identifier: "primary", Engine: "mysql", Address: "p.local", Port: 3306}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		db   emulator.DBInstance
		want string
	}{
		{"unknown source", emulator.DBInstance{Identifier: "r", Engine: "mysql", Address: "r.local", Port: 3306, ReadReplicaSource: "nope"},
			"source DB instance nope is not registered in us-east-1"},
		{"source in another region", emulator.DBInstance{Identifier: "r", Region: "eu-west-1", Engine: "mysql", Address: "r.local", Port: 3306,
			ReadReplicaSource: "primary"}, "source DB instance primary is not registered in eu-west-1"},
		{"cross-region source not registered", emulator.DBInstance{Identifier: "r", Region: "eu-west-1", Engine: "mysql", Address: "r.local", Port: 3306,
			ReadReplicaSource: "arn:aws:rds:us-west-2:123456789012:db:primary"}, "source DB instance primary is not registered in us-west-2"},
		{"itself", emulator.DBInstance{Identifier: "primary", Engine: "mysql", Address: "p.local", Port: 3306, ReadReplicaSource: "primary"},
			"cannot be a read replica of itself"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := env.Server.RegisterDBInstance(tc.db)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("RegisterDBInstance = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	c := awsrds.NewFromConfig(env.AWSConfig(1))
	if p := describe(t, c, "primary"); len(p.ReadReplicaDBInstanceIdentifiers) != 0 || p.ReadReplicaSourceDBInstanceIdentifier != nil {
		t.Fatalf("refused registrations changed the primary: %+v", p)
	}
}
