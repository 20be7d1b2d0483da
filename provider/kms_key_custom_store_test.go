package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// Keys in an AWS CloudHSM key store and in an external key store: the store's type gives the
// key's Origin; the ids come back on refresh and import.
func TestAccKMSKeyResource_customKeyStore(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	hsm, err := env.KMS.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("hsm"),
		CloudHsmClusterId: aws.String("cluster-1234567890a"), TrustAnchorCertificate: aws.String("-----BEGIN CERTIFICATE-----x"),
		KeyStorePassword: aws.String("kmsuser-password")})
	if err != nil {
		t.Fatal(err)
	}
	xks, err := env.KMS.CreateCustomKeyStore(ctx, &kms.CreateCustomKeyStoreInput{CustomKeyStoreName: aws.String("xks"),
		CustomKeyStoreType: kmstypes.CustomKeyStoreTypeExternalKeyStore, XksProxyUriEndpoint: aws.String("https://xks.example.com"),
		XksProxyUriPath: aws.String("/kms/xks/v1"), XksProxyConnectivity: kmstypes.XksProxyConnectivityTypePublicEndpoint,
		XksProxyAuthenticationCredential: &kmstypes.XksProxyAuthenticationCredentialType{
			AccessKeyId: aws.String("ABCDEFGHIJKLMNOPQRST"), RawSecretAccessKey: aws.String(strings.Repeat("a", 43))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []*string{hsm.CustomKeyStoreId, xks.CustomKeyStoreId} {
		if _, err := env.KMS.ConnectCustomKeyStore(ctx, &kms.ConnectCustomKeyStoreInput{CustomKeyStoreId: id}); err != nil {
			t.Fatal(err)
		}
	}
	hsmID, xksID := aws.ToString(hsm.CustomKeyStoreId), aws.ToString(xks.CustomKeyStoreId)
	config := env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "hsm" {
  custom_key_store_id = %q
}
resource "secretsmanager_kms_key" "xks" {
  custom_key_store_id = %q
  xks_key_id          = "ext-key-1"
}
data "secretsmanager_kms_key" "hsm" {
  key_id = secretsmanager_kms_key.hsm.arn
}
data "secretsmanager_kms_key" "xks" {
  key_id = secretsmanager_kms_key.xks.key_id
}
`, hsmID, xksID)
	origin := func(addr string, want kmstypes.OriginType, store string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			id, err := stateAttr(s, addr, "key_id")
			if err != nil {
				return err
			}
			out, err := env.KMS.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(id)})
			if err != nil {
				return err
			}
			if md := out.KeyMetadata; md.Origin != want || aws.ToString(md.CustomKeyStoreId) != store {
				return fmt.Errorf("%s: origin %s store %s, want %s %s", addr, md.Origin, aws.ToString(md.CustomKeyStoreId), want, store)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secretsmanager_kms_key.hsm", "custom_key_store_id", hsmID),
					resource.TestCheckNoResourceAttr("secretsmanager_kms_key.hsm", "xks_key_id"),
					resource.TestCheckResourceAttr("secretsmanager_kms_key.xks", "custom_key_store_id", xksID),
					resource.TestCheckResourceAttr("secretsmanager_kms_key.xks", "xks_key_id", "ext-key-1"),
					origin("secretsmanager_kms_key.hsm", kmstypes.OriginTypeAwsCloudhsm, hsmID),
					origin("secretsmanager_kms_key.xks", kmstypes.OriginTypeExternalKeyStore, xksID),
					// The data source reports the stores as hashicorp/aws's aws_kms_key data source does.
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.hsm", "origin", "AWS_CLOUDHSM"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.hsm", "custom_key_store_id", hsmID),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.hsm", "cloud_hsm_cluster_id", "cluster-1234567890a"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.hsm", "xks_key_configuration.#", "0"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.xks", "origin", "EXTERNAL_KEY_STORE"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.xks", "custom_key_store_id", xksID),
					resource.TestCheckNoResourceAttr("data.secretsmanager_kms_key.xks", "cloud_hsm_cluster_id"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.xks", "xks_key_configuration.#", "1"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.xks", "xks_key_configuration.0.id", "ext-key-1"),
				),
			},
			{
				Config:                  config,
				ResourceName:            "secretsmanager_kms_key.xks",
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"deletion_window_in_days"},
			},
		},
	})
}
