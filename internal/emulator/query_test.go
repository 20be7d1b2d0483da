package emulator_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

func TestSTS(t *testing.T) {
	_, url := startEmulator(t, emulator.Options{})
	c := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
	id := must(c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}))(t)
	if *id.Account != emulator.DefaultAccountID || *id.Arn != "arn:aws:iam::123456789012:user/emulator" || *id.UserId == "" {
		t.Fatalf("GetCallerIdentity = %+v", id)
	}
	role := must(c.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/deployer"),
		RoleSessionName: aws.String("tf"), DurationSeconds: aws.Int32(900)}))(t)
	if *role.AssumedRoleUser.Arn != "arn:aws:sts::123456789012:assumed-role/deployer/tf" || *role.Credentials.AccessKeyId == "" ||
		role.Credentials.Expiration == nil || *role.Credentials.SessionToken == "" {
		t.Fatalf("AssumeRole = %+v", role)
	}
	_, err := c.AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(60)})
	wantAPIError(t, err, "ValidationError", "durationSeconds")
}

func TestRDSDescribe(t *testing.T) {
	srv, url := startEmulator(t, emulator.Options{})
	ctl := emulator.NewControl(url)
	noErr(t, ctl.RegisterDBInstance(t.Context(), emulator.DBInstance{Identifier: "db1", Engine: "postgres", Address: "127.0.0.1", Port: 5432,
		DBName: "app", MasterUsername: "admin", MasterUserSecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"}))
	noErr(t, srv.RegisterDBCluster(emulator.DBCluster{Identifier: "aurora", Engine: "aurora-postgresql", Address: "127.0.0.1", Port: 6543}))
	noErr(t, srv.RegisterDBInstance(emulator.DBInstance{Identifier: "aurora-1", Engine: "aurora-postgresql", Address: "127.0.0.1", Port: 6543, ClusterIdentifier: "aurora"}))
	c := rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})

	tests := []struct {
		name, id string
		want     []string
	}{
		{"all", "", []string{"aurora-1", "db1"}},
		{"by identifier", "db1", []string{"db1"}},
		{"by ARN", "arn:aws:rds:us-east-1:123456789012:db:db1", []string{"db1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := &rds.DescribeDBInstancesInput{}
			if tc.id != "" {
				in.DBInstanceIdentifier = aws.String(tc.id)
			}
			out := must(c.DescribeDBInstances(t.Context(), in))(t)
			var got []string
			for _, db := range out.DBInstances {
				got = append(got, *db.DBInstanceIdentifier)
			}
			if len(got) != len(tc.want) || got[0] != tc.want[0] {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	db := must(c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db1")}))(t).DBInstances[0]
	if *db.Endpoint.Address != "127.0.0.1" || *db.Endpoint.Port != 5432 || *db.Engine != "postgres" || *db.DBName != "app" ||
		*db.MasterUserSecret.SecretArn != "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf" ||
		*db.DBInstanceArn != "arn:aws:rds:us-east-1:123456789012:db:db1" {
		t.Fatalf("instance = %+v", db)
	}
	_, err := c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
	var nf *rdstypes.DBInstanceNotFoundFault
	if !asError(err, &nf) {
		t.Fatalf("unknown instance: %v", err)
	}
	cl := must(c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("aurora")}))(t).DBClusters[0]
	if *cl.Endpoint != "127.0.0.1" || *cl.Port != 6543 || len(cl.DBClusterMembers) != 1 || !*cl.DBClusterMembers[0].IsClusterWriter {
		t.Fatalf("cluster = %+v", cl)
	}
	_, err = c.DescribeDBClusters(t.Context(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("nope")})
	var cnf *rdstypes.DBClusterNotFoundFault
	if !asError(err, &cnf) {
		t.Fatalf("unknown cluster: %v", err)
	}
	// Another region sees none of them.
	west := rds.New(rds.Options{Region: "us-west-2", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
	if out := must(west.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{}))(t); len(out.DBInstances) != 0 {
		t.Fatalf("us-west-2 sees %d instances", len(out.DBInstances))
	}
}

// TestRDSManagedMasterSecret: a database registered with a master password gets the secret
// RDS manages for it, found as AWS users find it: through DescribeDBInstances.
func TestRDSManagedMasterSecret(t *testing.T) {
	_, url := startEmulator(t, emulator.Options{})
	ctl := emulator.NewControl(url)
	noErr(t, ctl.RegisterDBInstance(t.Context(), emulator.DBInstance{Identifier: "db-1", Engine: "postgres", Address: "127.0.0.1", Port: 5432,
		MasterUsername: "postgres", MasterUserPassword: "master-pw"}))
	c := rds.New(rds.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), RetryMaxAttempts: 1})
	db := must(c.DescribeDBInstances(t.Context(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("db-1")}))(t).DBInstances[0]
	if db.MasterUserSecret == nil || !strings.Contains(*db.MasterUserSecret.SecretArn, ":secret:rds!db-") {
		t.Fatalf("MasterUserSecret = %+v", db.MasterUserSecret)
	}
	sm := smClient(url, "us-east-1")
	d := must(sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: db.MasterUserSecret.SecretArn}))(t)
	if tagMap(d.Tags)["aws:rds:primarydbinstancearn"] != "arn:aws:rds:us-east-1:123456789012:db:db-1" || *d.OwningService != "rds" {
		t.Fatalf("managed secret: tags %v owning service %v", d.Tags, d.OwningService)
	}
	v := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: db.MasterUserSecret.SecretArn})
	if *v.SecretString != `{"password":"master-pw","username":"postgres"}` {
		t.Fatalf("managed secret value has the wrong shape")
	}
}
