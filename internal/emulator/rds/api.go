package rds

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// XMLNS is the namespace of RDS answers.
const XMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"

// Service answers the RDS describe actions from a registry.
type Service struct {
	Account  string
	Registry *Registry
}

// Handler returns the handler of an action, or nil when the emulator's RDS has no such action.
func (s *Service) Handler(action string) func(region string, form url.Values) (any, error) {
	switch action {
	case "DescribeDBInstances":
		return s.describeDBInstances
	case "DescribeDBClusters":
		return s.describeDBClusters
	}
	return nil
}

type xmlMasterUserSecret struct {
	SecretArn    string `xml:"SecretArn"`
	SecretStatus string `xml:"SecretStatus"`
}

type xmlDBInstance struct {
	DBInstanceIdentifier string `xml:"DBInstanceIdentifier"`
	DBInstanceArn        string `xml:"DBInstanceArn"`
	Engine               string `xml:"Engine"`
	DBInstanceStatus     string `xml:"DBInstanceStatus"`
	Endpoint             struct {
		Address string `xml:"Address"`
		Port    int    `xml:"Port"`
	} `xml:"Endpoint"`
	DBName              string               `xml:"DBName,omitempty"`
	MasterUsername      string               `xml:"MasterUsername,omitempty"`
	DBClusterIdentifier string               `xml:"DBClusterIdentifier,omitempty"`
	MasterUserSecret    *xmlMasterUserSecret `xml:"MasterUserSecret,omitempty"`
	// A list member is named after the list's element (ReadReplicaDBInstanceIdentifier),
	// not "member", in RDS's query protocol; the list is there, empty, without replicas.
	ReadReplicaSourceDBInstanceIdentifier string         `xml:"ReadReplicaSourceDBInstanceIdentifier,omitempty"`
	ReadReplicaDBInstanceIdentifiers      xmlReplicaList `xml:"ReadReplicaDBInstanceIdentifiers"`
}

type xmlReplicaList struct {
	IDs []string `xml:"ReadReplicaDBInstanceIdentifier"`
}

type describeDBInstancesResponse struct {
	XMLName xml.Name `xml:"DescribeDBInstancesResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		DBInstances []xmlDBInstance `xml:"DBInstances>DBInstance"`
		Marker      string          `xml:"Marker,omitempty"`
	} `xml:"DescribeDBInstancesResult"`
	Metadata awsapi.ResponseMetadata `xml:"ResponseMetadata"`
}

type xmlClusterMember struct {
	DBInstanceIdentifier string `xml:"DBInstanceIdentifier"`
	IsClusterWriter      bool   `xml:"IsClusterWriter"`
}

type xmlDBCluster struct {
	DBClusterIdentifier string               `xml:"DBClusterIdentifier"`
	DBClusterArn        string               `xml:"DBClusterArn"`
	Engine              string               `xml:"Engine"`
	Status              string               `xml:"Status"`
	Endpoint            string               `xml:"Endpoint"`
	ReaderEndpoint      string               `xml:"ReaderEndpoint,omitempty"`
	Port                int                  `xml:"Port"`
	DatabaseName        string               `xml:"DatabaseName,omitempty"`
	MasterUsername      string               `xml:"MasterUsername,omitempty"`
	MasterUserSecret    *xmlMasterUserSecret `xml:"MasterUserSecret,omitempty"`
	Members             []xmlClusterMember   `xml:"DBClusterMembers>DBClusterMember"`
}

type describeDBClustersResponse struct {
	XMLName xml.Name `xml:"DescribeDBClustersResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		DBClusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
		Marker     string         `xml:"Marker,omitempty"`
	} `xml:"DescribeDBClustersResult"`
	Metadata awsapi.ResponseMetadata `xml:"ResponseMetadata"`
}

// identifier accepts an identifier or an ARN of the given kind ("db" or "cluster").
func identifier(v, kind string) string {
	if strings.HasPrefix(v, "arn:") {
		if i := strings.LastIndex(v, ":"+kind+":"); i >= 0 {
			return v[i+len(kind)+2:]
		}
	}
	return v
}

func masterSecret(arn string) *xmlMasterUserSecret {
	if arn == "" {
		return nil
	}
	return &xmlMasterUserSecret{SecretArn: arn, SecretStatus: "active"}
}

func (s *Service) describeDBInstances(region string, form url.Values) (any, error) {
	want := identifier(form.Get("DBInstanceIdentifier"), "db")
	list := s.Registry.Instances(region, want)
	if want != "" && len(list) == 0 {
		return nil, &awsapi.Error{Type: "DBInstanceNotFound", Message: fmt.Sprintf("DBInstance %s not found.", want), Status: http.StatusNotFound}
	}
	out := &describeDBInstancesResponse{Xmlns: XMLNS, Metadata: awsapi.NewMetadata()}
	for _, db := range list {
		x := xmlDBInstance{DBInstanceIdentifier: db.Identifier, DBInstanceArn: InstanceARN(region, s.Account, db.Identifier), Engine: db.Engine,
			DBInstanceStatus: "available", DBName: db.DBName, MasterUsername: db.MasterUsername, DBClusterIdentifier: db.ClusterIdentifier,
			MasterUserSecret: masterSecret(db.MasterUserSecretARN), ReadReplicaSourceDBInstanceIdentifier: db.ReadReplicaSource,
			ReadReplicaDBInstanceIdentifiers: xmlReplicaList{s.Registry.Replicas(region, s.Account, db.Identifier)}}
		x.Endpoint.Address, x.Endpoint.Port = db.Address, db.Port
		out.Result.DBInstances = append(out.Result.DBInstances, x)
	}
	return out, nil
}

func (s *Service) describeDBClusters(region string, form url.Values) (any, error) {
	want := identifier(form.Get("DBClusterIdentifier"), "cluster")
	list := s.Registry.Clusters(region, want)
	if want != "" && len(list) == 0 {
		return nil, &awsapi.Error{Type: "DBClusterNotFoundFault", Message: fmt.Sprintf("DBCluster %s not found.", want), Status: http.StatusNotFound}
	}
	out := &describeDBClustersResponse{Xmlns: XMLNS, Metadata: awsapi.NewMetadata()}
	for _, c := range list {
		x := xmlDBCluster{DBClusterIdentifier: c.Identifier, DBClusterArn: ClusterARN(region, s.Account, c.Identifier), Engine: c.Engine,
			Status: "available", Endpoint: c.Address, ReaderEndpoint: c.ReaderAddress, Port: c.Port,
			DatabaseName: c.DatabaseName, MasterUsername: c.MasterUsername, MasterUserSecret: masterSecret(c.MasterUserSecretARN)}
		for i, m := range s.Registry.Members(region, c.Identifier) {
			x.Members = append(x.Members, xmlClusterMember{DBInstanceIdentifier: m.Identifier, IsClusterWriter: i == 0})
		}
		out.Result.DBClusters = append(out.Result.DBClusters, x)
	}
	return out, nil
}
