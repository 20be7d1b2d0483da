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
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// The tags RDS puts on the master user secrets it manages (ManageMasterUserPassword).
const (
	TagPrimaryDBInstanceARN = "aws:rds:primarydbinstancearn"
	TagPrimaryDBClusterARN  = "aws:rds:primarydbclusterarn"
)

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
	// Unresolved names the replicas and cluster members the RDS API listed but could not
	// describe here (in another region, being created or deleted), with why: they vouch
	// for no endpoint.
	Unresolved []string
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
	out := strings.Join(parts, ", ")
	if len(t.Unresolved) > 0 {
		out += " (instances without an endpoint here: " + strings.Join(t.Unresolved, "; ") + ")"
	}
	return out
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
	db, err := client.Instance(ctx, id)
	if err != nil {
		return nil, err
	}
	t := &Topology{Writer: Endpoint{Host: db.Address, Port: db.Port}, Engine: db.Engine, Source: "DescribeDBInstances " + id}
	// Read replicas serve the same users (since early 2025 the AWS samples accept them).
	// One that cannot be described here only vouches for nothing: failing the whole
	// topology would stop the rotation of every user of the instance while a replica is
	// created (no endpoint yet), deleted, or lives in another region (listed by ARN).
	for _, r := range db.ReadReplicas {
		if otherRegion(id, r) {
			t.Unresolved = append(t.Unresolved, r+": in another region")
			continue
		}
		if err := t.addInstance(ctx, client, r); err != nil {
			return nil, fmt.Errorf("read replica of %s: %w", id, err)
		}
	}
	return t, nil
}

// addInstance adds instance id's endpoint to the readers, or, when RDS cannot describe it,
// to Unresolved; it fails only when ctx is done.
func (t *Topology) addInstance(ctx context.Context, client RDSAPI, id string) error {
	db, err := client.Instance(ctx, id)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		t.Unresolved = append(t.Unresolved, fmt.Sprintf("%s: %v", id, err))
		return nil
	}
	t.Readers = append(t.Readers, Endpoint{Host: db.Address, Port: db.Port})
	return nil
}

// otherRegion reports whether a and b are ARNs of different regions.
func otherRegion(a, b string) bool {
	ra, oka := arnRegion(a)
	rb, okb := arnRegion(b)
	return oka && okb && ra != rb
}

// arnRegion is the region of an ARN (arn:partition:service:region:...); ok is false for a
// plain identifier.
func arnRegion(s string) (region string, ok bool) {
	parts := strings.SplitN(s, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" {
		return "", false
	}
	return parts[3], true
}

func describeCluster(ctx context.Context, client RDSAPI, id string) (*Topology, error) {
	cl, err := client.Cluster(ctx, id)
	if err != nil {
		return nil, err
	}
	t := &Topology{Writer: Endpoint{Host: cl.Endpoint, Port: cl.Port}, Engine: cl.Engine, Source: "DescribeDBClusters " + id}
	if cl.ReaderEndpoint != "" {
		t.Readers = append(t.Readers, Endpoint{Host: cl.ReaderEndpoint, Port: cl.Port})
	}
	// The cluster's instances (writer and readers) by their own endpoints; one being
	// created or deleted (no endpoint) vouches for nothing, as for replicas.
	for _, m := range cl.Members {
		if err := t.addInstance(ctx, client, m); err != nil {
			return nil, fmt.Errorf("member of %s: %w", id, err)
		}
	}
	return t, nil
}
