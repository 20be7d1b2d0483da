package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

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
