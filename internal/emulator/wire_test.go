package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

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
