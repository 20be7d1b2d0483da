package emulator_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// kmsClient is a real SDK KMS client for the emulator at url, in region, without retries.
func kmsClient(url, region string) *kms.Client {
	return kms.New(kms.Options{
		Region:           region,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// newKMS starts an emulator with a test clock and returns us-east-1 clients for it.
func newKMS(t *testing.T) (*kms.Client, *secretsmanager.Client, *testClock, string) {
	t.Helper()
	clock := newTestClock()
	_, url := startEmulator(t, emulator.Options{Now: clock.Now})
	return kmsClient(url, "us-east-1"), smClient(url, "us-east-1"), clock, url
}

// kmsKey creates a symmetric encryption key and returns its metadata.
func kmsKey(t *testing.T, c *kms.Client, in *kms.CreateKeyInput) *kmstypes.KeyMetadata {
	t.Helper()
	if in == nil {
		in = &kms.CreateKeyInput{}
	}
	return must(c.CreateKey(t.Context(), in))(t).KeyMetadata
}

func kmsDescribe(t *testing.T, c *kms.Client, id string) *kmstypes.KeyMetadata {
	t.Helper()
	return must(c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String(id)}))(t).KeyMetadata
}

func kmsAlias(t *testing.T, c *kms.Client, name, target string) {
	t.Helper()
	must(c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(target)}))(t)
}

func kmsEncrypt(t *testing.T, c *kms.Client, key string, plaintext []byte, ctx map[string]string) []byte {
	t.Helper()
	return must(c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: aws.String(key), Plaintext: plaintext, EncryptionContext: ctx}))(t).CiphertextBlob
}

var (
	keyIDRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	mrkIDRE   = regexp.MustCompile(`^mrk-[0-9a-f]{32}$`)
	accountID = emulator.DefaultAccountID
)

func keyARN(region, id string) string {
	return "arn:aws:kms:" + region + ":" + accountID + ":key/" + id
}

func TestKMSCreateKeyMetadata(t *testing.T) {
	c, _, clock, _ := newKMS(t)
	md := kmsKey(t, c, &kms.CreateKeyInput{Description: aws.String("app key")})
	if !keyIDRE.MatchString(*md.KeyId) {
		t.Fatalf("KeyId %q is not a UUID", *md.KeyId)
	}
	want := kmstypes.KeyMetadata{
		AWSAccountId: aws.String(accountID), KeyId: md.KeyId, Arn: aws.String(keyARN("us-east-1", *md.KeyId)),
		Enabled: true, Description: aws.String("app key"), KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt,
		KeyState: kmstypes.KeyStateEnabled, Origin: kmstypes.OriginTypeAwsKms, KeyManager: kmstypes.KeyManagerTypeCustomer,
		CustomerMasterKeySpec: kmstypes.CustomerMasterKeySpecSymmetricDefault, KeySpec: kmstypes.KeySpecSymmetricDefault,
		EncryptionAlgorithms: []kmstypes.EncryptionAlgorithmSpec{kmstypes.EncryptionAlgorithmSpecSymmetricDefault},
		MultiRegion:          aws.Bool(false),
	}
	got := kmsDescribe(t, c, *md.KeyId)
	for _, m := range []*kmstypes.KeyMetadata{md, got} {
		if *m.AWSAccountId != *want.AWSAccountId || *m.Arn != *want.Arn || m.Enabled != want.Enabled || *m.Description != *want.Description ||
			m.KeyUsage != want.KeyUsage || m.KeyState != want.KeyState || m.Origin != want.Origin || m.KeyManager != want.KeyManager ||
			m.CustomerMasterKeySpec != want.CustomerMasterKeySpec || m.KeySpec != want.KeySpec ||
			!slices.Equal(m.EncryptionAlgorithms, want.EncryptionAlgorithms) || *m.MultiRegion || m.MultiRegionConfiguration != nil ||
			m.DeletionDate != nil || m.SigningAlgorithms != nil || m.MacAlgorithms != nil {
			t.Fatalf("KeyMetadata = %+v", m)
		}
		if !m.CreationDate.Equal(clock.Now()) {
			t.Fatalf("CreationDate %v, want %v", m.CreationDate, clock.Now())
		}
		if m.CurrentKeyMaterialId == nil || len(*m.CurrentKeyMaterialId) != 64 {
			t.Fatalf("CurrentKeyMaterialId = %v", m.CurrentKeyMaterialId)
		}
	}
	// Without a Policy, KMS attaches the default key policy, naming the account root.
	pol := must(c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: md.KeyId}))(t)
	wantPolicy := `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + accountID + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
	if *pol.Policy != wantPolicy || *pol.PolicyName != "default" {
		t.Fatalf("default key policy = %s (%v)", *pol.Policy, pol.PolicyName)
	}
}

func TestKMSCreateKeySpecs(t *testing.T) {
	c, _, _, _ := newKMS(t)
	tests := []struct {
		name                    string
		in                      kms.CreateKeyInput
		enc, sign, mac, agree   []string
		cmkSpec                 kmstypes.CustomerMasterKeySpec
		wantCode, wantMsgSubstr string
	}{
		{name: "rsa encrypt", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt},
			enc: []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}, cmkSpec: "RSA_2048"},
		{name: "rsa sign", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa4096, KeyUsage: kmstypes.KeyUsageTypeSignVerify},
			sign: []string{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"}, cmkSpec: "RSA_4096"},
		{name: "ecc sign", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP384, KeyUsage: kmstypes.KeyUsageTypeSignVerify},
			sign: []string{"ECDSA_SHA_384"}, cmkSpec: "ECC_NIST_P384"},
		{name: "ecc key agreement", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeKeyAgreement},
			agree: []string{"ECDH"}, cmkSpec: "ECC_NIST_P256"},
		{name: "hmac", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac},
			mac: []string{"HMAC_SHA_256"}, cmkSpec: "HMAC_256"},
		{name: "deprecated CustomerMasterKeySpec", in: kms.CreateKeyInput{CustomerMasterKeySpec: kmstypes.CustomerMasterKeySpecEccSecgP256k1, KeyUsage: kmstypes.KeyUsageTypeSignVerify},
			sign: []string{"ECDSA_SHA_256"}, cmkSpec: "ECC_SECG_P256K1"},
		{name: "ml-dsa has no CustomerMasterKeySpec", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecMlDsa65, KeyUsage: kmstypes.KeyUsageTypeSignVerify},
			sign: []string{"ML_DSA_SHAKE_256"}},
		{name: "asymmetric key without KeyUsage", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecRsa2048},
			wantCode: "ValidationException", wantMsgSubstr: "You must specify a KeyUsage value"},
		{name: "ecc cannot encrypt", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt},
			wantCode: "ValidationException", wantMsgSubstr: "KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec ECC_NIST_P256"},
		{name: "symmetric cannot sign", in: kms.CreateKeyInput{KeyUsage: kmstypes.KeyUsageTypeSignVerify},
			wantCode: "ValidationException", wantMsgSubstr: "not compatible"},
		{name: "unknown spec", in: kms.CreateKeyInput{KeySpec: "AES_512"},
			wantCode: "ValidationException", wantMsgSubstr: "Value 'AES_512' at 'keySpec' failed to satisfy constraint"},
		{name: "both spec fields", in: kms.CreateKeyInput{KeySpec: kmstypes.KeySpecSymmetricDefault, CustomerMasterKeySpec: kmstypes.CustomerMasterKeySpecSymmetricDefault},
			wantCode: "ValidationException", wantMsgSubstr: "CustomerMasterKeySpec"},
		{name: "policy is not JSON", in: kms.CreateKeyInput{Policy: aws.String("{not json")},
			wantCode: "MalformedPolicyDocumentException"},
		{name: "reserved tag", in: kms.CreateKeyInput{Tags: []kmstypes.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("v")}}},
			wantCode: "TagException", wantMsgSubstr: "reserved"},
		{name: "imported key material", in: kms.CreateKeyInput{Origin: kmstypes.OriginTypeExternal},
			wantCode: "UnsupportedOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.CreateKey(t.Context(), &tt.in)
			if tt.wantCode != "" {
				wantAPIError(t, err, tt.wantCode, tt.wantMsgSubstr)
				return
			}
			noErr(t, err)
			md := out.KeyMetadata
			strs := func(v any) []string {
				var out []string
				switch v := v.(type) {
				case []kmstypes.EncryptionAlgorithmSpec:
					for _, x := range v {
						out = append(out, string(x))
					}
				case []kmstypes.SigningAlgorithmSpec:
					for _, x := range v {
						out = append(out, string(x))
					}
				case []kmstypes.MacAlgorithmSpec:
					for _, x := range v {
						out = append(out, string(x))
					}
				case []kmstypes.KeyAgreementAlgorithmSpec:
					for _, x := range v {
						out = append(out, string(x))
					}
				}
				return out
			}
			if !slices.Equal(strs(md.EncryptionAlgorithms), tt.enc) || !slices.Equal(strs(md.SigningAlgorithms), tt.sign) ||
				!slices.Equal(strs(md.MacAlgorithms), tt.mac) || !slices.Equal(strs(md.KeyAgreementAlgorithms), tt.agree) ||
				md.CustomerMasterKeySpec != tt.cmkSpec || md.CurrentKeyMaterialId != nil {
				t.Fatalf("KeyMetadata = %+v", md)
			}
		})
	}
}

func TestKMSKeyIdentifiers(t *testing.T) {
	c, _, _, url := newKMS(t)
	md := kmsKey(t, c, nil)
	kmsAlias(t, c, "alias/app", *md.KeyId)
	aliasARN := "arn:aws:kms:us-east-1:" + accountID + ":alias/app"
	missing := "11111111-2222-4333-8444-555555555555"
	tests := []struct {
		name, id           string
		wantCode, wantMsg  string
		describeOnlyByKeys bool
	}{
		{name: "key id", id: *md.KeyId},
		{name: "key ARN", id: *md.Arn},
		{name: "alias name", id: "alias/app"},
		{name: "alias ARN", id: aliasARN},
		{name: "unknown key", id: missing, wantCode: "NotFoundException", wantMsg: "Key '" + keyARN("us-east-1", missing) + "' does not exist"},
		{name: "not a key id", id: "my-key", wantCode: "NotFoundException", wantMsg: "Invalid keyId my-key"},
		{name: "unknown alias", id: "alias/nope", wantCode: "NotFoundException", wantMsg: "Alias arn:aws:kms:us-east-1:" + accountID + ":alias/nope is not found."},
		{name: "key ARN of another region", id: keyARN("eu-west-1", *md.KeyId), wantCode: "NotFoundException", wantMsg: "Invalid arn eu-west-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String(tt.id)})
			if tt.wantCode != "" {
				wantAPIError(t, err, tt.wantCode, tt.wantMsg)
				return
			}
			noErr(t, err)
			if *out.KeyMetadata.KeyId != *md.KeyId {
				t.Fatalf("DescribeKey %s found %s", tt.id, *out.KeyMetadata.KeyId)
			}
			// Encrypt and Decrypt take the same identifiers.
			ct := kmsEncrypt(t, c, tt.id, []byte("hello"), nil)
			pt := must(c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: ct, KeyId: aws.String(tt.id)}))(t)
			if string(pt.Plaintext) != "hello" || *pt.KeyId != *md.Arn {
				t.Fatalf("Decrypt = %q from %s", pt.Plaintext, *pt.KeyId)
			}
		})
	}
	// Key management operations take key ids and ARNs only, not aliases.
	_, err := c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: aws.String("alias/app")})
	wantAPIError(t, err, "NotFoundException", "Invalid keyId alias/app")
	// Keys are regional.
	_, err = kmsClient(url, "eu-west-1").DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: md.KeyId})
	wantAPIError(t, err, "NotFoundException", "does not exist")
}

func TestKMSListKeysPaging(t *testing.T) {
	c, _, _, _ := newKMS(t)
	var want []string
	for range 5 {
		want = append(want, *kmsKey(t, c, nil).KeyId)
	}
	slices.Sort(want)
	var got []string
	pages := 0
	p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out := must(p.NextPage(t.Context()))(t)
		pages++
		for _, k := range out.Keys {
			if *k.KeyArn != keyARN("us-east-1", *k.KeyId) {
				t.Fatalf("ListKeys entry %+v", k)
			}
			got = append(got, *k.KeyId)
		}
		if out.Truncated != (out.NextMarker != nil) {
			t.Fatalf("Truncated %v with NextMarker %v", out.Truncated, out.NextMarker)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("ListKeys in %d pages = %v, want %v", pages, got, want)
	}
	_, err := c.ListKeys(t.Context(), &kms.ListKeysInput{Limit: aws.Int32(1001)})
	wantAPIError(t, err, "ValidationException", "limit")
	_, err = c.ListKeys(t.Context(), &kms.ListKeysInput{Marker: aws.String("!!")})
	wantAPIError(t, err, "InvalidMarkerException", "")
}

func TestKMSEnableDisableKey(t *testing.T) {
	c, _, _, _ := newKMS(t)
	md := kmsKey(t, c, nil)
	ct := kmsEncrypt(t, c, *md.KeyId, []byte("data"), nil)
	must(c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: md.Arn}))(t)
	if d := kmsDescribe(t, c, *md.KeyId); d.Enabled || d.KeyState != kmstypes.KeyStateDisabled {
		t.Fatalf("after DisableKey: Enabled %v KeyState %s", d.Enabled, d.KeyState)
	}
	disabled := *md.Arn + " is disabled."
	_, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	wantAPIError(t, err, "DisabledException", disabled)
	_, err = c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: ct})
	wantAPIError(t, err, "DisabledException", disabled)
	_, err = c.GenerateDataKey(t.Context(), &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: kmstypes.DataKeySpecAes256})
	wantAPIError(t, err, "DisabledException", disabled)
	// Disabling twice is allowed; management still works on a disabled key.
	must(c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: md.KeyId}))(t)
	must(c.UpdateKeyDescription(t.Context(), &kms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("off")}))(t)
	must(c.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: md.KeyId}))(t)
	if pt := must(c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: ct}))(t); string(pt.Plaintext) != "data" {
		t.Fatalf("Decrypt after EnableKey = %q", pt.Plaintext)
	}
}

func TestKMSScheduleAndCancelDeletion(t *testing.T) {
	c, _, clock, _ := newKMS(t)
	md := kmsKey(t, c, nil)
	kmsAlias(t, c, "alias/doomed", *md.KeyId)
	for _, days := range []int32{6, 31} {
		_, err := c.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(days)})
		wantAPIError(t, err, "ValidationException", "between 7 and 30")
	}
	out := must(c.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId}))(t)
	wantDate := clock.Now().AddDate(0, 0, 30)
	if *out.KeyId != *md.Arn || out.KeyState != kmstypes.KeyStatePendingDeletion || *out.PendingWindowInDays != 30 || !out.DeletionDate.Equal(wantDate) {
		t.Fatalf("ScheduleKeyDeletion = %+v", out)
	}
	d := kmsDescribe(t, c, "alias/doomed")
	if d.Enabled || d.KeyState != kmstypes.KeyStatePendingDeletion || !d.DeletionDate.Equal(wantDate) {
		t.Fatalf("DescribeKey of a key pending deletion = %+v", d)
	}
	pending := *md.Arn + " is pending deletion."
	for name, call := range map[string]func() error{
		"Encrypt": func() error {
			_, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
			return err
		},
		"EnableKey": func() error { _, err := c.EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: md.KeyId}); return err },
		"DisableKey": func() error {
			_, err := c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: md.KeyId})
			return err
		},
		"TagResource": func() error {
			_, err := c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: []kmstypes.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
			return err
		},
		"ScheduleKeyDeletion": func() error {
			_, err := c.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
			return err
		},
		"EnableKeyRotation": func() error {
			_, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: md.KeyId})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { wantAPIError(t, call(), "KMSInvalidStateException", pending) })
	}
	// Cancelling leaves the key disabled, as AWS does.
	cancel := must(c.CancelKeyDeletion(t.Context(), &kms.CancelKeyDeletionInput{KeyId: md.KeyId}))(t)
	if *cancel.KeyId != *md.Arn {
		t.Fatalf("CancelKeyDeletion KeyId = %s", *cancel.KeyId)
	}
	if d := kmsDescribe(t, c, *md.KeyId); d.KeyState != kmstypes.KeyStateDisabled || d.Enabled || d.DeletionDate != nil {
		t.Fatalf("after CancelKeyDeletion: %+v", d)
	}
	_, err := c.CancelKeyDeletion(t.Context(), &kms.CancelKeyDeletionInput{KeyId: md.KeyId})
	wantAPIError(t, err, "KMSInvalidStateException", "is not pending deletion")

	// When the waiting period ends, the key and its aliases are gone.
	must(c.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}))(t)
	clock.Advance(7*24*time.Hour - time.Second)
	kmsDescribe(t, c, *md.KeyId)
	clock.Advance(time.Second)
	_, err = c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: md.KeyId})
	wantAPIError(t, err, "NotFoundException", "does not exist")
	aliases := must(c.ListAliases(t.Context(), &kms.ListAliasesInput{}))(t)
	if len(aliases.Aliases) != 0 {
		t.Fatalf("aliases of a deleted key remain: %+v", aliases.Aliases)
	}
}

func TestKMSKeyRotation(t *testing.T) {
	c, _, clock, _ := newKMS(t)
	md := kmsKey(t, c, nil)
	st := must(c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))(t)
	if st.KeyRotationEnabled || st.RotationPeriodInDays != nil || st.NextRotationDate != nil {
		t.Fatalf("rotation of a new key: %+v", st)
	}
	tests := []struct {
		name     string
		days     *int32
		wantDays int32
		wantCode string
	}{
		{name: "default period", wantDays: 365},
		{name: "shortest", days: aws.Int32(90), wantDays: 90},
		{name: "longest", days: aws.Int32(2560), wantDays: 2560},
		{name: "too short", days: aws.Int32(89), wantCode: "ValidationException"},
		{name: "too long", days: aws.Int32(2561), wantCode: "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: tt.days})
			if tt.wantCode != "" {
				wantAPIError(t, err, tt.wantCode, "rotationPeriodInDays")
				return
			}
			noErr(t, err)
			st := must(c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: md.Arn}))(t)
			if !st.KeyRotationEnabled || *st.RotationPeriodInDays != tt.wantDays || !st.NextRotationDate.Equal(clock.Now().AddDate(0, 0, int(tt.wantDays))) ||
				*st.KeyId != *md.KeyId {
				t.Fatalf("GetKeyRotationStatus = %+v", st)
			}
		})
	}
	must(c.DisableKeyRotation(t.Context(), &kms.DisableKeyRotationInput{KeyId: md.KeyId}))(t)
	if st := must(c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))(t); st.KeyRotationEnabled {
		t.Fatalf("after DisableKeyRotation: %+v", st)
	}
	must(c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: md.KeyId}))(t)
	_, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: md.KeyId})
	wantAPIError(t, err, "DisabledException", "is disabled.")
	// GetKeyRotationStatus reads any key state.
	must(c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))(t)
	hmac := kmsKey(t, c, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac})
	_, err = c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: hmac.KeyId})
	wantAPIError(t, err, "UnsupportedOperationException", "")
}

func TestKMSKeyPolicyAndDescription(t *testing.T) {
	c, _, _, _ := newKMS(t)
	md := kmsKey(t, c, nil)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountID + `:root"},"Action":"kms:*","Resource":"*"}]}`
	must(c.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(policy), PolicyName: aws.String("default")}))(t)
	if got := must(c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: md.Arn, PolicyName: aws.String("default")}))(t); *got.Policy != policy {
		t.Fatalf("GetKeyPolicy after PutKeyPolicy = %s", *got.Policy)
	}
	names := must(c.ListKeyPolicies(t.Context(), &kms.ListKeyPoliciesInput{KeyId: md.KeyId}))(t)
	if !slices.Equal(names.PolicyNames, []string{"default"}) || names.Truncated {
		t.Fatalf("ListKeyPolicies = %+v", names)
	}
	_, err := c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("other")})
	wantAPIError(t, err, "NotFoundException", "")
	_, err = c.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String("[1")})
	wantAPIError(t, err, "MalformedPolicyDocumentException", "")
	// The policy given to CreateKey is kept as given.
	own := kmsKey(t, c, &kms.CreateKeyInput{Policy: aws.String(policy), BypassPolicyLockoutSafetyCheck: true})
	if got := must(c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: own.KeyId}))(t); *got.Policy != policy {
		t.Fatalf("policy of CreateKey = %s", *got.Policy)
	}

	must(c.UpdateKeyDescription(t.Context(), &kms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("new words")}))(t)
	if d := kmsDescribe(t, c, *md.KeyId); *d.Description != "new words" {
		t.Fatalf("Description = %q", *d.Description)
	}
	_, err = c.UpdateKeyDescription(t.Context(), &kms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String(strings.Repeat("d", 8193))})
	wantAPIError(t, err, "ValidationException", "8192")
}

func TestKMSAliases(t *testing.T) {
	c, _, clock, _ := newKMS(t)
	a := kmsKey(t, c, nil)
	b := kmsKey(t, c, nil)
	hmac := kmsKey(t, c, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac})
	kmsAlias(t, c, "alias/one", *a.KeyId)
	kmsAlias(t, c, "alias/two", *a.Arn)
	kmsAlias(t, c, "alias/three", *b.KeyId)

	errTests := []struct {
		name, alias, target string
		wantCode, wantMsg   string
	}{
		{"exists", "alias/one", *b.KeyId, "AlreadyExistsException", "An alias with the name arn:aws:kms:us-east-1:" + accountID + ":alias/one already exists"},
		{"no prefix", "one", *a.KeyId, "ValidationException", `Alias must start with the prefix "alias/"`},
		{"reserved prefix", "alias/aws/mine", *a.KeyId, "NotAuthorizedException", ""},
		{"bad characters", "alias/a b", *a.KeyId, "ValidationException", "regular expression"},
		{"alias as target", "alias/four", "alias/one", "ValidationException", "Aliases must refer to keys"},
		{"unknown target", "alias/four", "11111111-2222-4333-8444-555555555555", "NotFoundException", "does not exist"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String(tt.alias), TargetKeyId: aws.String(tt.target)})
			wantAPIError(t, err, tt.wantCode, tt.wantMsg)
		})
	}

	list := func(in *kms.ListAliasesInput) map[string]string {
		t.Helper()
		got := map[string]string{}
		p := kms.NewListAliasesPaginator(c, in)
		for p.HasMorePages() {
			for _, al := range must(p.NextPage(t.Context()))(t).Aliases {
				if *al.AliasArn != "arn:aws:kms:us-east-1:"+accountID+":"+*al.AliasName || !al.CreationDate.Equal(clock.Now()) {
					t.Fatalf("alias entry %+v", al)
				}
				got[*al.AliasName] = *al.TargetKeyId
			}
		}
		return got
	}
	want := map[string]string{"alias/one": *a.KeyId, "alias/two": *a.KeyId, "alias/three": *b.KeyId}
	if got := list(&kms.ListAliasesInput{Limit: aws.Int32(1)}); !mapsEqual(got, want) {
		t.Fatalf("ListAliases = %v, want %v", got, want)
	}
	if got := list(&kms.ListAliasesInput{KeyId: b.Arn}); !mapsEqual(got, map[string]string{"alias/three": *b.KeyId}) {
		t.Fatalf("ListAliases for %s = %v", *b.KeyId, got)
	}

	must(c.UpdateAlias(t.Context(), &kms.UpdateAliasInput{AliasName: aws.String("alias/two"), TargetKeyId: b.KeyId}))(t)
	if d := kmsDescribe(t, c, "alias/two"); *d.KeyId != *b.KeyId {
		t.Fatalf("alias/two points at %s after UpdateAlias", *d.KeyId)
	}
	_, err := c.UpdateAlias(t.Context(), &kms.UpdateAliasInput{AliasName: aws.String("alias/two"), TargetKeyId: hmac.KeyId})
	wantAPIError(t, err, "ValidationException", "")
	_, err = c.UpdateAlias(t.Context(), &kms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: b.KeyId})
	wantAPIError(t, err, "NotFoundException", "alias/none is not found.")

	must(c.DeleteAlias(t.Context(), &kms.DeleteAliasInput{AliasName: aws.String("alias/one")}))(t)
	_, err = c.DeleteAlias(t.Context(), &kms.DeleteAliasInput{AliasName: aws.String("alias/one")})
	wantAPIError(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:"+accountID+":alias/one is not found.")
	_, err = c.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: aws.String("alias/one")})
	wantAPIError(t, err, "NotFoundException", "is not found")
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestKMSTags(t *testing.T) {
	c, _, _, _ := newKMS(t)
	md := kmsKey(t, c, &kms.CreateKeyInput{Tags: []kmstypes.Tag{{TagKey: aws.String("env"), TagValue: aws.String("test")}}})
	tag := func(k, v string) kmstypes.Tag { return kmstypes.Tag{TagKey: aws.String(k), TagValue: aws.String(v)} }
	must(c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: md.Arn, Tags: []kmstypes.Tag{tag("env", "prod"), tag("team", "a"), tag("x", "1")}}))(t)
	must(c.UntagResource(t.Context(), &kms.UntagResourceInput{KeyId: md.KeyId, TagKeys: []string{"x", "never-there"}}))(t)
	got := map[string]string{}
	pages := 0
	p := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: md.KeyId, Limit: aws.Int32(1)})
	for p.HasMorePages() {
		pages++
		for _, tg := range must(p.NextPage(t.Context()))(t).Tags {
			got[*tg.TagKey] = *tg.TagValue
		}
	}
	if !mapsEqual(got, map[string]string{"env": "prod", "team": "a"}) || pages != 2 {
		t.Fatalf("tags in %d pages = %v", pages, got)
	}
	_, err := c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: []kmstypes.Tag{tag("aws:owner", "me")}})
	wantAPIError(t, err, "TagException", "reserved")
	many := make([]kmstypes.Tag, 49)
	for i := range many {
		many[i] = tag("k"+strings.Repeat("x", i), "v")
	}
	_, err = c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: many})
	wantAPIError(t, err, "TagException", "Too many tags")
}

func TestKMSEncryptDecrypt(t *testing.T) {
	c, _, _, _ := newKMS(t)
	a := kmsKey(t, c, nil)
	b := kmsKey(t, c, nil)
	ctx := map[string]string{"tenant": "blue", "purpose": "test"}
	enc := must(c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: a.KeyId, Plaintext: []byte("top secret"), EncryptionContext: ctx}))(t)
	if *enc.KeyId != *a.Arn || enc.EncryptionAlgorithm != kmstypes.EncryptionAlgorithmSpecSymmetricDefault || bytes.Contains(enc.CiphertextBlob, []byte("top secret")) {
		t.Fatalf("Encrypt = %+v", enc)
	}
	// The blob names its key: Decrypt needs no KeyId for symmetric keys.
	dec := must(c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx}))(t)
	if string(dec.Plaintext) != "top secret" || *dec.KeyId != *a.Arn || dec.EncryptionAlgorithm != kmstypes.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("Decrypt = %+v", dec)
	}
	tampered := slices.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-1] ^= 1
	errTests := []struct {
		name     string
		in       kms.DecryptInput
		wantCode string
		wantMsg  string
	}{
		{"context missing", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}, "InvalidCiphertextException", ""},
		{"context differs", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"tenant": "red", "purpose": "test"}}, "InvalidCiphertextException", ""},
		{"context has more", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"tenant": "blue", "purpose": "test", "x": "y"}}, "InvalidCiphertextException", ""},
		{"tampered", kms.DecryptInput{CiphertextBlob: tampered, EncryptionContext: ctx}, "InvalidCiphertextException", ""},
		{"not a blob", kms.DecryptInput{CiphertextBlob: []byte("garbage")}, "InvalidCiphertextException", ""},
		{"other key named", kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx, KeyId: b.KeyId}, "IncorrectKeyException", "The key ID in the request does not identify a CMK"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Decrypt(t.Context(), &tt.in)
			wantAPIError(t, err, tt.wantCode, tt.wantMsg)
		})
	}
	_, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: a.KeyId, Plaintext: make([]byte, 4097)})
	wantAPIError(t, err, "ValidationException", "Value at 'plaintext' failed to satisfy constraint")
	signer := kmsKey(t, c, &kms.CreateKeyInput{KeySpec: kmstypes.KeySpecEccNistP256, KeyUsage: kmstypes.KeyUsageTypeSignVerify})
	_, err = c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: signer.KeyId, Plaintext: []byte("x")})
	wantAPIError(t, err, "InvalidKeyUsageException", "key usage is SIGN_VERIFY which is not valid for Encrypt")
	_, err = c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: a.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	wantAPIError(t, err, "DryRunOperationException", "")

	// ReEncrypt moves a ciphertext to another key and context.
	re := must(c.ReEncrypt(t.Context(), &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ctx, DestinationKeyId: b.Arn}))(t)
	if *re.SourceKeyId != *a.Arn || *re.KeyId != *b.Arn {
		t.Fatalf("ReEncrypt = %+v", re)
	}
	if pt := must(c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob}))(t); string(pt.Plaintext) != "top secret" || *pt.KeyId != *b.Arn {
		t.Fatalf("Decrypt of re-encrypted blob = %q by %s", pt.Plaintext, *pt.KeyId)
	}
}

func TestKMSGenerateDataKey(t *testing.T) {
	c, _, _, _ := newKMS(t)
	md := kmsKey(t, c, nil)
	ctx := map[string]string{"k": "v"}
	tests := []struct {
		name     string
		in       kms.GenerateDataKeyInput
		wantLen  int
		wantCode string
	}{
		{"AES_256", kms.GenerateDataKeyInput{KeySpec: kmstypes.DataKeySpecAes256}, 32, ""},
		{"AES_128", kms.GenerateDataKeyInput{KeySpec: kmstypes.DataKeySpecAes128}, 16, ""},
		{"64 bytes", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(64)}, 64, ""},
		{"neither", kms.GenerateDataKeyInput{}, 0, "ValidationException"},
		{"both", kms.GenerateDataKeyInput{KeySpec: kmstypes.DataKeySpecAes256, NumberOfBytes: aws.Int32(32)}, 0, "ValidationException"},
		{"too many bytes", kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(1025)}, 0, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.KeyId, in.EncryptionContext = aws.String("alias/missing"), ctx
			if tt.wantCode == "" {
				in.KeyId = md.KeyId
			}
			out, err := c.GenerateDataKey(t.Context(), &in)
			if tt.wantCode != "" {
				wantAPIError(t, err, tt.wantCode, "")
				return
			}
			noErr(t, err)
			if len(out.Plaintext) != tt.wantLen || *out.KeyId != *md.Arn {
				t.Fatalf("GenerateDataKey = %d bytes from %s", len(out.Plaintext), *out.KeyId)
			}
			dec := must(c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ctx}))(t)
			if !bytes.Equal(dec.Plaintext, out.Plaintext) {
				t.Fatalf("the data key's ciphertext does not decrypt to the data key")
			}
		})
	}
	wp := must(c.GenerateDataKeyWithoutPlaintext(t.Context(), &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: md.KeyId, KeySpec: kmstypes.DataKeySpecAes256}))(t)
	if len(must(c.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: wp.CiphertextBlob}))(t).Plaintext) != 32 {
		t.Fatalf("GenerateDataKeyWithoutPlaintext made no 32-byte key")
	}
	r := must(c.GenerateRandom(t.Context(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(48)}))(t)
	if len(r.Plaintext) != 48 {
		t.Fatalf("GenerateRandom gave %d bytes", len(r.Plaintext))
	}
}

func TestKMSMultiRegionKeys(t *testing.T) {
	east, _, clock, url := newKMS(t)
	west := kmsClient(url, "us-west-2")
	single := kmsKey(t, east, nil)
	primary := kmsKey(t, east, &kms.CreateKeyInput{MultiRegion: aws.Bool(true), Description: aws.String("primary")})
	if !mrkIDRE.MatchString(*primary.KeyId) || !*primary.MultiRegion {
		t.Fatalf("multi-Region key id %q", *primary.KeyId)
	}
	mrc := primary.MultiRegionConfiguration
	if mrc == nil || mrc.MultiRegionKeyType != kmstypes.MultiRegionKeyTypePrimary || *mrc.PrimaryKey.Arn != *primary.Arn ||
		*mrc.PrimaryKey.Region != "us-east-1" || len(mrc.ReplicaKeys) != 0 {
		t.Fatalf("MultiRegionConfiguration of a new primary = %+v", mrc)
	}
	rep := must(east.ReplicateKey(t.Context(), &kms.ReplicateKeyInput{KeyId: primary.Arn, ReplicaRegion: aws.String("us-west-2"),
		Description: aws.String("replica"), Tags: []kmstypes.Tag{{TagKey: aws.String("r"), TagValue: aws.String("1")}}}))(t)
	rmd := rep.ReplicaKeyMetadata
	replicaARN := keyARN("us-west-2", *primary.KeyId)
	if *rmd.KeyId != *primary.KeyId || *rmd.Arn != replicaARN || *rmd.Description != "replica" || rmd.KeyState != kmstypes.KeyStateEnabled ||
		rmd.MultiRegionConfiguration.MultiRegionKeyType != kmstypes.MultiRegionKeyTypeReplica || *rmd.MultiRegionConfiguration.PrimaryKey.Arn != *primary.Arn ||
		len(rep.ReplicaTags) != 1 || !strings.Contains(*rep.ReplicaPolicy, "key-default-1") {
		t.Fatalf("ReplicateKey = %+v %+v", rmd, rep)
	}
	for _, d := range []*kmstypes.KeyMetadata{kmsDescribe(t, east, *primary.KeyId), kmsDescribe(t, west, *primary.KeyId)} {
		rk := d.MultiRegionConfiguration.ReplicaKeys
		if len(rk) != 1 || *rk[0].Arn != replicaARN || *rk[0].Region != "us-west-2" {
			t.Fatalf("ReplicaKeys of %s = %+v", *d.Arn, rk)
		}
	}
	// Shared key material: a ciphertext of one region decrypts in the other.
	ctx := map[string]string{"app": "x"}
	ct := kmsEncrypt(t, east, *primary.KeyId, []byte("everywhere"), ctx)
	if pt := must(west.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: ct, EncryptionContext: ctx}))(t); string(pt.Plaintext) != "everywhere" || *pt.KeyId != replicaARN {
		t.Fatalf("replica Decrypt = %q by %s", pt.Plaintext, *pt.KeyId)
	}
	back := kmsEncrypt(t, west, replicaARN, []byte("and back"), nil)
	if pt := must(east.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: back}))(t); string(pt.Plaintext) != "and back" {
		t.Fatalf("primary Decrypt of a replica's ciphertext = %q", pt.Plaintext)
	}
	// A single-Region key's ciphertext means nothing in another region.
	_, err := west.Decrypt(t.Context(), &kms.DecryptInput{CiphertextBlob: kmsEncrypt(t, east, *single.KeyId, []byte("local"), nil)})
	wantAPIError(t, err, "AccessDeniedException", "The ciphertext refers to a customer master key that does not exist")

	_, err = east.ReplicateKey(t.Context(), &kms.ReplicateKeyInput{KeyId: single.KeyId, ReplicaRegion: aws.String("us-west-2")})
	wantAPIError(t, err, "UnsupportedOperationException", "non-MultiRegion")
	_, err = east.ReplicateKey(t.Context(), &kms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("us-west-2")})
	wantAPIError(t, err, "AlreadyExistsException", "")
	_, err = west.ReplicateKey(t.Context(), &kms.ReplicateKeyInput{KeyId: primary.KeyId, ReplicaRegion: aws.String("eu-west-1")})
	wantAPIError(t, err, "UnsupportedOperationException", "not a multi-Region primary key")

	// Rotation is shared and set on the primary.
	must(east.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: primary.KeyId, RotationPeriodInDays: aws.Int32(180)}))(t)
	if st := must(west.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: primary.KeyId}))(t); !st.KeyRotationEnabled || *st.RotationPeriodInDays != 180 {
		t.Fatalf("replica rotation status = %+v", st)
	}
	_, err = west.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: primary.KeyId})
	wantAPIError(t, err, "UnsupportedOperationException", "replica")

	// A primary with replicas waits for them before its own waiting period starts.
	del := must(east.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: primary.KeyId, PendingWindowInDays: aws.Int32(7)}))(t)
	if del.KeyState != kmstypes.KeyStatePendingReplicaDeletion || del.DeletionDate != nil {
		t.Fatalf("ScheduleKeyDeletion of a primary with replicas = %+v", del)
	}
	if d := kmsDescribe(t, east, *primary.KeyId); *d.PendingDeletionWindowInDays != 7 || d.DeletionDate != nil {
		t.Fatalf("primary pending replica deletion: %+v", d)
	}
	must(west.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: primary.KeyId, PendingWindowInDays: aws.Int32(7)}))(t)
	clock.Advance(7 * 24 * time.Hour)
	_, err = west.DescribeKey(t.Context(), &kms.DescribeKeyInput{KeyId: primary.KeyId})
	wantAPIError(t, err, "NotFoundException", "does not exist")
	if d := kmsDescribe(t, east, *primary.KeyId); d.KeyState != kmstypes.KeyStatePendingDeletion || !d.DeletionDate.Equal(clock.Now().AddDate(0, 0, 7)) ||
		len(d.MultiRegionConfiguration.ReplicaKeys) != 0 {
		t.Fatalf("primary after its last replica was deleted: %+v", d)
	}
}

func TestKMSAWSManagedKey(t *testing.T) {
	c, sm, _, url := newKMS(t)
	// Secrets Manager creates aws/secretsmanager on first use.
	if out := must(c.ListAliases(t.Context(), &kms.ListAliasesInput{}))(t); len(out.Aliases) != 0 {
		t.Fatalf("aliases before any secret: %+v", out.Aliases)
	}
	createSecret(t, sm, "plain", "value")
	aliases := must(c.ListAliases(t.Context(), &kms.ListAliasesInput{}))(t).Aliases
	if len(aliases) != 1 || *aliases[0].AliasName != "alias/aws/secretsmanager" || aliases[0].TargetKeyId == nil {
		t.Fatalf("aliases after CreateSecret: %+v", aliases)
	}
	md := kmsDescribe(t, c, "alias/aws/secretsmanager")
	if md.KeyManager != kmstypes.KeyManagerTypeAws || *md.KeyId != *aliases[0].TargetKeyId ||
		*md.Description != "Default key that protects my Secrets Manager data when no other key is defined" {
		t.Fatalf("AWS managed key = %+v", md)
	}
	if st := must(c.GetKeyRotationStatus(t.Context(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId}))(t); !st.KeyRotationEnabled || *st.RotationPeriodInDays != 365 {
		t.Fatalf("rotation of the AWS managed key = %+v", st)
	}
	pol := must(c.GetKeyPolicy(t.Context(), &kms.GetKeyPolicyInput{KeyId: md.KeyId}))(t)
	if !strings.Contains(*pol.Policy, `"auto-secretsmanager-2"`) || !strings.Contains(*pol.Policy, "secretsmanager.us-east-1.amazonaws.com") {
		t.Fatalf("policy of the AWS managed key = %s", *pol.Policy)
	}
	// Users cannot change it, nor use it directly: its policy allows use only through Secrets Manager.
	denied := []struct {
		name string
		call func() error
	}{
		{"DisableKey", func() error { _, err := c.DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: md.KeyId}); return err }},
		{"ScheduleKeyDeletion", func() error {
			_, err := c.ScheduleKeyDeletion(t.Context(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
			return err
		}},
		{"PutKeyPolicy", func() error {
			_, err := c.PutKeyPolicy(t.Context(), &kms.PutKeyPolicyInput{KeyId: md.KeyId, Policy: aws.String(`{"Statement":[]}`)})
			return err
		}},
		{"EnableKeyRotation", func() error {
			_, err := c.EnableKeyRotation(t.Context(), &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(90)})
			return err
		}},
		{"TagResource", func() error {
			_, err := c.TagResource(t.Context(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: []kmstypes.Tag{{TagKey: aws.String("k"), TagValue: aws.String("v")}}})
			return err
		}},
		{"Encrypt", func() error {
			_, err := c.Encrypt(t.Context(), &kms.EncryptInput{KeyId: aws.String("alias/aws/secretsmanager"), Plaintext: []byte("x")})
			return err
		}},
		{"CreateAlias to it", func() error {
			_, err := c.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/mine"), TargetKeyId: md.KeyId})
			return err
		}},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			wantAPIError(t, tt.call(), "AccessDeniedException", "is not authorized to perform: kms:")
		})
	}
	_, err := c.DeleteAlias(t.Context(), &kms.DeleteAliasInput{AliasName: aws.String("alias/aws/secretsmanager")})
	wantAPIError(t, err, "NotAuthorizedException", "")
	_, err = c.UpdateAlias(t.Context(), &kms.UpdateAliasInput{AliasName: aws.String("alias/aws/secretsmanager"), TargetKeyId: kmsKey(t, c, nil).KeyId})
	wantAPIError(t, err, "NotAuthorizedException", "")
	// DescribeKey of the predefined alias creates the key in a region that has none yet.
	west := kmsClient(url, "us-west-2")
	wmd := kmsDescribe(t, west, "alias/aws/secretsmanager")
	if wmd.KeyManager != kmstypes.KeyManagerTypeAws || *wmd.KeyId == *md.KeyId {
		t.Fatalf("us-west-2 AWS managed key = %+v", wmd)
	}
}

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
