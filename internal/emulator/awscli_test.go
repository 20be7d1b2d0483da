package emulator_test

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// debianAWS is the AWS CLI of Debian's awscli package. It runs on Debian's /usr/bin/python3,
// whatever python or aws comes first on PATH.
const debianAWS = "/usr/bin/aws"

// TestAWSCLI drives the emulator with the real AWS CLI, a client nobody in this project wrote,
// and checks its parsed JSON answers against what AWS documents.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the AWS CLI scenario")
	}
	t.Parallel()
	cli := newAWSCLI(t)

	const (
		name  = "app/db/password"
		other = "other/api-key"
		v1    = "11111111-1111-4111-8111-111111111111"
		v2    = "22222222-2222-4222-8222-222222222222"
		v3    = "33333333-3333-4333-8333-333333333333"
	)

	// create-secret
	var created struct{ ARN, Name, VersionId string }
	cli.ok(&created, "create-secret", "--name", name,
		"--secret-string", "s3cr3t-v1",
		"--description", "database password of app",
		"--tags", "Key=env,Value=test", "Key=team,Value=platform",
		"--client-request-token", v1)
	arnRE := regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:` + emulator.DefaultAccountID +
		`:secret:` + regexp.QuoteMeta(name) + `-[A-Za-z0-9]{6}$`)
	if !arnRE.MatchString(created.ARN) {
		t.Fatalf("create-secret: ARN %q does not match %s", created.ARN, arnRE)
	}
	if created.Name != name || created.VersionId != v1 {
		t.Fatalf("create-secret: got Name %q VersionId %q, want %q %q", created.Name, created.VersionId, name, v1)
	}
	arn := created.ARN

	// The same request again (same token, same value) is idempotent.
	var again struct{ ARN, VersionId string }
	cli.ok(&again, "put-secret-value", "--secret-id", name, "--secret-string", "s3cr3t-v1",
		"--client-request-token", v1)
	if again.ARN != arn || again.VersionId != v1 {
		t.Fatalf("put-secret-value with the create token: got %+v, want ARN %q VersionId %q", again, arn, v1)
	}

	// get-secret-value
	got := cli.getSecretValue("--secret-id", name)
	if got.ARN != arn || got.Name != name || got.SecretString != "s3cr3t-v1" || got.VersionId != v1 ||
		!cliSameSet(got.VersionStages, "AWSCURRENT") {
		t.Fatalf("get-secret-value: got %+v", got)
	}
	cliTime(t, "get-secret-value CreatedDate", got.CreatedDate)
	if got := cli.getSecretValue("--secret-id", arn); got.SecretString != "s3cr3t-v1" {
		t.Fatalf("get-secret-value by ARN: SecretString %q", got.SecretString)
	}

	// put-secret-value: AWSCURRENT moves to the new version, AWSPREVIOUS to the old one.
	var put struct {
		ARN, Name, VersionId string
		VersionStages        []string
	}
	cli.ok(&put, "put-secret-value", "--secret-id", name, "--secret-string", "s3cr3t-v2",
		"--client-request-token", v2)
	if put.ARN != arn || put.Name != name || put.VersionId != v2 || !cliSameSet(put.VersionStages, "AWSCURRENT") {
		t.Fatalf("put-secret-value: got %+v", put)
	}
	if got := cli.getSecretValue("--secret-id", name); got.SecretString != "s3cr3t-v2" || got.VersionId != v2 {
		t.Fatalf("get-secret-value after put: got %+v, want s3cr3t-v2 at %s", got, v2)
	}
	if got := cli.getSecretValue("--secret-id", name, "--version-stage", "AWSPREVIOUS"); got.SecretString != "s3cr3t-v1" ||
		got.VersionId != v1 || !cliSameSet(got.VersionStages, "AWSPREVIOUS") {
		t.Fatalf("get-secret-value AWSPREVIOUS: got %+v, want s3cr3t-v1 at %s", got, v1)
	}
	if got := cli.getSecretValue("--secret-id", name, "--version-id", v1); got.SecretString != "s3cr3t-v1" {
		t.Fatalf("get-secret-value --version-id %s: got %+v", v1, got)
	}
	cliWantStages(t, cli.versionStages(name), map[string][]string{v1: {"AWSPREVIOUS"}, v2: {"AWSCURRENT"}})

	// The same token with a different value is refused.
	cli.fails("ResourceExistsException", "put-secret-value", "--secret-id", name,
		"--secret-string", "something else", "--client-request-token", v2)

	// A version that carries only a custom label.
	cli.ok(nil, "put-secret-value", "--secret-id", name, "--secret-string", "s3cr3t-v3",
		"--client-request-token", v3, "--version-stages", "STAGED")
	cliWantStages(t, cli.versionStages(name), map[string][]string{
		v1: {"AWSPREVIOUS"}, v2: {"AWSCURRENT"}, v3: {"STAGED"},
	})

	// update-secret-version-stage: move the custom label, then move AWSCURRENT back to v1.
	var staged struct{ ARN, Name string }
	cli.ok(&staged, "update-secret-version-stage", "--secret-id", name, "--version-stage", "STAGED",
		"--move-to-version-id", v1, "--remove-from-version-id", v3)
	if staged.ARN != arn || staged.Name != name {
		t.Fatalf("update-secret-version-stage: got %+v", staged)
	}
	// A label that is on another version cannot be added without removing it there.
	cli.fails("InvalidParameterException", "update-secret-version-stage", "--secret-id", name,
		"--version-stage", "STAGED", "--move-to-version-id", v2)
	cli.ok(nil, "update-secret-version-stage", "--secret-id", name, "--version-stage", "AWSCURRENT",
		"--move-to-version-id", v1, "--remove-from-version-id", v2)
	// v3 has no label left: ListSecretVersionIds leaves it out unless asked for deprecated versions.
	cliWantStages(t, cli.versionStages(name), map[string][]string{
		v1: {"AWSCURRENT", "STAGED"}, v2: {"AWSPREVIOUS"},
	})
	cliWantStages(t, cli.versionStages(name, "--include-deprecated"), map[string][]string{
		v1: {"AWSCURRENT", "STAGED"}, v2: {"AWSPREVIOUS"}, v3: nil,
	})
	if got := cli.getSecretValue("--secret-id", name); got.SecretString != "s3cr3t-v1" || got.VersionId != v1 {
		t.Fatalf("get-secret-value after moving AWSCURRENT back: got %+v", got)
	}

	// list-secrets with filters (AND across filters, "!" negates a value).
	cli.ok(nil, "create-secret", "--name", other, "--secret-string", "k-123",
		"--tags", "Key=owner,Value=payments")
	for _, tc := range []struct {
		filters []string
		want    []string
	}{
		{[]string{"Key=name,Values=app/"}, []string{name}},
		{[]string{"Key=name,Values=other/"}, []string{other}},
		{[]string{"Key=tag-key,Values=env"}, []string{name}},
		{[]string{"Key=tag-key,Values=owner"}, []string{other}},
		{[]string{"Key=tag-value,Values=payments"}, []string{other}},
		{[]string{"Key=description,Values=database"}, []string{name}},
		{[]string{"Key=name,Values=!other"}, []string{name}},
		{[]string{"Key=tag-key,Values=env", "Key=name,Values=other/"}, nil},
		{[]string{"Key=name,Values=app/,other/"}, []string{name, other}},
	} {
		if got := cli.listSecretNames(tc.filters...); !cliSameSet(got, tc.want...) {
			t.Errorf("list-secrets --filters %s: got %q, want %q", strings.Join(tc.filters, " "), got, tc.want)
		}
	}
	if got := cli.listSecretNames(); !cliSameSet(got, name, other) {
		t.Errorf("list-secrets: got %q, want %q", got, []string{name, other})
	}

	// tag-resource / untag-resource print nothing; describe-secret shows the result.
	cli.ok(nil, "tag-resource", "--secret-id", name, "--tags", "Key=cost-center,Value=42", "Key=env,Value=prod")
	cli.ok(nil, "untag-resource", "--secret-id", name, "--tag-keys", "team")
	desc := cli.describe(name)
	if desc.ARN != arn || desc.Name != name || desc.Description != "database password of app" {
		t.Fatalf("describe-secret: got ARN %q Name %q Description %q", desc.ARN, desc.Name, desc.Description)
	}
	if want := map[string]string{"env": "prod", "cost-center": "42"}; !reflect.DeepEqual(desc.tagMap(), want) {
		t.Fatalf("describe-secret after tag/untag: Tags %v, want %v", desc.tagMap(), want)
	}
	cliWantStages(t, desc.VersionIdsToStages, map[string][]string{v1: {"AWSCURRENT", "STAGED"}, v2: {"AWSPREVIOUS"}})
	cliTime(t, "describe-secret CreatedDate", desc.CreatedDate)
	cliTime(t, "describe-secret LastChangedDate", desc.LastChangedDate)
	if desc.DeletedDate != "" || desc.PrimaryRegion != "" {
		t.Fatalf("describe-secret: unexpected DeletedDate %q / PrimaryRegion %q", desc.DeletedDate, desc.PrimaryRegion)
	}

	// Resource policies.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"AWS":"arn:aws:iam::` + emulator.DefaultAccountID + `:root"},` +
		`"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	publicPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",` +
		`"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`

	var validated struct {
		PolicyValidationPassed bool
		ValidationErrors       []struct{ CheckName, ErrorMessage string }
	}
	cli.ok(&validated, "validate-resource-policy", "--secret-id", name, "--resource-policy", policy)
	if !validated.PolicyValidationPassed || len(validated.ValidationErrors) != 0 {
		t.Fatalf("validate-resource-policy: got %+v, want a pass without errors", validated)
	}
	var putPolicy struct{ ARN, Name string }
	cli.ok(&putPolicy, "put-resource-policy", "--secret-id", name, "--resource-policy", policy, "--block-public-policy")
	if putPolicy.ARN != arn || putPolicy.Name != name {
		t.Fatalf("put-resource-policy: got %+v", putPolicy)
	}
	var gotPolicy struct {
		ARN, Name      string
		ResourcePolicy *string
	}
	cli.ok(&gotPolicy, "get-resource-policy", "--secret-id", name)
	if gotPolicy.ARN != arn || gotPolicy.Name != name || gotPolicy.ResourcePolicy == nil {
		t.Fatalf("get-resource-policy: got ARN %q Name %q ResourcePolicy %v", gotPolicy.ARN, gotPolicy.Name, gotPolicy.ResourcePolicy)
	}
	if !cliSameJSON(t, *gotPolicy.ResourcePolicy, policy) {
		t.Fatalf("get-resource-policy: ResourcePolicy %s, want (as JSON) %s", *gotPolicy.ResourcePolicy, policy)
	}
	cli.fails("PublicPolicyException", "put-resource-policy", "--secret-id", name,
		"--resource-policy", publicPolicy, "--block-public-policy")
	cli.fails("MalformedPolicyDocumentException", "put-resource-policy", "--secret-id", name,
		"--resource-policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"`)
	var delPolicy struct{ ARN, Name string }
	cli.ok(&delPolicy, "delete-resource-policy", "--secret-id", name)
	if delPolicy.ARN != arn || delPolicy.Name != name {
		t.Fatalf("delete-resource-policy: got %+v", delPolicy)
	}
	gotPolicy.ResourcePolicy = nil
	cli.ok(&gotPolicy, "get-resource-policy", "--secret-id", name)
	if gotPolicy.ResourcePolicy != nil {
		t.Fatalf("get-resource-policy after delete: ResourcePolicy %q, want none", *gotPolicy.ResourcePolicy)
	}

	// Replication to us-west-2.
	var replicated struct {
		ARN               string
		ReplicationStatus []cliReplicaStatus
	}
	cli.ok(&replicated, "replicate-secret-to-regions", "--secret-id", name, "--add-replica-regions", "Region=us-west-2")
	if replicated.ARN != arn || len(replicated.ReplicationStatus) != 1 ||
		replicated.ReplicationStatus[0].Region != "us-west-2" ||
		!slices.Contains([]string{"InProgress", "InSync"}, replicated.ReplicationStatus[0].Status) {
		t.Fatalf("replicate-secret-to-regions: got %+v", replicated)
	}
	replicaARN := strings.Replace(arn, ":us-east-1:", ":us-west-2:", 1)
	var replica cliSecretDescription
	cliEventually(t, "the replica in us-west-2 is in sync", func() error {
		primary := cli.describe(name)
		if len(primary.ReplicationStatus) != 1 || primary.ReplicationStatus[0].Region != "us-west-2" {
			return fmt.Errorf("primary ReplicationStatus %+v", primary.ReplicationStatus)
		}
		if s := primary.ReplicationStatus[0].Status; s != "InSync" {
			return fmt.Errorf("primary ReplicationStatus[0].Status %q", s)
		}
		var err error
		replica, err = cli.tryDescribe(name, "--region", "us-west-2")
		return err
	})
	if replica.ARN != replicaARN || replica.Name != name || replica.PrimaryRegion != "us-east-1" {
		t.Fatalf("describe-secret in us-west-2: ARN %q Name %q PrimaryRegion %q, want %q %q us-east-1",
			replica.ARN, replica.Name, replica.PrimaryRegion, replicaARN, name)
	}
	if got := cli.getSecretValue("--secret-id", name, "--region", "us-west-2"); got.SecretString != "s3cr3t-v1" ||
		got.ARN != replicaARN || got.VersionId != v1 {
		t.Fatalf("get-secret-value in us-west-2: got %+v", got)
	}
	var removed struct {
		ARN               string
		ReplicationStatus []cliReplicaStatus
	}
	cli.ok(&removed, "remove-regions-from-replication", "--secret-id", name, "--remove-replica-regions", "us-west-2")
	if removed.ARN != arn {
		t.Fatalf("remove-regions-from-replication: ARN %q, want %q", removed.ARN, arn)
	}
	for _, r := range removed.ReplicationStatus {
		if r.Region == "us-west-2" {
			t.Fatalf("remove-regions-from-replication: us-west-2 still listed: %+v", removed.ReplicationStatus)
		}
	}
	cliEventually(t, "the replica in us-west-2 is gone", func() error {
		_, err := cli.tryDescribe(name, "--region", "us-west-2")
		return cliWantError(err, "ResourceNotFoundException")
	})
	if primary := cli.describe(name); len(primary.ReplicationStatus) != 0 {
		t.Fatalf("describe-secret after remove-regions-from-replication: ReplicationStatus %+v", primary.ReplicationStatus)
	}

	// delete-secret with a recovery window, then restore-secret.
	before := time.Now()
	var deleted struct{ ARN, Name, DeletionDate string }
	cli.ok(&deleted, "delete-secret", "--secret-id", name, "--recovery-window-in-days", "7")
	if deleted.ARN != arn || deleted.Name != name {
		t.Fatalf("delete-secret: got %+v", deleted)
	}
	deletion := cliTime(t, "delete-secret DeletionDate", deleted.DeletionDate)
	if lo, hi := before.Add(7*24*time.Hour-time.Hour), time.Now().Add(8*24*time.Hour); deletion.Before(lo) || deletion.After(hi) {
		t.Fatalf("delete-secret: DeletionDate %s, want about 7 days after %s", deletion, before)
	}
	desc = cli.describe(name)
	cliTime(t, "describe-secret DeletedDate", desc.DeletedDate)
	cli.fails("InvalidRequestException", "get-secret-value", "--secret-id", name)
	cli.fails("InvalidRequestException", "put-secret-value", "--secret-id", name, "--secret-string", "x")
	if got := cli.listSecretNames(); !cliSameSet(got, other) {
		t.Errorf("list-secrets while %s is scheduled for deletion: got %q, want only %q", name, got, other)
	}
	var restored struct{ ARN, Name string }
	cli.ok(&restored, "restore-secret", "--secret-id", name)
	if restored.ARN != arn || restored.Name != name {
		t.Fatalf("restore-secret: got %+v", restored)
	}
	if got := cli.getSecretValue("--secret-id", name); got.SecretString != "s3cr3t-v1" || got.VersionId != v1 {
		t.Fatalf("get-secret-value after restore-secret: got %+v", got)
	}
	if desc := cli.describe(name); desc.DeletedDate != "" {
		t.Fatalf("describe-secret after restore-secret: DeletedDate %q, want none", desc.DeletedDate)
	}

	// delete-secret without recovery: the secret is gone.
	deleted = struct{ ARN, Name, DeletionDate string }{}
	cli.ok(&deleted, "delete-secret", "--secret-id", name, "--force-delete-without-recovery")
	if deleted.ARN != arn || deleted.Name != name {
		t.Fatalf("delete-secret --force-delete-without-recovery: got %+v", deleted)
	}
	cliTime(t, "delete-secret --force-delete-without-recovery DeletionDate", deleted.DeletionDate)
	cliEventually(t, name+" is deleted", func() error {
		_, err := cli.tryDescribe(name)
		return cliWantError(err, "ResourceNotFoundException")
	})
	cli.fails("ResourceNotFoundException", "describe-secret", "--secret-id", name)
	cli.fails("ResourceNotFoundException", "get-secret-value", "--secret-id", name)

	// get-random-password: by default every included type is required and there is no space.
	var random struct{ RandomPassword string }
	cli.ok(&random, "get-random-password", "--password-length", "20", "--exclude-punctuation")
	pw := random.RandomPassword
	if n := len([]rune(pw)); n != 20 {
		t.Fatalf("get-random-password: %d characters, want 20", n)
	}
	var upper, lower, digit bool
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		default:
			t.Fatalf("get-random-password --exclude-punctuation: character %q is not a letter or digit", r)
		}
	}
	if !upper || !lower || !digit {
		t.Fatalf("get-random-password: want upper case, lower case and digits (RequireEachIncludedType defaults to true)")
	}
	if strings.IndexFunc(pw, unicode.IsSpace) >= 0 {
		t.Fatalf("get-random-password: contains a space")
	}
}

// awsCLI runs Debian's AWS CLI against one emulator, with an environment of its own.
type awsCLI struct {
	t        *testing.T
	endpoint string
	env      []string
}
