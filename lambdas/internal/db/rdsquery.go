package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// RDSAPI is what the rotators ask RDS. NewRDSClient is the real one.
type RDSAPI interface {
	// Instance is DescribeDBInstances for one instance (identifier or ARN).
	Instance(ctx context.Context, id string) (*Instance, error)
	// Cluster is DescribeDBClusters for one cluster (identifier or ARN).
	Cluster(ctx context.Context, id string) (*Cluster, error)
}

// Instance is the part of a DBInstance the rotators use.
type Instance struct {
	Engine       string
	Address      string
	Port         int
	ReadReplicas []string // ReadReplicaDBInstanceIdentifiers
}

// Cluster is the part of a DBCluster the rotators use.
type Cluster struct {
	Engine         string
	Endpoint       string
	ReaderEndpoint string
	Port           int
	Members        []string // DBClusterMembers' instance identifiers
}

// rdsClient calls the RDS query API (two read-only actions) signed with SigV4. It stands
// in for the SDK's RDS client, whose package initialisation alone allocates more than a
// megabyte and costs milliseconds at every cold start of a rotation function.
type rdsClient struct {
	cfg      aws.Config
	endpoint string
	http     aws.HTTPClient
	signer   *v4.Signer
	retryer  aws.Retryer
}

// NewRDSClient returns a client for cfg's region, credentials and retry policy, at
// AWS_ENDPOINT_URL_RDS, else cfg.BaseEndpoint (AWS_ENDPOINT_URL), else the regional endpoint;
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores AWS_ENDPOINT_URL_RDS.
func NewRDSClient(cfg aws.Config) RDSAPI {
	// cfg.BaseEndpoint already honours AWS_IGNORE_CONFIGURED_ENDPOINT_URLS; the service's own
	// variable must too.
	ep := ""
	if !strings.EqualFold(strings.TrimSpace(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")), "true") {
		ep = strings.TrimSpace(os.Getenv("AWS_ENDPOINT_URL_RDS"))
	}
	if ep == "" {
		ep = aws.ToString(cfg.BaseEndpoint)
	}
	if ep == "" {
		suffix := "amazonaws.com"
		if strings.HasPrefix(cfg.Region, "cn-") {
			suffix = "amazonaws.com.cn"
		}
		ep = "https://rds." + cfg.Region + "." + suffix
	}
	c := &rdsClient{cfg: cfg, endpoint: strings.TrimSuffix(ep, "/"), http: cfg.HTTPClient, signer: v4.NewSigner()}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Retryer != nil {
		c.retryer = cfg.Retryer()
	} else {
		c.retryer = retry.NewStandard() // what the SDK's clients use by default
	}
	return c
}

// rdsError is an error answer of the RDS API (it implements smithy's APIError, so that
// the SDK's retryer recognises throttling and server errors).
type rdsError struct {
	Status  int
	Code    string
	Message string
}

func (e *rdsError) Error() string {
	return fmt.Sprintf("api error %s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}
func (e *rdsError) ErrorCode() string    { return e.Code }
func (e *rdsError) ErrorMessage() string { return e.Message }
func (e *rdsError) HTTPStatusCode() int  { return e.Status }

// call runs an action with retries and decodes the answer into out.
func (c *rdsClient) call(ctx context.Context, action string, params url.Values, out any) error {
	params.Set("Action", action)
	params.Set("Version", "2014-10-31")
	body := params.Encode()
	attempts := c.retryer.MaxAttempts()
	var err error
	for attempt := 1; ; attempt++ {
		err = c.once(ctx, body, out)
		if err == nil || attempt >= attempts || !c.retryer.IsErrorRetryable(err) {
			break
		}
		delay, derr := c.retryer.RetryDelay(attempt, err)
		if derr != nil {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", action, params.Get("DBInstanceIdentifier")+params.Get("DBClusterIdentifier"), err)
	}
	return nil
}

func (c *rdsClient) once(ctx context.Context, body string, out any) error {
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "rds", c.cfg.Region, time.Now()); err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		_ = xml.Unmarshal(data, &e)
		if e.Code == "" {
			e.Code = http.StatusText(resp.StatusCode)
		}
		return &rdsError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(out); err != nil {
		return fmt.Errorf("decode the answer: %w", err)
	}
	return nil
}

func (c *rdsClient) Instance(ctx context.Context, id string) (*Instance, error) {
	var out struct {
		Instances []struct {
			Engine   string   `xml:"Engine"`
			Address  string   `xml:"Endpoint>Address"`
			Port     int      `xml:"Endpoint>Port"`
			Replicas []string `xml:"ReadReplicaDBInstanceIdentifiers>ReadReplicaDBInstanceIdentifier"`
		} `xml:"DescribeDBInstancesResult>DBInstances>DBInstance"`
	}
	if err := c.call(ctx, "DescribeDBInstances", url.Values{"DBInstanceIdentifier": {id}}, &out); err != nil {
		return nil, err
	}
	if len(out.Instances) == 0 || out.Instances[0].Address == "" {
		return nil, fmt.Errorf("DescribeDBInstances %s found no instance with an endpoint", id)
	}
	i := out.Instances[0]
	return &Instance{Engine: i.Engine, Address: i.Address, Port: i.Port, ReadReplicas: i.Replicas}, nil
}

func (c *rdsClient) Cluster(ctx context.Context, id string) (*Cluster, error) {
	var out struct {
		Clusters []struct {
			Engine   string   `xml:"Engine"`
			Endpoint string   `xml:"Endpoint"`
			Reader   string   `xml:"ReaderEndpoint"`
			Port     int      `xml:"Port"`
			Members  []string `xml:"DBClusterMembers>DBClusterMember>DBInstanceIdentifier"`
		} `xml:"DescribeDBClustersResult>DBClusters>DBCluster"`
	}
	if err := c.call(ctx, "DescribeDBClusters", url.Values{"DBClusterIdentifier": {id}}, &out); err != nil {
		return nil, err
	}
	if len(out.Clusters) == 0 || out.Clusters[0].Endpoint == "" {
		return nil, fmt.Errorf("DescribeDBClusters %s found no cluster with an endpoint", id)
	}
	cl := out.Clusters[0]
	return &Cluster{Engine: cl.Engine, Endpoint: cl.Endpoint, ReaderEndpoint: cl.Reader, Port: cl.Port, Members: cl.Members}, nil
}
