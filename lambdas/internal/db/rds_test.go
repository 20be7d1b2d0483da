package db_test

import (
	"strings"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/internal/db"
)

// TestDescribeInstanceReplicas asks the emulator's RDS, through the rotators' own client,
// for the topology of an instance with read replicas: those of its region serve its users;
// one that cannot be described there (a cross-region replica, listed by ARN) must not make
// the rotation of every user fail, and is named in the topology's description.
func TestDescribeInstanceReplicas(t *testing.T) {
	env := emulatortest.Start(t)
	for _, in := range []emulator.DBInstance{
		{Identifier: "primary", Engine: "postgres", Address: "primary.local", Port: 5432},
		{Identifier: "replica-1", Engine: "postgres", Address: "replica-1.local", Port: 5432, ReadReplicaSource: "primary"},
		{Identifier: "replica-west", Region: "us-west-2", Engine: "postgres", Address: "west.local", Port: 5432,
			ReadReplicaSource: "arn:aws:rds:us-east-1:123456789012:db:primary"},
		{Identifier: "other", Engine: "postgres", Address: "other.local", Port: 5432},
		{Identifier: "other-replica", Engine: "postgres", Address: "other-replica.local", Port: 5432, ReadReplicaSource: "other"},
	} {
		if err := env.Server.RegisterDBInstance(in); err != nil {
			t.Fatal(err)
		}
	}
	topo, err := db.Describe(t.Context(), db.NewRDSClient(env.AWSConfig(1)), db.TagPrimaryDBInstanceARN, "arn:aws:rds:us-east-1:123456789012:db:primary")
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if want := (db.Endpoint{Host: "primary.local", Port: 5432}); topo.Writer != want {
		t.Errorf("writer %v, want %v", topo.Writer, want)
	}
	tests := []struct {
		host string
		port int
		want bool
	}{
		{"primary.local", 5432, true},
		{"PRIMARY.local.", 5432, true},
		{"replica-1.local", 5432, true},
		{"replica-1.local", 5433, false},
		{"west.local", 5432, false}, // not described in this region: not vouched for
		{"other.local", 5432, false},
		{"other-replica.local", 5432, false}, // a replica of another instance
	}
	for _, tc := range tests {
		if got := topo.Allows(db.Endpoint{Host: tc.host, Port: tc.port}); got != tc.want {
			t.Errorf("Allows(%s:%d) = %v, want %v", tc.host, tc.port, got, tc.want)
		}
	}
	d := topo.Describe()
	for _, w := range []string{"primary.local:5432", "replica-1.local:5432", "arn:aws:rds:us-west-2:123456789012:db:replica-west"} {
		if !strings.Contains(d, w) {
			t.Errorf("Describe() = %q, does not mention %q", d, w)
		}
	}
}

// TestDescribeClusterMemberUnresolved: a cluster member RDS cannot describe (deleted, or
// created and without an endpoint yet: here the emulator answers DBInstanceNotFound once)
// leaves the cluster's writer and reader endpoints and its other members usable.
func TestDescribeClusterMemberUnresolved(t *testing.T) {
	env := emulatortest.Start(t)
	if err := env.Server.RegisterDBCluster(emulator.DBCluster{Identifier: "aurora", Engine: "aurora-mysql", Address: "writer.local",
		ReaderAddress: "reader.local", Port: 3306}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"aurora-1", "aurora-2"} {
		if err := env.Server.RegisterDBInstance(emulator.DBInstance{Identifier: id, Engine: "aurora-mysql", Address: id + ".local", Port: 3306,
			ClusterIdentifier: "aurora"}); err != nil {
			t.Fatal(err)
		}
	}
	env.InjectFault(emulator.Fault{Operation: "rds.DescribeDBInstances", ErrorCode: "DBInstanceNotFound", Status: 404,
		Message: "DBInstance aurora-1 not found.", Count: 1})
	topo, err := db.Describe(t.Context(), db.NewRDSClient(env.AWSConfig(1)), db.TagPrimaryDBClusterARN, "arn:aws:rds:us-east-1:123456789012:cluster:aurora")
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	for host, want := range map[string]bool{"writer.local": true, "reader.local": true, "aurora-2.local": true, "aurora-1.local": false} {
		if got := topo.Allows(db.Endpoint{Host: host, Port: 3306}); got != want {
			t.Errorf("Allows(%s) = %v, want %v", host, got, want)
		}
	}
	if d := topo.Describe(); !strings.Contains(d, "aurora-1: DescribeDBInstances aurora-1") || !strings.Contains(d, "DBInstanceNotFound") {
		t.Errorf("Describe() = %q, does not say why aurora-1 has no endpoint", d)
	}
}

// TestRDSEndpointFromEnvironment: AWS_ENDPOINT_URL_RDS wins over the configuration's endpoint,
// unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true (as for every other endpoint variable).
func TestRDSEndpointFromEnvironment(t *testing.T) {
	env := emulatortest.Start(t)
	const dead = "http://127.0.0.1:1"
	cases := []struct {
		name, rdsURL, ignore, base string
		wantErr                    bool
	}{
		{"AWS_ENDPOINT_URL_RDS wins", env.URL, "", dead, false},
		{"AWS_ENDPOINT_URL_RDS is really used", dead, "", env.URL, true},
		{"ignored with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", dead, "true", env.URL, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_RDS", tc.rdsURL)
			t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", tc.ignore)
			cfg := env.AWSConfig(1)
			cfg.BaseEndpoint = &tc.base
			_, err := db.Describe(t.Context(), db.NewRDSClient(cfg), db.TagPrimaryDBInstanceARN, "arn:aws:rds:us-east-1:123456789012:db:missing")
			// Against the emulator the instance is unknown (an RDS answer); against the dead
			// endpoint the request never gets an answer.
			refused := err != nil && strings.Contains(err.Error(), "127.0.0.1:1")
			if refused != tc.wantErr {
				t.Fatalf("error %v; want the dead endpoint used: %v", err, tc.wantErr)
			}
		})
	}
}
