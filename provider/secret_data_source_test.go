package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// secretStateHasNo fails when any attribute of the state contains s (a secret value).
func secretStateHasNo(s string) resource.TestCheckFunc {
	return func(st *terraform.State) error {
		for addr, rs := range st.RootModule().Resources {
			for k, v := range rs.Primary.Attributes {
				if strings.Contains(v, s) {
					return fmt.Errorf("%s.%s holds a secret value", addr, k)
				}
			}
		}
		return nil
	}
}

func TestAccSecretDataSource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	const value = "s3cr3t-v4lue-never-in-state"
	keyID, _ := secretNewKey(t, env.KMS)
	fn := env.Server.RegisterHandler("noop-rotator", func(context.Context, []byte) ([]byte, error) { return []byte("{}"), nil }, emulator.FunctionConfig{})
	created, err := env.SM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String("prod/db/master"), Description: aws.String("master credentials"), KmsKeyId: aws.String(keyID),
		SecretString: aws.String(value), Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}},
		AddReplicaRegions: []smtypes.ReplicaRegionType{{Region: aws.String("eu-west-1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	if _, err := env.SM.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: created.ARN, ResourcePolicy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.SM.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: created.ARN, RotationLambdaARN: aws.String(fn),
		RotationRules: &smtypes.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)"), Duration: aws.String("2h")}, RotateImmediately: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.SM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.SM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("retired")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.SM.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("retired"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	fullARN := aws.ToString(created.ARN)
	partialARN := fullARN[:len(fullARN)-7]
	const byName, byARN, plain = "data.secretsmanager_secret.by_name", "data.secretsmanager_secret.by_arn", "data.secretsmanager_secret.plain"
	date := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secret\" \"x\" {\n  name = \"plain\"\n  arn = \"arn:aws:secretsmanager:us-east-1:123456789012:secret:plain\"\n}\n",
				ExpectError: regexp.MustCompile(`Exactly one of these attributes must be configured: \[arn,name\]`),
			},
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secret\" \"x\" {\n}\n",
				ExpectError: regexp.MustCompile(`Exactly one of these attributes must be configured: \[arn,name\]`),
			},
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secret\" \"x\" {\n  name = \"nope\"\n}\n",
				ExpectError: regexp.MustCompile(`No secret "nope" exists in us-east-1`),
			},
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secret\" \"x\" {\n  name = \"retired\"\n}\n",
				ExpectError: regexp.MustCompile(`(?s)scheduled for deletion.*aws secretsmanager restore-secret --secret-id arn:aws:secretsmanager:us-east-1:\d+:secret:retired-`),
			},
			{
				// Last, so that the final destroy has a configuration that reads.
				Config: env.providerConfig("") + fmt.Sprintf(`
data "secretsmanager_secret" "by_name" {
  name = "prod/db/master"
}

data "secretsmanager_secret" "by_arn" {
  arn = %q
}

data "secretsmanager_secret" "plain" {
  name = "plain"
}
`, partialARN),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(byName, "id", fullARN),
					resource.TestCheckResourceAttr(byName, "arn", fullARN),
					resource.TestCheckResourceAttr(byName, "description", "master credentials"),
					resource.TestCheckResourceAttr(byName, "kms_key_id", keyID),
					resource.TestCheckResourceAttr(byName, "tags.team", "data"),
					resource.TestCheckResourceAttrWith(byName, "policy", func(v string) error {
						if !policiesEquivalent(v, policy) {
							return fmt.Errorf("policy %s", v)
						}
						return nil
					}),
					resource.TestCheckResourceAttr(byName, "replica.#", "1"),
					resource.TestCheckResourceAttr(byName, "replica.0.region", "eu-west-1"),
					resource.TestCheckResourceAttr(byName, "replica.0.status", "InSync"),
					resource.TestCheckResourceAttr(byName, "primary_region", "us-east-1"),
					resource.TestCheckResourceAttr(byName, "rotation_enabled", "true"),
					resource.TestCheckResourceAttr(byName, "rotation_lambda_arn", fn),
					resource.TestCheckResourceAttr(byName, "rotation_rules.#", "1"),
					resource.TestCheckResourceAttr(byName, "rotation_rules.0.schedule_expression", "rate(10 days)"),
					resource.TestCheckResourceAttr(byName, "rotation_rules.0.duration", "2h"),
					resource.TestMatchResourceAttr(byName, "created_date", date),
					resource.TestMatchResourceAttr(byName, "last_changed_date", date),
					resource.TestMatchResourceAttr(byName, "next_rotation_date", date),
					// A partial ARN finds the secret; arn stays as written, id is the full ARN.
					resource.TestCheckResourceAttr(byARN, "arn", partialARN),
					resource.TestCheckResourceAttr(byARN, "id", fullARN),
					resource.TestCheckResourceAttr(byARN, "name", "prod/db/master"),
					resource.TestCheckNoResourceAttr(plain, "policy"),
					resource.TestCheckNoResourceAttr(plain, "description"),
					resource.TestCheckNoResourceAttr(plain, "kms_key_id"),
					resource.TestCheckResourceAttr(plain, "rotation_enabled", "false"),
					resource.TestCheckResourceAttr(plain, "rotation_rules.#", "0"),
					resource.TestCheckResourceAttr(plain, "replica.#", "0"),
					resource.TestCheckResourceAttr(plain, "tags.%", "0"),
					secretStateHasNo(value),
				),
			},
		},
	})
}
