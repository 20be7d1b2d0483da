package emulator_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
)

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
