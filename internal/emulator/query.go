package emulator

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The query protocol (form-encoded Action=..., XML answers): STS and the RDS describe calls.

// isQueryRequest reports whether r uses the query protocol: an Action in the form body or URL.
func isQueryRequest(r *http.Request) bool {
	if r.URL.Query().Get("Action") != "" {
		return true
	}
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
}

type queryError struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeQueryError(w http.ResponseWriter, xmlns string, err error) {
	ae, ok := err.(*apiError)
	if !ok {
		ae = &apiError{Type: "InternalFailure", Message: "An internal error occurred in the emulator.", Status: http.StatusInternalServerError}
	}
	var e queryError
	e.Xmlns = xmlns
	e.Error.Type = "Sender"
	if ae.Status >= 500 {
		e.Error.Type = "Receiver"
	}
	e.Error.Code, e.Error.Message, e.RequestID = ae.Type, ae.Message, newUUID()
	body, _ := xml.Marshal(e)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(ae.Status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

func writeXML(w http.ResponseWriter, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		writeQueryError(w, "", err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

const (
	stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
	rdsXMLNS = "http://rds.amazonaws.com/doc/2014-10-31/"
)

// serveQuery answers query-protocol requests.
func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		writeQueryError(w, "", err)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeQueryError(w, "", newError("MalformedQueryString", "The request body is not a valid form-encoded query."))
		return
	}
	for k, v := range r.URL.Query() {
		form[k] = append(form[k], v...)
	}
	action := form.Get("Action")
	region := requestRegion(r)
	var service, xmlns string
	var handle func(region string, form url.Values) (any, error)
	switch action {
	case "GetCallerIdentity":
		service, xmlns, handle = "sts", stsXMLNS, s.stsGetCallerIdentity
	case "AssumeRole":
		service, xmlns, handle = "sts", stsXMLNS, s.stsAssumeRole
	case "DescribeDBInstances":
		service, xmlns, handle = "rds", rdsXMLNS, s.rdsDescribeDBInstances
	case "DescribeDBClusters":
		service, xmlns, handle = "rds", rdsXMLNS, s.rdsDescribeDBClusters
	default:
		writeQueryError(w, "", &apiError{Type: "InvalidAction", Message: fmt.Sprintf("The action %s is not valid for this endpoint.", action), Status: http.StatusBadRequest})
		return
	}
	if err := s.beforeOperation(r.Context(), service+"."+action); err != nil {
		writeQueryError(w, xmlns, err)
		return
	}
	out, err := handle(region, form)
	if err != nil {
		writeQueryError(w, xmlns, err)
		return
	}
	writeXML(w, out)
}

// ---- STS ----

type stsGetCallerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
		Account string `xml:"Account"`
	} `xml:"GetCallerIdentityResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

func (s *Server) stsGetCallerIdentity(_ string, _ url.Values) (any, error) {
	out := &stsGetCallerIdentityResponse{Xmlns: stsXMLNS, Metadata: responseMetadata{RequestID: newUUID()}}
	out.Result.Arn = "arn:aws:iam::" + s.account + ":user/emulator"
	out.Result.UserID = "AIDAEMULATOR000000000"
	out.Result.Account = s.account
	return out, nil
}

type stsAssumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string `xml:"SecretAccessKey"`
			SessionToken    string `xml:"SessionToken"`
			Expiration      string `xml:"Expiration"`
		} `xml:"Credentials"`
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string `xml:"Arn"`
		} `xml:"AssumedRoleUser"`
	} `xml:"AssumeRoleResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

// stsAssumeRole hands out throwaway credentials: the emulator checks no signatures, so the
// provider's assume_role settings can be exercised without IAM.
func (s *Server) stsAssumeRole(_ string, form url.Values) (any, error) {
	roleARN, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	if roleARN == "" {
		return nil, validationError("roleArn", "Member must not be null", nil)
	}
	if session == "" {
		return nil, validationError("roleSessionName", "Member must not be null", nil)
	}
	secs := int64(3600)
	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n < 900 || n > 43200 {
			return nil, validationError("durationSeconds", "Member must have value between 900 and 43200", d)
		}
		secs = n
	}
	role := roleARN[strings.LastIndex(roleARN, "/")+1:]
	out := &stsAssumeRoleResponse{Xmlns: stsXMLNS, Metadata: responseMetadata{RequestID: newUUID()}}
	c := &out.Result.Credentials
	c.AccessKeyID = "ASIAEMULATOR" + strings.ToUpper(randomSuffix(8))
	c.SecretAccessKey = randomSuffix(40)
	c.SessionToken = randomSuffix(64)
	c.Expiration = s.now().Add(time.Duration(secs) * time.Second).UTC().Format("2006-01-02T15:04:05Z")
	out.Result.AssumedRoleUser.AssumedRoleID = "AROAEMULATOR:" + session
	out.Result.AssumedRoleUser.Arn = "arn:aws:sts::" + s.account + ":assumed-role/" + role + "/" + session
	return out, nil
}

// ---- RDS ----

// DBInstance is an RDS instance the tests register through the control API, answered by
// DescribeDBInstances.
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
	// MasterUserPassword, with MasterUsername, makes the emulator create the secret RDS
	// manages for the master user (ManageMasterUserPassword), and set MasterUserSecretARN.
	MasterUserPassword string `json:"masterUserPassword,omitempty"`
}

// DBCluster is an RDS (Aurora) cluster the tests register, answered by DescribeDBClusters.
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

func (s *Server) dbInstanceARN(region, id string) string {
	return "arn:aws:rds:" + region + ":" + s.account + ":db:" + id
}

func (s *Server) dbClusterARN(region, id string) string {
	return "arn:aws:rds:" + region + ":" + s.account + ":cluster:" + id
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
}

type describeDBInstancesResponse struct {
	XMLName xml.Name `xml:"DescribeDBInstancesResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		DBInstances []xmlDBInstance `xml:"DBInstances>DBInstance"`
		Marker      string          `xml:"Marker,omitempty"`
	} `xml:"DescribeDBInstancesResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
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
	Members             []struct {
		DBInstanceIdentifier string `xml:"DBInstanceIdentifier"`
		IsClusterWriter      bool   `xml:"IsClusterWriter"`
	} `xml:"DBClusterMembers>DBClusterMember"`
}

type describeDBClustersResponse struct {
	XMLName xml.Name `xml:"DescribeDBClustersResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		DBClusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
		Marker     string         `xml:"Marker,omitempty"`
	} `xml:"DescribeDBClustersResult"`
	Metadata responseMetadata `xml:"ResponseMetadata"`
}

// rdsIdentifier accepts an identifier or an ARN of the given kind ("db" or "cluster").
func rdsIdentifier(v, kind string) string {
	if strings.HasPrefix(v, "arn:") {
		if i := strings.LastIndex(v, ":"+kind+":"); i >= 0 {
			return v[i+len(kind)+2:]
		}
	}
	return v
}

func (s *Server) rdsDescribeDBInstances(region string, form url.Values) (any, error) {
	want := rdsIdentifier(form.Get("DBInstanceIdentifier"), "db")
	s.ctrl.mu.Lock()
	var list []DBInstance
	for _, db := range s.ctrl.dbInstances {
		if db.Region == region && (want == "" || db.Identifier == want) {
			list = append(list, db)
		}
	}
	s.ctrl.mu.Unlock()
	if want != "" && len(list) == 0 {
		return nil, &apiError{Type: "DBInstanceNotFound", Message: fmt.Sprintf("DBInstance %s not found.", want), Status: http.StatusNotFound}
	}
	slices.SortFunc(list, func(a, b DBInstance) int { return strings.Compare(a.Identifier, b.Identifier) })
	out := &describeDBInstancesResponse{Xmlns: rdsXMLNS, Metadata: responseMetadata{RequestID: newUUID()}}
	for _, db := range list {
		x := xmlDBInstance{DBInstanceIdentifier: db.Identifier, DBInstanceArn: s.dbInstanceARN(region, db.Identifier), Engine: db.Engine,
			DBInstanceStatus: "available", DBName: db.DBName, MasterUsername: db.MasterUsername, DBClusterIdentifier: db.ClusterIdentifier}
		x.Endpoint.Address, x.Endpoint.Port = db.Address, db.Port
		if db.MasterUserSecretARN != "" {
			x.MasterUserSecret = &xmlMasterUserSecret{SecretArn: db.MasterUserSecretARN, SecretStatus: "active"}
		}
		out.Result.DBInstances = append(out.Result.DBInstances, x)
	}
	return out, nil
}

func (s *Server) rdsDescribeDBClusters(region string, form url.Values) (any, error) {
	want := rdsIdentifier(form.Get("DBClusterIdentifier"), "cluster")
	s.ctrl.mu.Lock()
	var list []DBCluster
	for _, c := range s.ctrl.dbClusters {
		if c.Region == region && (want == "" || c.Identifier == want) {
			list = append(list, c)
		}
	}
	var members []DBInstance
	for _, db := range s.ctrl.dbInstances {
		if db.Region == region && db.ClusterIdentifier != "" {
			members = append(members, db)
		}
	}
	s.ctrl.mu.Unlock()
	if want != "" && len(list) == 0 {
		return nil, &apiError{Type: "DBClusterNotFoundFault", Message: fmt.Sprintf("DBCluster %s not found.", want), Status: http.StatusNotFound}
	}
	slices.SortFunc(list, func(a, b DBCluster) int { return strings.Compare(a.Identifier, b.Identifier) })
	out := &describeDBClustersResponse{Xmlns: rdsXMLNS, Metadata: responseMetadata{RequestID: newUUID()}}
	for _, c := range list {
		x := xmlDBCluster{DBClusterIdentifier: c.Identifier, DBClusterArn: s.dbClusterARN(region, c.Identifier), Engine: c.Engine,
			Status: "available", Endpoint: c.Address, ReaderEndpoint: c.ReaderAddress, Port: c.Port,
			DatabaseName: c.DatabaseName, MasterUsername: c.MasterUsername}
		if c.MasterUserSecretARN != "" {
			x.MasterUserSecret = &xmlMasterUserSecret{SecretArn: c.MasterUserSecretARN, SecretStatus: "active"}
		}
		for _, m := range members {
			if m.ClusterIdentifier == c.Identifier {
				x.Members = append(x.Members, struct {
					DBInstanceIdentifier string `xml:"DBInstanceIdentifier"`
					IsClusterWriter      bool   `xml:"IsClusterWriter"`
				}{m.Identifier, len(x.Members) == 0})
			}
		}
		out.Result.DBClusters = append(out.Result.DBClusters, x)
	}
	return out, nil
}
