// Package rds is the emulator's RDS: the DB instances and clusters that tests register (the
// model, a registry) and DescribeDBInstances / DescribeDBClusters over the query protocol
// (the API layer, api.go).
package rds

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// DBInstance is an RDS instance registered for DescribeDBInstances.
type DBInstance struct {
	Identifier          string `json:"identifier"`
	Region              string `json:"region,omitempty"`
	Engine              string `json:"engine"`
	Address             string `json:"address"`
	Port                int    `json:"port"`
	DBName              string `json:"dbName,omitempty"`
	MasterUsername      string `json:"masterUsername,omitempty"`
	ClusterIdentifier   string `json:"clusterIdentifier,omitempty"`
	MasterUserSecretARN string `json:"masterUserSecretArn,omitempty"`
	// ReadReplicaSource makes the instance a read replica of another instance
	// (ReadReplicaSourceDBInstanceIdentifier): its identifier in the same region, its ARN in
	// another one. The source then lists it among its ReadReplicaDBInstanceIdentifiers (by
	// ARN when cross-region), as CreateDBInstanceReadReplica does.
	ReadReplicaSource string `json:"readReplicaSource,omitempty"`
	// MasterUserPassword, with MasterUsername, makes the emulator create the secret RDS
	// manages for the master user (ManageMasterUserPassword), and set MasterUserSecretARN.
	MasterUserPassword string `json:"masterUserPassword,omitempty"`
}

// DBCluster is an RDS (Aurora) cluster registered for DescribeDBClusters.
type DBCluster struct {
	Identifier          string `json:"identifier"`
	Region              string `json:"region,omitempty"`
	Engine              string `json:"engine"`
	Address             string `json:"address"`
	ReaderAddress       string `json:"readerAddress,omitempty"`
	Port                int    `json:"port"`
	DatabaseName        string `json:"databaseName,omitempty"`
	MasterUsername      string `json:"masterUsername,omitempty"`
	MasterUserSecretARN string `json:"masterUserSecretArn,omitempty"`
	// MasterUserPassword: as for DBInstance.
	MasterUserPassword string `json:"masterUserPassword,omitempty"`
}

// CheckInstance refuses an instance that DescribeDBInstances could not describe.
func CheckInstance(db DBInstance) error {
	if db.Identifier == "" || db.Engine == "" || db.Address == "" || db.Port == 0 {
		return fmt.Errorf("DB instance needs identifier, engine, address and port")
	}
	if db.ReadReplicaSource == db.Identifier {
		return fmt.Errorf("DB instance %s cannot be a read replica of itself", db.Identifier)
	}
	return nil
}

// CheckSource refuses a read replica whose source instance is not registered: in the
// replica's region, or, for a cross-region replica (a source named by its ARN, as
// CreateDBInstanceReadReplica requires then), in the ARN's region. AWS answers
// DBInstanceNotFound then.
func (r *Registry) CheckSource(db DBInstance) error {
	if db.ReadReplicaSource == "" {
		return nil
	}
	region, id := sourceOf(db)
	if len(r.Instances(region, id)) == 1 {
		return nil
	}
	return fmt.Errorf("read replica %s: source DB instance %s is not registered in %s (register the source first)",
		db.Identifier, id, region)
}

// sourceOf is the region and identifier of db's read replica source.
func sourceOf(db DBInstance) (region, id string) {
	if parts := strings.Split(db.ReadReplicaSource, ":"); len(parts) == 7 && parts[0] == "arn" && parts[2] == "rds" && parts[5] == "db" {
		return parts[3], parts[6]
	}
	return db.Region, db.ReadReplicaSource
}

// CheckCluster refuses a cluster that DescribeDBClusters could not describe.
func CheckCluster(c DBCluster) error {
	if c.Identifier == "" || c.Engine == "" || c.Address == "" || c.Port == 0 {
		return fmt.Errorf("DB cluster needs identifier, engine, address and port")
	}
	return nil
}

// InstanceARN and ClusterARN are the ARNs RDS gives its resources.
func InstanceARN(region, account, id string) string {
	return "arn:aws:rds:" + region + ":" + account + ":db:" + id
}

func ClusterARN(region, account, id string) string {
	return "arn:aws:rds:" + region + ":" + account + ":cluster:" + id
}

// Registry holds the registered instances and clusters; its zero value is ready to use.
type Registry struct {
	mu        sync.Mutex
	instances map[string]DBInstance // by region/identifier
	clusters  map[string]DBCluster
}

// PutInstance registers db (replacing one of the same region and identifier). The password
// is never kept: it lives only in the secret.
func (r *Registry) PutInstance(db DBInstance) {
	db.MasterUserPassword = ""
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.instances == nil {
		r.instances = map[string]DBInstance{}
	}
	r.instances[db.Region+"/"+db.Identifier] = db
}

// PutCluster registers c.
func (r *Registry) PutCluster(c DBCluster) {
	c.MasterUserPassword = ""
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clusters == nil {
		r.clusters = map[string]DBCluster{}
	}
	r.clusters[c.Region+"/"+c.Identifier] = c
}

// Reset forgets everything.
func (r *Registry) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.instances)
	clear(r.clusters)
}

// Instances returns the instances of region (one when id is not empty), by identifier.
func (r *Registry) Instances(region, id string) []DBInstance {
	r.mu.Lock()
	var out []DBInstance
	for _, db := range r.instances {
		if db.Region == region && (id == "" || db.Identifier == id) {
			out = append(out, db)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b DBInstance) int { return strings.Compare(a.Identifier, b.Identifier) })
	return out
}

// Clusters returns the clusters of region (one when id is not empty), by identifier.
func (r *Registry) Clusters(region, id string) []DBCluster {
	r.mu.Lock()
	var out []DBCluster
	for _, c := range r.clusters {
		if c.Region == region && (id == "" || c.Identifier == id) {
			out = append(out, c)
		}
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b DBCluster) int { return strings.Compare(a.Identifier, b.Identifier) })
	return out
}

// Replicas returns the read replicas of instance id in region, sorted: by identifier in
// the same region, by ARN (account's) in another one, as DescribeDBInstances lists them.
func (r *Registry) Replicas(region, account, id string) []string {
	r.mu.Lock()
	var out []string
	for _, db := range r.instances {
		if db.ReadReplicaSource == "" {
			continue
		}
		if srcRegion, srcID := sourceOf(db); srcRegion != region || srcID != id {
			continue
		}
		if db.Region == region {
			out = append(out, db.Identifier)
		} else {
			out = append(out, InstanceARN(db.Region, account, db.Identifier))
		}
	}
	r.mu.Unlock()
	slices.Sort(out)
	return out
}

// Members returns the instances of region that belong to cluster, by identifier; the first
// is the writer.
func (r *Registry) Members(region, cluster string) []DBInstance {
	var out []DBInstance
	for _, db := range r.Instances(region, "") {
		if db.ClusterIdentifier == cluster {
			out = append(out, db)
		}
	}
	return out
}
