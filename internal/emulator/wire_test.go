package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

const wireContentType = "application/x-amz-json-1.1"

// wireServer serves a fresh emulator for the length of the test and returns its URL.
func wireServer(t *testing.T) string {
	t.Helper()
	return emulatortest.Start(t).URL
}

// wireSigV4 is an Authorization header signed (in form only: the emulator checks no signature)
// for region.
func wireSigV4(region string) string {
	return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260314/" + region +
		"/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123abcd"
}

// wireRequest is one raw HTTP request to the emulator.
type wireRequest struct {
	method string // POST when empty
	target string // X-Amz-Target; none when empty
	auth   string // Authorization; none when empty
	query  string // URL query, without "?"
	body   []byte
}

type wireResponse struct {
	status int
	header http.Header
	body   []byte
}

// apiErr decodes an error body; it fails the test unless the body is the JSON 1.1 error shape.
func (r wireResponse) apiErr(t *testing.T) (typ, msg string) {
	t.Helper()
	var e struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("HTTP %d: error body is not JSON (%v): %q", r.status, err, r.body)
	}
	if e.Type == "" {
		t.Fatalf("HTTP %d: error body has no __type: %s", r.status, r.body)
	}
	return e.Type, e.Message
}

func wireDo(t *testing.T, url string, req wireRequest) wireResponse {
	t.Helper()
	method := req.method
	if method == "" {
		method = http.MethodPost
	}
	target := url + "/"
	if req.query != "" {
		target += "?" + req.query
	}
	hr, err := http.NewRequestWithContext(context.Background(), method, target, bytes.NewReader(req.body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	hr.Header.Set("Content-Type", wireContentType)
	if req.target != "" {
		hr.Header.Set("X-Amz-Target", req.target)
	}
	if req.auth != "" {
		hr.Header.Set("Authorization", req.auth)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	return wireResponse{status: resp.StatusCode, header: resp.Header, body: body}
}

// TestWireErrors checks the protocol-level answers of the emulator to raw HTTP requests.
func TestWireErrors(t *testing.T) {
	url := wireServer(t)
	const nullSecretID = "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
	tests := []struct {
		name       string
		req        wireRequest
		wantStatus int
		wantType   string
		wantMsg    []string // substrings of Message
		notMsg     []string // substrings Message must not have
	}{
		{
			name:       "unknown operation",
			req:        wireRequest{target: "secretsmanager.NoSuchOperation", body: []byte(`{}`)},
			wantStatus: 400, wantType: "UnknownOperationException", wantMsg: []string{"NoSuchOperation"},
		},
		{
			name:       "target of a service the emulator does not serve",
			req:        wireRequest{target: "AmazonSSM.GetParameter", body: []byte(`{}`)},
			wantStatus: 400, wantType: "UnknownOperationException", wantMsg: []string{"AmazonSSM.GetParameter"},
		},
		{
			name:       "operation name is case-sensitive",
			req:        wireRequest{target: "secretsmanager.describesecret", body: []byte(`{"SecretId":"x"}`)},
			wantStatus: 400, wantType: "UnknownOperationException",
		},
		{
			name:       "missing target",
			req:        wireRequest{body: []byte(`{"SecretId":"x"}`)},
			wantStatus: 404, wantType: "UnknownOperationException", wantMsg: []string{"X-Amz-Target"},
		},
		{
			name:       "GET without target",
			req:        wireRequest{method: http.MethodGet},
			wantStatus: 404, wantType: "UnknownOperationException", wantMsg: []string{"GET"},
		},
		{
			name:       "GET instead of POST",
			req:        wireRequest{method: http.MethodGet, target: "secretsmanager.ListSecrets"},
			wantStatus: 405, wantType: "MethodNotAllowed", wantMsg: []string{"POST"},
		},
		{
			name:       "PUT instead of POST",
			req:        wireRequest{method: http.MethodPut, target: "secretsmanager.ListSecrets", body: []byte(`{}`)},
			wantStatus: 405, wantType: "MethodNotAllowed", wantMsg: []string{"POST"},
		},
		{
			name:       "malformed JSON",
			req:        wireRequest{target: "secretsmanager.DescribeSecret", body: []byte(`{"SecretId":`)},
			wantStatus: 400, wantType: "SerializationException",
		},
		{
			name:       "not JSON at all",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`SecretId=x`)},
			wantStatus: 400, wantType: "SerializationException",
		},
		{
			name:       "trailing data after the object",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`{} {}`)},
			wantStatus: 400, wantType: "SerializationException",
		},
		{
			// `{}}` is not JSON; it must not be read as `{}`.
			name:       "trailing closing brace",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`{}}`)},
			wantStatus: 400, wantType: "SerializationException",
		},
		{
			name:       "trailing closing bracket",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`{}]`)},
			wantStatus: 400, wantType: "SerializationException",
		},
		{
			name:       "wrong type: number for a string",
			req:        wireRequest{target: "secretsmanager.CreateSecret", body: []byte(`{"Name":5}`)},
			wantStatus: 400, wantType: "SerializationException", wantMsg: []string{"Name", "string"},
		},
		{
			name:       "wrong type: string for an integer",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`{"MaxResults":"10"}`)},
			wantStatus: 400, wantType: "SerializationException", wantMsg: []string{"MaxResults", "integer"},
		},
		{
			name:       "wrong type: string for a boolean",
			req:        wireRequest{target: "secretsmanager.ListSecretVersionIds", body: []byte(`{"SecretId":"x","IncludeDeprecated":"yes"}`)},
			wantStatus: 400, wantType: "SerializationException", wantMsg: []string{"IncludeDeprecated", "boolean"},
		},
		{
			name:       "wrong type: string for a list",
			req:        wireRequest{target: "secretsmanager.UntagResource", body: []byte(`{"SecretId":"x","TagKeys":"env"}`)},
			wantStatus: 400, wantType: "SerializationException", wantMsg: []string{"TagKeys", "list"},
		},
		{
			name:       "wrong type in a nested member",
			req:        wireRequest{target: "secretsmanager.TagResource", body: []byte(`{"SecretId":"x","Tags":[{"Key":1,"Value":"v"}]}`)},
			wantStatus: 400, wantType: "SerializationException", wantMsg: []string{"Key"},
		},
		{
			// The body itself has the wrong type: there is no field to name.
			name:       "body is a number, not an object",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`5`)},
			wantStatus: 400, wantType: "SerializationException", notMsg: []string{"field :"},
		},
		{
			name:       "body is an array, not an object",
			req:        wireRequest{target: "secretsmanager.DescribeSecret", body: []byte(`[{"SecretId":"x"}]`)},
			wantStatus: 400, wantType: "SerializationException", notMsg: []string{"field :"},
		},
		{
			name:       "integer out of range",
			req:        wireRequest{target: "secretsmanager.ListSecrets", body: []byte(`{"MaxResults":99999999999999999999}`)},
			wantStatus: 400, wantType: "SerializationException", wantMsg: []string{"MaxResults"},
		},
		{
			name:       "body over 1 MiB",
			req:        wireRequest{target: "secretsmanager.CreateSecret", body: []byte(`{"Name":"big","SecretString":"` + strings.Repeat("a", 1<<20) + `"}`)},
			wantStatus: 413, wantType: "RequestEntityTooLargeException",
		},
		{
			name:       "missing SecretId: DescribeSecret",
			req:        wireRequest{target: "secretsmanager.DescribeSecret", body: []byte(`{}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: empty body",
			req:        wireRequest{target: "secretsmanager.GetSecretValue"},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: explicit null",
			req:        wireRequest{target: "secretsmanager.GetSecretValue", body: []byte(`{"SecretId":null}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: PutSecretValue",
			req:        wireRequest{target: "secretsmanager.PutSecretValue", body: []byte(`{"SecretString":"s","ClientRequestToken":"00000000-0000-4000-8000-000000000001"}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: ListSecretVersionIds",
			req:        wireRequest{target: "secretsmanager.ListSecretVersionIds", body: []byte(`{"IncludeDeprecated":true}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: DeleteSecret",
			req:        wireRequest{target: "secretsmanager.DeleteSecret", body: []byte(`{}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: TagResource",
			req:        wireRequest{target: "secretsmanager.TagResource", body: []byte(`{"Tags":[]}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "missing SecretId: UpdateSecretVersionStage",
			req:        wireRequest{target: "secretsmanager.UpdateSecretVersionStage", body: []byte(`{"VersionStage":"X"}`)},
			wantStatus: 400, wantType: "ValidationException", wantMsg: []string{nullSecretID},
		},
		{
			name:       "unknown secret",
			req:        wireRequest{target: "secretsmanager.DescribeSecret", body: []byte(`{"SecretId":"no/such/secret"}`)},
			wantStatus: 400, wantType: "ResourceNotFoundException", wantMsg: []string{"can't find the specified secret"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := wireDo(t, url, tt.req)
			if resp.status == http.StatusOK {
				t.Fatalf("HTTP 200 %.300s, want %d %s", resp.body, tt.wantStatus, tt.wantType)
			}
			if resp.status != tt.wantStatus {
				t.Errorf("HTTP status %d, want %d; body %.300s", resp.status, tt.wantStatus, resp.body)
			}
			if ct := resp.header.Get("Content-Type"); ct != wireContentType {
				t.Errorf("Content-Type %q, want %q", ct, wireContentType)
			}
			typ, msg := resp.apiErr(t)
			if typ != tt.wantType {
				t.Errorf("__type %q, want %q (Message %q)", typ, tt.wantType, msg)
			}
			if h := resp.header.Get("X-Amzn-ErrorType"); h != typ {
				t.Errorf("X-Amzn-ErrorType %q, body __type %q", h, typ)
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(msg, want) {
					t.Errorf("Message %q does not contain %q", msg, want)
				}
			}
			for _, bad := range tt.notMsg {
				if strings.Contains(msg, bad) {
					t.Errorf("Message %q contains %q", msg, bad)
				}
			}
		})
	}
}

// TestWireSuccessShape: a successful answer is 200 with the JSON 1.1 content type and a
// JSON object body.
func TestWireSuccessShape(t *testing.T) {
	url := wireServer(t)
	for _, req := range []wireRequest{
		{target: "secretsmanager.ListSecrets"},
		{target: "secretsmanager.ListSecrets", body: []byte(`{}`)},
		{target: "secretsmanager.CreateSecret", body: []byte(`{"Name":"shape","SecretString":"v","ClientRequestToken":"00000000-0000-4000-8000-000000000001"}`)},
		{target: "secretsmanager.GetSecretValue", body: []byte(`{"SecretId":"shape"}`)},
	} {
		resp := wireDo(t, url, req)
		if resp.status != http.StatusOK {
			t.Fatalf("%s %s: HTTP %d %s", req.target, req.body, resp.status, resp.body)
		}
		if ct := resp.header.Get("Content-Type"); ct != wireContentType {
			t.Errorf("%s: Content-Type %q, want %q", req.target, ct, wireContentType)
		}
		var obj map[string]any
		if err := json.Unmarshal(resp.body, &obj); err != nil {
			t.Errorf("%s: body is not a JSON object (%v): %s", req.target, err, resp.body)
		}
	}
}

// TestWireRegionFromCredentialScope: the region of a request is the one of its SigV4
// credential scope, us-east-1 without one, and regions do not see each other's secrets.
func TestWireRegionFromCredentialScope(t *testing.T) {
	url := wireServer(t)
	create := func(auth, name string) {
		t.Helper()
		resp := wireDo(t, url, wireRequest{target: "secretsmanager.CreateSecret", auth: auth,
			body: []byte(`{"Name":"` + name + `"}`)})
		if resp.status != http.StatusOK {
			t.Fatalf("CreateSecret %s: HTTP %d %s", name, resp.status, resp.body)
		}
	}
	create(wireSigV4("us-west-2"), "west")
	create(wireSigV4("us-east-1"), "east")
	create("", "unsigned")

	const westQuery = "X-Amz-Credential=AKIDEXAMPLE%2F20260314%2Fus-west-2%2Fsecretsmanager%2Faws4_request"
	tests := []struct {
		name, auth, query, secret string
		visible                   bool
		wantARNRegion             string
	}{
		{"us-west-2 secret in us-west-2", wireSigV4("us-west-2"), "", "west", true, "us-west-2"},
		{"us-west-2 secret in us-east-1", wireSigV4("us-east-1"), "", "west", false, ""},
		{"us-west-2 secret without Authorization", "", "", "west", false, ""},
		{"us-east-1 secret in us-east-1", wireSigV4("us-east-1"), "", "east", true, "us-east-1"},
		{"us-east-1 secret in us-west-2", wireSigV4("us-west-2"), "", "east", false, ""},
		{"us-east-1 secret without Authorization", "", "", "east", true, "us-east-1"},
		{"unsigned secret in us-east-1", wireSigV4("us-east-1"), "", "unsigned", true, "us-east-1"},
		{"unsigned secret in us-west-2", wireSigV4("us-west-2"), "", "unsigned", false, ""},
		{"us-west-2 secret in eu-west-1", wireSigV4("eu-west-1"), "", "west", false, ""},
		{"Authorization without a credential scope is us-east-1", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, Signature=00", "", "east", true, "us-east-1"},
		{"presigned us-west-2 scope in the query", "", westQuery, "west", true, "us-west-2"},
		{"presigned us-west-2 scope does not see us-east-1", "", westQuery, "east", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := wireDo(t, url, wireRequest{target: "secretsmanager.DescribeSecret", auth: tt.auth, query: tt.query,
				body: []byte(`{"SecretId":"` + tt.secret + `"}`)})
			if !tt.visible {
				if resp.status != http.StatusBadRequest {
					t.Fatalf("HTTP %d, want 400 ResourceNotFoundException; body %s", resp.status, resp.body)
				}
				if typ, msg := resp.apiErr(t); typ != "ResourceNotFoundException" {
					t.Errorf("__type %q (%s), want ResourceNotFoundException", typ, msg)
				}
				return
			}
			if resp.status != http.StatusOK {
				t.Fatalf("HTTP %d, want 200; body %s", resp.status, resp.body)
			}
			var out struct{ ARN, Name string }
			if err := json.Unmarshal(resp.body, &out); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if want := "arn:aws:secretsmanager:" + tt.wantARNRegion + ":"; !strings.HasPrefix(out.ARN, want) || out.Name != tt.secret {
				t.Errorf("ARN %q Name %q, want ARN prefix %q and Name %q", out.ARN, out.Name, want, tt.secret)
			}
		})
	}

	// ListSecrets sees only its region's secrets.
	for region, want := range map[string][]string{"us-west-2": {"west"}, "us-east-1": {"east", "unsigned"}} {
		resp := wireDo(t, url, wireRequest{target: "secretsmanager.ListSecrets", auth: wireSigV4(region), body: []byte(`{"SortBy":"name"}`)})
		var out struct{ SecretList []struct{ Name string } }
		if resp.status != http.StatusOK || json.Unmarshal(resp.body, &out) != nil {
			t.Fatalf("ListSecrets in %s: HTTP %d %s", region, resp.status, resp.body)
		}
		var got []string
		for _, s := range out.SecretList {
			got = append(got, s.Name)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("ListSecrets in %s: %v, want %v", region, got, want)
		}
	}

	// The same through the SDK, whose Authorization header is the real thing.
	ctx := context.Background()
	west, east := wireSDK(url, "us-west-2"), wireSDK(url, "us-east-1")
	if _, err := west.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("sdk-west")}); err != nil {
		t.Fatalf("SDK CreateSecret in us-west-2: %v", err)
	}
	if out, err := west.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("sdk-west")}); err != nil {
		t.Errorf("SDK DescribeSecret in us-west-2: %v", err)
	} else if arn := aws.ToString(out.ARN); !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-west-2:") {
		t.Errorf("SDK DescribeSecret in us-west-2: ARN %s", arn)
	}
	var nf *types.ResourceNotFoundException
	if _, err := east.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("sdk-west")}); !errors.As(err, &nf) {
		t.Errorf("SDK DescribeSecret of a us-west-2 secret in us-east-1: %v, want ResourceNotFoundException", err)
	}
}

// wireSDK is an SDK client of the emulator at url, without retries.
func wireSDK(url, region string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

// TestWireSDKTypedErrors: the SDK turns the emulator's errors into its modelled error types,
// so that errors.As works as it does against AWS.
func TestWireSDKTypedErrors(t *testing.T) {
	url := wireServer(t)
	ctx := context.Background()
	sm := wireSDK(url, "us-east-1")
	const (
		tok1 = "00000000-0000-4000-8000-000000000001"
		tok2 = "00000000-0000-4000-8000-000000000002"
	)
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("typed"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tok1),
	}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if _, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("typed-deleted")}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	if _, err := sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("typed-deleted")}); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}

	tests := []struct {
		name     string
		call     func() error
		wantCode string
		as       func(error) bool
	}{
		{
			name: "ResourceNotFoundException",
			call: func() error {
				_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("nope")})
				return err
			},
			wantCode: "ResourceNotFoundException",
			as:       func(err error) bool { var e *types.ResourceNotFoundException; return errors.As(err, &e) },
		},
		{
			name: "ResourceNotFoundException for a version",
			call: func() error {
				_, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("typed"), VersionId: aws.String(tok2)})
				return err
			},
			wantCode: "ResourceNotFoundException",
			as:       func(err error) bool { var e *types.ResourceNotFoundException; return errors.As(err, &e) },
		},
		{
			name: "ResourceExistsException",
			call: func() error {
				_, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("typed")})
				return err
			},
			wantCode: "ResourceExistsException",
			as:       func(err error) bool { var e *types.ResourceExistsException; return errors.As(err, &e) },
		},
		{
			name: "InvalidRequestException",
			call: func() error {
				_, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("typed-deleted")})
				return err
			},
			wantCode: "InvalidRequestException",
			as:       func(err error) bool { var e *types.InvalidRequestException; return errors.As(err, &e) },
		},
		{
			name: "InvalidParameterException",
			call: func() error {
				_, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("typed"), SecretString: aws.String("x"), ClientRequestToken: aws.String("short")})
				return err
			},
			wantCode: "InvalidParameterException",
			as:       func(err error) bool { var e *types.InvalidParameterException; return errors.As(err, &e) },
		},
		{
			name: "InvalidNextTokenException",
			call: func() error {
				_, err := sm.ListSecrets(ctx, &secretsmanager.ListSecretsInput{NextToken: aws.String("not a token")})
				return err
			},
			wantCode: "InvalidNextTokenException",
			as:       func(err error) bool { var e *types.InvalidNextTokenException; return errors.As(err, &e) },
		},
		{
			name: "MalformedPolicyDocumentException",
			call: func() error {
				_, err := sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("typed"), ResourcePolicy: aws.String("{not json")})
				return err
			},
			wantCode: "MalformedPolicyDocumentException",
			as:       func(err error) bool { var e *types.MalformedPolicyDocumentException; return errors.As(err, &e) },
		},
		{
			name: "PublicPolicyException",
			call: func() error {
				_, err := sm.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String("typed"), BlockPublicPolicy: aws.Bool(true),
					ResourcePolicy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)})
				return err
			},
			wantCode: "PublicPolicyException",
			as:       func(err error) bool { var e *types.PublicPolicyException; return errors.As(err, &e) },
		},
		{
			name: "LimitExceededException",
			call: func() error {
				for i := range 2 {
					tags := make([]types.Tag, 30)
					for j := range tags {
						tags[j] = types.Tag{Key: aws.String(string(rune('a'+i)) + strings.Repeat("k", j+1)), Value: aws.String("v")}
					}
					if _, err := sm.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: aws.String("typed"), Tags: tags}); err != nil {
						return err
					}
				}
				return nil
			},
			wantCode: "LimitExceededException",
			as:       func(err error) bool { var e *types.LimitExceededException; return errors.As(err, &e) },
		},
		{
			// ValidationException is not modelled: the SDK gives a generic smithy.APIError.
			name: "ValidationException",
			call: func() error {
				_, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("")})
				return err
			},
			wantCode: "ValidationException",
			as:       func(err error) bool { var e *smithy.GenericAPIError; return errors.As(err, &e) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatalf("no error, want %s", tt.wantCode)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not a smithy.APIError", err)
			}
			if ae.ErrorCode() != tt.wantCode {
				t.Errorf("ErrorCode %q (%s), want %q", ae.ErrorCode(), ae.ErrorMessage(), tt.wantCode)
			}
			if ae.ErrorMessage() == "" {
				t.Errorf("%s has an empty message", ae.ErrorCode())
			}
			if !tt.as(err) {
				t.Errorf("errors.As does not find the typed error in %T: %v", err, err)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error %v carries no HTTP response", err)
			}
			if re.HTTPStatusCode() != http.StatusBadRequest {
				t.Errorf("HTTP status %d, want 400", re.HTTPStatusCode())
			}
		})
	}
}
