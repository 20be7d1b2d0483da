package emulator_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

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
