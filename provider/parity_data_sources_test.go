package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// The hashicorp/aws data sources a migrating configuration uses: aws_kms_alias and
// aws_secretsmanager_secret_rotation.
func TestAccParityDataSources(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key, err := env.KMS.CreateKey(t.Context(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := aws.ToString(key.KeyMetadata.KeyId), aws.ToString(key.KeyMetadata.Arn)
	if _, err := env.KMS.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String("alias/team"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	rotating := env.CreateSecret("app/rotating", "v")
	plain := env.CreateSecret("app/plain", "v")
	_, fn := registerRotator(env, "rotate-ds")
	if _, err := env.SM.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String(rotating), RotationLambdaARN: aws.String(fn),
		RotateImmediately: aws.Bool(false), RotationRules: rotationRulesDays(10)}); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + fmt.Sprintf(`
data "secretsmanager_kms_alias" "a" {
  name = "alias/team"
}
data "secretsmanager_secret_rotation" "on" {
  secret_id = "app/rotating"
}
data "secretsmanager_secret_rotation" "off" {
  secret_id = %q
}
`, plain),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.secretsmanager_kms_alias.a", "target_key_id", keyID),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_alias.a", "target_key_arn", keyARN),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_alias.a", "arn", "arn:aws:kms:us-east-1:123456789012:alias/team"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_rotation.on", "id", rotating),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_rotation.on", "rotation_enabled", "true"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_rotation.on", "rotation_lambda_arn", fn),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_rotation.on", "rotation_rules.0.automatically_after_days", "10"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_rotation.off", "rotation_enabled", "false"),
					resource.TestCheckNoResourceAttr("data.secretsmanager_secret_rotation.off", "rotation_lambda_arn"),
				),
			},
			{
				Config:      env.providerConfig("") + `data "secretsmanager_kms_alias" "missing" { name = "alias/none" }`,
				ExpectError: regexp.MustCompile(`There is no alias alias/none in us-east-1`),
			},
			{
				Config:      env.providerConfig("") + `data "secretsmanager_secret_rotation" "missing" { secret_id = "app/none" }`,
				ExpectError: regexp.MustCompile(`There is no secret app/none in us-east-1`),
			},
		},
	})
}
