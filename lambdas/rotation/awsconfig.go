package rotation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// loadAWSConfig builds the SDK configuration from the environment Lambda gives a function.
//
// It does not use the SDK's config package on purpose: that package links the SSO, SSO OIDC,
// sign-in and STS clients (for profiles a Lambda function never has), and their package
// initialization alone was about a quarter of a rotator's start (make bench, BenchmarkInit).
// What a function's environment can hold is read here:
//   - region: AWS_REGION, else AWS_DEFAULT_REGION;
//   - credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN (what Lambda
//     sets), else a container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI or
//     _RELATIVE_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE);
//   - endpoints: AWS_ENDPOINT_URL (each client adds its service's own variable), unless
//     AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true;
//   - retries: AWS_MAX_ATTEMPTS and AWS_RETRY_MODE;
//   - AWS_CA_BUNDLE: the certificates HTTPS connections to AWS trust.
func loadAWSConfig(_ context.Context, lookup func(string) (string, bool)) (aws.Config, error) {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	cfg := aws.Config{Region: get("AWS_REGION")}
	if cfg.Region == "" {
		cfg.Region = get("AWS_DEFAULT_REGION")
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("load AWS configuration: no region: set AWS_REGION (Lambda sets it for every function)")
	}

	httpClient := &http.Client{Transport: http.DefaultTransport, Timeout: 60 * time.Second}
	if p := get("AWS_CA_BUNDLE"); p != "" {
		pem, err := os.ReadFile(p)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: AWS_CA_BUNDLE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return aws.Config{}, fmt.Errorf("load AWS configuration: AWS_CA_BUNDLE %s holds no PEM certificate", p)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		httpClient.Transport = tr
	}
	cfg.HTTPClient = httpClient

	switch id, secret := get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"); {
	case id != "" && secret != "":
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, get("AWS_SESSION_TOKEN")))
	case id != "" || secret != "":
		return aws.Config{}, errors.New("load AWS configuration: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
	default:
		ep := get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
		if rel := get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); ep == "" && rel != "" {
			ep = "http://169.254.170.2" + rel
		}
		if ep == "" {
			return aws.Config{}, errors.New("load AWS configuration: no credentials in the environment: Lambda sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the function's role; outside Lambda set them (or a container credentials endpoint)")
		}
		if err := checkContainerCredentialsEndpoint(ep); err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		token, tokenFile := get("AWS_CONTAINER_AUTHORIZATION_TOKEN"), get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
		cfg.Credentials = aws.NewCredentialsCache(endpointcreds.New(ep, func(o *endpointcreds.Options) {
			o.HTTPClient = httpClient
			o.AuthorizationToken = token
			if tokenFile != "" {
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					b, err := os.ReadFile(tokenFile)
					if err != nil {
						return "", fmt.Errorf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
					}
					return strings.TrimSpace(string(b)), nil
				})
			}
		}))
	}

	if !strings.EqualFold(get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		if ep := get("AWS_ENDPOINT_URL"); ep != "" {
			cfg.BaseEndpoint = aws.String(ep)
		}
	}
	if v := get("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return aws.Config{}, fmt.Errorf("load AWS configuration: AWS_MAX_ATTEMPTS=%q: want a positive number", v)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := get("AWS_RETRY_MODE"); v != "" {
		m, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: AWS_RETRY_MODE: %w", err)
		}
		cfg.RetryMode = m
	}
	return cfg, nil
}

// checkContainerCredentialsEndpoint accepts what the SDK accepts for
// AWS_CONTAINER_CREDENTIALS_FULL_URI: HTTPS anywhere, plain HTTP only to a loopback address
// or the ECS/EKS credential endpoints, so that the authorization token and the credentials
// never cross a network unencrypted.
func checkContainerCredentialsEndpoint(ep string) error {
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" {
		return fmt.Errorf("container credentials endpoint %q is not a URL", ep)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme != "http" {
		return fmt.Errorf("container credentials endpoint %q: want an http or https URL", ep)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err == nil && (ip.IsLoopback() || ip == netip.MustParseAddr("169.254.170.2") ||
		ip == netip.MustParseAddr("169.254.170.23") || ip == netip.MustParseAddr("fd00:ec2::23")) {
		return nil
	}
	return fmt.Errorf("container credentials endpoint %q: plain http only to a loopback address or the ECS/EKS endpoints (169.254.170.2, 169.254.170.23, fd00:ec2::23); use https", ep)
}
