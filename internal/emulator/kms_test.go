package emulator_test

import (
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
