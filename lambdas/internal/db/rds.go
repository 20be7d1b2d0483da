// Package db holds what the database rotators (postgres, mysql) share beyond the engine:
// where a master user may be reached (the RDS API), and which user endpoints it vouches
// for.
package db

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// The tags RDS puts on the master user secrets it manages (ManageMasterUserPassword).
const (
	TagPrimaryDBInstanceARN = "aws:rds:primarydbinstancearn"
	TagPrimaryDBClusterARN  = "aws:rds:primarydbclusterarn"
)

// RDSAPI is the part of the RDS client the rotators use; *rds.Client implements it.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
}

// Endpoint is a host and port.
type Endpoint struct {
	Host string
	Port int
}

func (e Endpoint) String() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// Same reports whether two endpoints name the same server (host name case and a trailing
// dot aside).
func (e Endpoint) Same(o Endpoint) bool {
	return normHost(e.Host) == normHost(o.Host) && e.Port == o.Port
}

func normHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// Topology is what the RDS API says about the master's database: its writer endpoint, and
// the endpoints that serve the same data (Aurora reader endpoint and cluster instances,
// read replicas of an instance), where a user secret may point.
type Topology struct {
	Writer  Endpoint
	Readers []Endpoint
	Engine  string
	Source  string // the RDS call and resource, for messages
}

// Allows reports whether a user secret's endpoint is the writer or one of its readers.
func (t *Topology) Allows(e Endpoint) bool {
	return t.Writer.Same(e) || slices.ContainsFunc(t.Readers, e.Same)
}

// Describe lists the endpoints, for messages.
func (t *Topology) Describe() string {
	parts := []string{t.Writer.String()}
	for _, r := range t.Readers {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ", ")
}

// RDSTarget returns the RDS resource ARN in an RDS-managed master secret's tags, and the
// tag's key; "" when the secret has neither tag.
func RDSTarget(ctx context.Context, sm rotation.SecretsManagerAPI, secretARN string) (key, arn string, err error) {
	meta, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretARN)})
	if err != nil {
		return "", "", fmt.Errorf("DescribeSecret %s (for its RDS tags): %w", secretARN, err)
	}
	for _, t := range meta.Tags {
		switch k := strings.ToLower(aws.ToString(t.Key)); k {
		case TagPrimaryDBInstanceARN, TagPrimaryDBClusterARN:
			return k, aws.ToString(t.Value), nil
		}
	}
	return "", "", nil
}

// Describe asks the RDS API for the topology of the instance or cluster dbARN (tagKey
// says which).
func Describe(ctx context.Context, client RDSAPI, tagKey, dbARN string) (*Topology, error) {
	if tagKey == TagPrimaryDBClusterARN {
		return describeCluster(ctx, client, dbARN)
	}
	return describeInstance(ctx, client, dbARN)
}

func describeInstance(ctx context.Context, client RDSAPI, id string) (*Topology, error) {
	out, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("DescribeDBInstances %s: %w", id, err)
	}
	if len(out.DBInstances) == 0 || out.DBInstances[0].Endpoint == nil {
		return nil, fmt.Errorf("DescribeDBInstances %s found no instance with an endpoint", id)
	}
	db := out.DBInstances[0]
	t := &Topology{
		Writer: Endpoint{Host: aws.ToString(db.Endpoint.Address), Port: int(aws.ToInt32(db.Endpoint.Port))},
		Engine: aws.ToString(db.Engine), Source: "DescribeDBInstances " + id,
	}
	// Read replicas serve the same users (since early 2025 the AWS samples accept them).
	for _, r := range db.ReadReplicaDBInstanceIdentifiers {
		rout, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(r)})
		if err != nil {
			return nil, fmt.Errorf("DescribeDBInstances %s (read replica of %s): %w", r, id, err)
		}
		for _, rdb := range rout.DBInstances {
			if rdb.Endpoint != nil {
				t.Readers = append(t.Readers, Endpoint{Host: aws.ToString(rdb.Endpoint.Address), Port: int(aws.ToInt32(rdb.Endpoint.Port))})
			}
		}
	}
	return t, nil
}

func describeCluster(ctx context.Context, client RDSAPI, id string) (*Topology, error) {
	out, err := client.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("DescribeDBClusters %s: %w", id, err)
	}
	if len(out.DBClusters) == 0 || out.DBClusters[0].Endpoint == nil {
		return nil, fmt.Errorf("DescribeDBClusters %s found no cluster with an endpoint", id)
	}
	cl := out.DBClusters[0]
	port := int(aws.ToInt32(cl.Port))
	t := &Topology{Writer: Endpoint{Host: aws.ToString(cl.Endpoint), Port: port}, Engine: aws.ToString(cl.Engine), Source: "DescribeDBClusters " + id}
	if r := aws.ToString(cl.ReaderEndpoint); r != "" {
		t.Readers = append(t.Readers, Endpoint{Host: r, Port: port})
	}
	// The cluster's instances (writer and readers) by their own endpoints.
	for _, m := range cl.DBClusterMembers {
		mid := aws.ToString(m.DBInstanceIdentifier)
		if mid == "" {
			continue
		}
		mout, err := client.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(mid)})
		if err != nil {
			return nil, fmt.Errorf("DescribeDBInstances %s (member of %s): %w", mid, id, err)
		}
		for _, db := range mout.DBInstances {
			if db.Endpoint != nil {
				t.Readers = append(t.Readers, Endpoint{Host: aws.ToString(db.Endpoint.Address), Port: int(aws.ToInt32(db.Endpoint.Port))})
			}
		}
	}
	return t, nil
}
