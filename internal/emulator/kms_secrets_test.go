package emulator_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// kmsSecretsSetup makes a customer managed key with an alias for the Secrets Manager tests.
func kmsSecretsSetup(t *testing.T, c *kms.Client, alias string) *kmstypes.KeyMetadata {
	t.Helper()
	md := kmsKey(t, c, nil)
	kmsAlias(t, c, alias, *md.KeyId)
	return md
}

func TestSecretsManagerCustomerKey(t *testing.T) {
	c, sm, _, _ := newKMS(t)
	md := kmsSecretsSetup(t, c, "alias/secrets")
	refs := []struct{ name, ref string }{
		{"key id", *md.KeyId},
		{"key ARN", *md.Arn},
		{"alias", "alias/secrets"},
		{"alias ARN", "arn:aws:kms:us-east-1:" + accountID + ":alias/secrets"},
	}
	for i, r := range refs {
		t.Run(r.name, func(t *testing.T) {
			name := "cmk/" + strings.ReplaceAll(r.name, " ", "-")
			created := must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("s3cr3t"),
				KmsKeyId: aws.String(r.ref), ClientRequestToken: aws.String(tok(i))}))(t)
			if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)}); *got.SecretString != "s3cr3t" {
				t.Fatalf("value = %q", *got.SecretString)
			}
			d := must(sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)}))(t)
			if *d.KmsKeyId != r.ref {
				t.Fatalf("DescribeSecret KmsKeyId = %s, want %s", *d.KmsKeyId, r.ref)
			}
			vs := must(sm.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(name)}))(t)
			if len(vs.Versions) != 1 || *vs.Versions[0].VersionId != *created.VersionId || !slices.Equal(vs.Versions[0].KmsKeyIds, []string{r.ref}) {
				t.Fatalf("ListSecretVersionIds = %+v", vs.Versions)
			}
		})
	}
	// Binary values and retried requests under a customer key.
	must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255},
		KmsKeyId: aws.String("alias/secrets"), ClientRequestToken: aws.String(tok(10))}))(t)
	if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("bin")}); !bytes.Equal(got.SecretBinary, []byte{0, 1, 2, 255}) || got.SecretString != nil {
		t.Fatalf("binary value = %v %v", got.SecretBinary, got.SecretString)
	}
	must(sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("bin"), SecretBinary: []byte{0, 1, 2, 255}, ClientRequestToken: aws.String(tok(10))}))(t)
	_, err := sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("bin"), SecretBinary: []byte{9}, ClientRequestToken: aws.String(tok(10))})
	wantAPIError(t, err, "ResourceExistsException", "already in use")

	// A key that does not exist.
	_, err = sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("nokey"), SecretString: aws.String("v"), KmsKeyId: aws.String("alias/none")})
	wantAPIError(t, err, "InvalidParameterException", "Secrets Manager can't encrypt the secret value: Alias arn:aws:kms:us-east-1:"+accountID+":alias/none is not found. (Service: AWSKMS; Status Code: 400; Error Code: NotFoundException;")
	_, err = sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("nokey")})
	wantAPIError(t, err, "ResourceNotFoundException", "")
}

func TestSecretsManagerDisabledKey(t *testing.T) {
	c, sm, _, _ := newKMS(t)
	md := kmsSecretsSetup(t, c, "alias/secrets")
	must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("app"), SecretString: aws.String("v1"), KmsKeyId: aws.String("alias/secrets")}))(t)
	createSecret(t, sm, "other", "unaffected")
	must(c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: md.KeyId}))(t)

	// AWS: "An error occurred (DecryptionFailure) when calling the GetSecretValue operation:
	// Secrets Manager can't decrypt the secret value: arn:aws:kms:...:key/... is disabled.
	// (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; ...)"
	disabled := "Secrets Manager can't decrypt the secret value: " + *md.Arn + " is disabled. (Service: AWSKMS; Status Code: 400; Error Code: DisabledException; Request ID: "
	_, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app")})
	wantAPIError(t, err, "DecryptionFailure", disabled)
	var df *smtypes.DecryptionFailure
	if !errors.As(err, &df) {
		t.Fatalf("the SDK does not see a DecryptionFailure: %T", err)
	}
	_, err = sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String("v2")})
	wantAPIError(t, err, "EncryptionFailure", "Secrets Manager can't encrypt the secret value: "+*md.Arn+" is disabled.")
	_, err = sm.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("app"), SecretString: aws.String("v2")})
	wantAPIError(t, err, "EncryptionFailure", "is disabled.")
	_, err = sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("new"), SecretString: aws.String("v"), KmsKeyId: md.Arn})
	wantAPIError(t, err, "EncryptionFailure", "is disabled.")
	batch := must(sm.BatchGetSecretValue(t.Context(), &secretsmanager.BatchGetSecretValueInput{SecretIdList: []string{"app", "other"}}))(t)
	if len(batch.SecretValues) != 1 || *batch.SecretValues[0].Name != "other" || len(batch.Errors) != 1 ||
		*batch.Errors[0].ErrorCode != "DecryptionFailure" || *batch.Errors[0].SecretId != "app" {
		t.Fatalf("BatchGetSecretValue with a disabled key = %+v", batch)
	}
	// Metadata stays readable.
	must(sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("app")}))(t)

	must(c.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: md.KeyId}))(t)
	if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app")}); *got.SecretString != "v1" {
		t.Fatalf("value after EnableKey = %q", *got.SecretString)
	}
	must(sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String("v2")}))(t)

	// A key pending deletion fails the same way, with KMS's message.
	must(c.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}))(t)
	_, err = sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app")})
	wantAPIError(t, err, "DecryptionFailure", *md.Arn+" is pending deletion. (Service: AWSKMS; Status Code: 400; Error Code: KMSInvalidStateException;")
	_, err = sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), SecretString: aws.String("v3")})
	wantAPIError(t, err, "EncryptionFailure", "Error Code: KMSInvalidStateException")
	must(c.CancelKeyDeletion(t.Context(), &kms.CancelKeyDeletionInput{KeyId: md.KeyId}))(t)
	must(c.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: md.KeyId}))(t)
	if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app")}); *got.SecretString != "v2" {
		t.Fatalf("value after CancelKeyDeletion and EnableKey = %q", *got.SecretString)
	}
}

func TestSecretsManagerChangeKey(t *testing.T) {
	c, sm, _, _ := newKMS(t)
	k2 := kmsSecretsSetup(t, c, "alias/second")
	must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("s"), SecretString: aws.String("v1"), ClientRequestToken: aws.String(tok(1))}))(t)
	must(sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v2"), ClientRequestToken: aws.String(tok(2))}))(t)
	must(sm.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String("s"), SecretString: aws.String("v3"), ClientRequestToken: aws.String(tok(3))}))(t)
	// tok(1) is now unlabelled: it keeps its old key.
	must(sm.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), KmsKeyId: aws.String("alias/second")}))(t)
	keys := map[string][]string{}
	for _, v := range must(sm.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("s"), IncludeDeprecated: aws.Bool(true)}))(t).Versions {
		keys[*v.VersionId] = v.KmsKeyIds
	}
	want := map[string][]string{tok(1): {"DefaultEncryptionKey"}, tok(2): {"alias/second"}, tok(3): {"alias/second"}}
	for id, k := range want {
		if !slices.Equal(keys[id], k) {
			t.Fatalf("KmsKeyIds after the key change = %v, want %v", keys, want)
		}
	}
	// The labelled versions now depend on the new key, the old one on the old key.
	must(c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: k2.KeyId}))(t)
	for _, id := range []string{tok(2), tok(3)} {
		_, err := sm.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionId: aws.String(id)})
		wantAPIError(t, err, "DecryptionFailure", "is disabled.")
	}
	if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s"), VersionId: aws.String(tok(1))}); *got.SecretString != "v1" {
		t.Fatalf("unlabelled version = %q", *got.SecretString)
	}
	// Moving to a key that cannot encrypt fails and changes nothing.
	_, err := sm.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), KmsKeyId: aws.String("alias/nothing")})
	wantAPIError(t, err, "InvalidParameterException", "is not found.")
	must(c.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: k2.KeyId}))(t)
	d := must(sm.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("s")}))(t)
	if *d.KmsKeyId != "alias/second" {
		t.Fatalf("KmsKeyId after a refused change = %s", *d.KmsKeyId)
	}
	// Back to the AWS managed key with an empty KmsKeyId.
	must(sm.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String("s"), KmsKeyId: aws.String("")}))(t)
	must(c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: k2.KeyId}))(t)
	if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("s")}); *got.SecretString != "v3" {
		t.Fatalf("value after moving back to the AWS managed key = %q", *got.SecretString)
	}
}

func TestSecretsManagerReplicaKeys(t *testing.T) {
	c, sm, _, url := newKMS(t)
	westKMS := kmsClient(url, "us-west-2")
	westSM := smClient(url, "us-west-2")
	westKey := kmsSecretsSetup(t, westKMS, "alias/west")
	kmsSecretsSetup(t, c, "alias/east")
	created := must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("shared"), SecretString: aws.String("v1"), KmsKeyId: aws.String("alias/east"),
		AddReplicaRegions: []smtypes.ReplicaRegionType{{Region: aws.String("us-west-2"), KmsKeyId: aws.String("alias/west")}, {Region: aws.String("eu-west-1"), KmsKeyId: aws.String("alias/none")}}}))(t)
	status := map[string]smtypes.ReplicationStatusType{}
	for _, r := range created.ReplicationStatus {
		status[*r.Region] = r
	}
	if status["us-west-2"].Status != smtypes.StatusTypeInSync || status["eu-west-1"].Status != smtypes.StatusTypeFailed ||
		!strings.Contains(*status["eu-west-1"].StatusMessage, "alias/none is not found") {
		t.Fatalf("ReplicationStatus = %+v", created.ReplicationStatus)
	}
	if got := getValue(t, westSM, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared")}); *got.SecretString != "v1" {
		t.Fatalf("replica value = %q", *got.SecretString)
	}
	vs := must(westSM.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String("shared")}))(t)
	if !slices.Equal(vs.Versions[0].KmsKeyIds, []string{"alias/west"}) {
		t.Fatalf("replica KmsKeyIds = %v", vs.Versions[0].KmsKeyIds)
	}
	// The replica depends on its own region's key, not on the primary's.
	must(westKMS.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: westKey.KeyId}))(t)
	_, err := westSM.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared")})
	wantAPIError(t, err, "DecryptionFailure", *westKey.Arn+" is disabled.")
	if got := getValue(t, sm, &secretsmanager.GetSecretValueInput{SecretId: aws.String("shared")}); *got.SecretString != "v1" {
		t.Fatalf("primary value = %q", *got.SecretString)
	}
}

// TestKMSStateFile: keys survive a restart, and the state file holds no secret value in
// plaintext (nor in base64).
func TestKMSStateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	const distinctive = "Zebra-Quasar-7731-plaintext-marker"
	srv, err := emulator.New(emulator.Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	url, stop := kmsServe(t, srv)
	c, sm := kmsClient(url, "us-east-1"), smClient(url, "us-east-1")
	md := kmsSecretsSetup(t, c, "alias/state")
	ct := kmsEncrypt(t, c, "alias/state", []byte("kms data"), nil)
	must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("cmk"), SecretString: aws.String(distinctive), KmsKeyId: aws.String("alias/state")}))(t)
	must(sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("default"), SecretBinary: []byte(distinctive)}))(t)
	stop()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{distinctive, base64.StdEncoding.EncodeToString([]byte(distinctive)), "Zebra-Quasar"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Fatalf("the state file holds the secret value (%q)", leak)
		}
	}

	srv2, err := emulator.New(emulator.Options{StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv2.Close() })
	url2, stop2 := kmsServe(t, srv2)
	defer stop2()
	c2, sm2 := kmsClient(url2, "us-east-1"), smClient(url2, "us-east-1")
	if pt := must(c2.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: ct}))(t); string(pt.Plaintext) != "kms data" || *pt.KeyId != *md.Arn {
		t.Fatalf("Decrypt after restart = %q", pt.Plaintext)
	}
	if got := getValue(t, sm2, &secretsmanager.GetSecretValueInput{SecretId: aws.String("cmk")}); *got.SecretString != distinctive {
		t.Fatalf("secret after restart = %q", *got.SecretString)
	}
	if got := getValue(t, sm2, &secretsmanager.GetSecretValueInput{SecretId: aws.String("default")}); string(got.SecretBinary) != distinctive {
		t.Fatalf("binary secret after restart = %q", got.SecretBinary)
	}
	if d := kmsDescribe(t, c2, "alias/state"); *d.KeyId != *md.KeyId {
		t.Fatalf("alias after restart points at %s", *d.KeyId)
	}
}

// kmsServe serves srv on loopback; stop ends the listener but leaves srv to the caller, who
// closes it to write the state file.
func kmsServe(t *testing.T, srv *emulator.Server) (string, func()) {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return hs.URL, hs.Close
}
