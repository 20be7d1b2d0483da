package emulator_test

// Cases where the emulator must answer as AWS does, each with the source of the expected
// answer. "LocalStack (aws_validated)" means a LocalStack integration test marked as run
// against AWS (tests/integration/test_secretsmanager.py); "moto (aws_verified)" means a moto
// test marked as verified against AWS (tests/test_secretsmanager/test_list_secrets.py).

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
)

// CreateSecret repeated with the same ClientRequestToken is a retry: with the same value it
// succeeds with the same version; with another value it is refused. Source: the CreateSecret
// API reference (ClientRequestToken: "If a version with this value already exists and the
// version SecretString and SecretBinary values are the same as those in the request, then
// the request is ignored. If a version with this value already exists and that version's
// SecretString and SecretBinary values are different from those in the request, then the
// request fails"); the message is the one AWS gives PutSecretValue for the same case.
func TestConformanceCreateSecretRetry(t *testing.T) {
	c, _, _ := newSM(t)
	ctx := context.Background()
	in := &secretsmanager.CreateSecretInput{Name: aws.String("retried"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tok(1))}
	first := must(c.CreateSecret(ctx, in))(t)
	again := must(c.CreateSecret(ctx, in))(t)
	if aws.ToString(again.ARN) != aws.ToString(first.ARN) || aws.ToString(again.VersionId) != tok(1) {
		t.Fatalf("retry answered %s %s, want %s %s", aws.ToString(again.ARN), aws.ToString(again.VersionId), aws.ToString(first.ARN), tok(1))
	}
	if n := len(stagesOf(t, c, "retried")); n != 1 {
		t.Fatalf("the retry added a version: %d versions", n)
	}
	_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("retried"), SecretString: aws.String("v2"), ClientRequestToken: aws.String(tok(1))})
	wantAPIError(t, err, "ResourceExistsException", "You can't use ClientRequestToken "+tok(1)+" because that value is already in use for a version of secret "+aws.ToString(first.ARN)+".")
	// Another token is another request: the name is taken.
	_, err = c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("retried"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tok(2))})
	wantAPIError(t, err, "ResourceExistsException", "The operation failed because the secret retried already exists.")
}

// Every operation that takes a SecretId refuses one with characters a name cannot have,
// before it looks the secret up. Source: LocalStack (aws_validated) test_invalid_secret_name,
// which runs these operations with these ids against AWS.
func TestConformanceInvalidSecretID(t *testing.T) {
	c, _, _ := newSM(t)
	ctx := context.Background()
	const msg = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	ops := map[string]func(id *string) error{
		"CreateSecret": func(id *string) error {
			_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: id, SecretString: aws.String("MySecretString")})
			return err
		},
		"DeleteSecret": func(id *string) error {
			_, err := c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: id, ForceDeleteWithoutRecovery: aws.Bool(true)})
			return err
		},
		"DescribeSecret": func(id *string) error {
			_, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: id})
			return err
		},
		"GetSecretValue": func(id *string) error {
			_, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: id})
			return err
		},
		"ListSecretVersionIds": func(id *string) error {
			_, err := c.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: aws.Bool(true)})
			return err
		},
		"PutSecretValue": func(id *string) error {
			_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: id, SecretString: aws.String("MySecretString")})
			return err
		},
		"TagResource": func(id *string) error {
			_, err := c.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: id, Tags: []types.Tag{{Key: aws.String("FirstTag"), Value: aws.String("SomeValue")}}})
			return err
		},
		"UntagResource": func(id *string) error {
			_, err := c.UntagResource(ctx, &secretsmanager.UntagResourceInput{SecretId: id, TagKeys: []string{"FirstTag"}})
			return err
		},
		"UpdateSecret": func(id *string) error {
			_, err := c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: id, Description: aws.String("MyNewDescription")})
			return err
		},
		"ValidateResourcePolicy": func(id *string) error {
			_, err := c.ValidateResourcePolicy(ctx, &secretsmanager.ValidateResourcePolicyInput{SecretId: id, ResourcePolicy: aws.String(policy)})
			return err
		},
		// The same rule for the other operations taking a SecretId (LocalStack's provider
		// checks each of them the same way).
		"RestoreSecret": func(id *string) error {
			_, err := c.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: id})
			return err
		},
		"GetResourcePolicy": func(id *string) error {
			_, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: id})
			return err
		},
		"PutResourcePolicy": func(id *string) error {
			_, err := c.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: id, ResourcePolicy: aws.String(policy)})
			return err
		},
		"DeleteResourcePolicy": func(id *string) error {
			_, err := c.DeleteResourcePolicy(ctx, &secretsmanager.DeleteResourcePolicyInput{SecretId: id})
			return err
		},
		"RotateSecret": func(id *string) error {
			_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: id})
			return err
		},
		"CancelRotateSecret": func(id *string) error {
			_, err := c.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: id})
			return err
		},
		"UpdateSecretVersionStage": func(id *string) error {
			_, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: id, VersionStage: aws.String("X"), MoveToVersionId: aws.String(tok(1))})
			return err
		},
		"ReplicateSecretToRegions": func(id *string) error {
			_, err := c.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: id, AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("eu-west-1")}}})
			return err
		},
		"RemoveRegionsFromReplication": func(id *string) error {
			_, err := c.RemoveRegionsFromReplication(ctx, &secretsmanager.RemoveRegionsFromReplicationInput{SecretId: id, RemoveReplicaRegions: []string{"eu-west-1"}})
			return err
		},
		"StopReplicationToReplica": func(id *string) error {
			_, err := c.StopReplicationToReplica(ctx, &secretsmanager.StopReplicationToReplicaInput{SecretId: id})
			return err
		},
	}
	for _, id := range []string{"Inv Name", " Inv Name", " Inv*Name? ", ` Inv *?!]Name\-`} {
		for _, op := range slices.Sorted(mapsKeys(ops)) {
			t.Run(fmt.Sprintf("%s/%q", op, id), func(t *testing.T) {
				wantAPIError(t, ops[op](aws.String(id)), "ValidationException", msg)
			})
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Raw requests that create a version without a ClientRequestToken are refused before the
// secret is looked up. Source: the API reference of UpdateSecret, PutSecretValue and
// RotateSecret ("If you generate a raw HTTP request ... you must generate a
// ClientRequestToken and include it in the request"); the wording and the
// InvalidRequestException type are LocalStack's provider's, made to pass its aws_validated tests.
func TestConformanceMissingToken(t *testing.T) {
	url := wireServer(t)
	const msg = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
	for _, tc := range []struct{ op, body string }{
		{"UpdateSecret", `{"SecretId":"missing","SecretString":"v"}`},
		{"PutSecretValue", `{"SecretId":"missing","SecretString":"v"}`},
		{"RotateSecret", `{"SecretId":"missing","RotationLambdaARN":"arn:aws:lambda:us-east-1:123456789012:function:f"}`},
	} {
		t.Run(tc.op, func(t *testing.T) {
			resp := wireDo(t, url, wireRequest{target: "secretsmanager." + tc.op, auth: wireSigV4("us-east-1"), body: []byte(tc.body)})
			typ, m := resp.apiErr(t)
			if resp.status != 400 || typ != "InvalidRequestException" || m != msg {
				t.Fatalf("HTTP %d %s %q, want 400 InvalidRequestException %q", resp.status, typ, m, msg)
			}
		})
	}
}

// The first version of a secret gets AWSCURRENT even when PutSecretValue names other stages.
// Source: moto's put_secret_value ("If it is the first version add AWSCURRENT"), and the
// PutSecretValue reference: "If this operation creates the first version for the secret,
// then Secrets Manager automatically attaches the staging label AWSCURRENT to it."
func TestConformanceFirstVersionGetsCurrent(t *testing.T) {
	c, _, _ := newSM(t)
	ctx := context.Background()
	must(c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("empty")}))(t)
	out := must(c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("empty"),
		SecretString: aws.String("v"), ClientRequestToken: aws.String(tok(1)), VersionStages: []string{"CUSTOM"}}))(t)
	if !sameSet(out.VersionStages, "CUSTOM", "AWSCURRENT") {
		t.Fatalf("PutSecretValue answered stages %q, want CUSTOM and AWSCURRENT", out.VersionStages)
	}
	if v := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("empty")}); aws.ToString(v.VersionId) != tok(1) {
		t.Fatalf("AWSCURRENT is on %s", aws.ToString(v.VersionId))
	}
	// A later version with explicit stages does not take AWSCURRENT.
	must(c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("empty"),
		SecretString: aws.String("w"), ClientRequestToken: aws.String(tok(2)), VersionStages: []string{"OTHER"}}))(t)
	if v := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("empty")}); aws.ToString(v.VersionId) != tok(1) {
		t.Fatalf("AWSCURRENT moved to %s", aws.ToString(v.VersionId))
	}
}

func sameSet(got []string, want ...string) bool {
	a, b := slices.Clone(got), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Replica regions. Source for "Invalid replica region.": AWS's answer to CreateSecret with
// the primary's own region as a replica, as users report it (terraform "creating Secrets
// Manager Secret: InvalidParameterException: Invalid replica region.", aws-samples/
// aws-health-aware PR 32); moto answers the same. Removing a region that is not a replica
// gets the same message: AWS validates the region list the same way for both operations.
func TestConformanceReplicaRegions(t *testing.T) {
	c, _, _ := newSM(t)
	ctx := context.Background()
	_, err := c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("r"), SecretString: aws.String("v"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}}})
	wantExactAPIError(t, err, "InvalidParameterException", "Invalid replica region.")
	must(c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("r"), SecretString: aws.String("v")}))(t)
	_, err = c.ReplicateSecretToRegions(ctx, &secretsmanager.ReplicateSecretToRegionsInput{SecretId: aws.String("r"),
		AddReplicaRegions: []types.ReplicaRegionType{{Region: aws.String("us-east-1")}}})
	wantExactAPIError(t, err, "InvalidParameterException", "Invalid replica region.")
	_, err = c.RemoveRegionsFromReplication(ctx, &secretsmanager.RemoveRegionsFromReplicationInput{SecretId: aws.String("r"), RemoveReplicaRegions: []string{"eu-west-1"}})
	wantExactAPIError(t, err, "InvalidParameterException", "Invalid replica region.")
}

// wantExactAPIError is wantAPIError with the whole message.
func wantExactAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantAPIError(t, err, code, msg)
	var ae smithy.APIError
	if asError(err, &ae) && ae.ErrorMessage() != msg {
		t.Fatalf("%s message %q, want exactly %q", code, ae.ErrorMessage(), msg)
	}
}

// BatchGetSecretValue with MaxResults and no Filters. Source: moto's batch_get_secret_value
// (the same text in every emulator that was compared with AWS).
func TestConformanceBatchGetMaxResultsWithoutFilters(t *testing.T) {
	c, _, _ := newSM(t)
	_, err := c.BatchGetSecretValue(context.Background(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"a"}, MaxResults: aws.Int32(5)})
	wantExactAPIError(t, err, "InvalidParameterException", "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
}

// RotateSecret validates RotationLambdaARN's length before it looks at the function; a
// secret without a rotation function cannot have its rotation cancelled. Sources: moto's
// rotate_secret and its server test ("RotationLambdaARN must <= 2048 characters long."),
// and the CancelRotateSecret API reference's InvalidRequestException, which moto answers.
func TestConformanceRotationValidation(t *testing.T) {
	c, _, _ := newSM(t)
	ctx := context.Background()
	createSecret(t, c, "rot", "v")
	long := "arn:aws:lambda:us-east-1:123456789012:function:" + strings.Repeat("f", 2048)
	_, err := c.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: aws.String(long)})
	wantExactAPIError(t, err, "InvalidParameterException", "RotationLambdaARN must <= 2048 characters long.")
	_, err = c.CancelRotateSecret(ctx, &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("rot")})
	wantExactAPIError(t, err, "InvalidRequestException",
		"You tried to enable rotation on a secret that doesn't already have a Lambda function ARN configured and you didn't include such an ARN as a parameter in this call.")
}
