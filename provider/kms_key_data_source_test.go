package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccKMSKeyDataSource: the same key found by key id, key ARN, alias name and alias ARN
// gives the same attributes, which match the resource and the key in KMS; a disabled key
// says so; a missing key is an error naming key_id; each read is one DescribeKey call.
func TestAccKMSKeyDataSource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := func(enabled bool) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  description  = "for secrets"
  multi_region = true
  is_enabled   = %t
}
resource "secretsmanager_kms_alias" "a" {
  name          = "alias/lookup"
  target_key_id = secretsmanager_kms_key.k.key_id
}
data "secretsmanager_kms_key" "by_id" {
  key_id = secretsmanager_kms_key.k.key_id
}
data "secretsmanager_kms_key" "by_arn" {
  key_id = secretsmanager_kms_key.k.arn
}
# The alias does not change when the key does; depends_on makes these reads wait for the
# key's changes, as the reads by key id and ARN do.
data "secretsmanager_kms_key" "by_alias" {
  key_id     = secretsmanager_kms_alias.a.name
  depends_on = [secretsmanager_kms_key.k]
}
data "secretsmanager_kms_key" "by_alias_arn" {
  key_id     = secretsmanager_kms_alias.a.arn
  depends_on = [secretsmanager_kms_key.k]
}
data "secretsmanager_kms_key" "aws_managed" {
  key_id = "alias/aws/secretsmanager"
}`, enabled)
	}
	same := func(enabled bool) resource.TestCheckFunc {
		state := map[bool]string{true: "Enabled", false: "Disabled"}[enabled]
		var checks []resource.TestCheckFunc
		for _, ds := range []string{"by_id", "by_arn", "by_alias", "by_alias_arn"} {
			addr := "data.secretsmanager_kms_key." + ds
			checks = append(checks,
				resource.TestCheckResourceAttrPair(addr, "id", kmsKeyAddr, "key_id"),
				resource.TestCheckResourceAttrPair(addr, "arn", kmsKeyAddr, "arn"),
				resource.TestCheckResourceAttr(addr, "description", "for secrets"),
				resource.TestCheckResourceAttr(addr, "key_state", state),
				resource.TestCheckResourceAttr(addr, "enabled", fmt.Sprint(enabled)),
				resource.TestCheckResourceAttr(addr, "key_usage", "ENCRYPT_DECRYPT"),
				resource.TestCheckResourceAttr(addr, "key_spec", "SYMMETRIC_DEFAULT"),
				resource.TestCheckResourceAttr(addr, "multi_region", "true"),
				resource.TestCheckResourceAttr(addr, "key_manager", "CUSTOMER"),
				resource.TestCheckResourceAttr(addr, "origin", "AWS_KMS"),
				resource.TestCheckNoResourceAttr(addr, "custom_key_store_id"),
				resource.TestCheckResourceAttr(addr, "xks_key_configuration.#", "0"),
				resource.TestMatchResourceAttr(addr, "creation_date", regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)),
				resource.TestCheckNoResourceAttr(addr, "deletion_date"),
			)
		}
		checks = append(checks,
			resource.TestCheckResourceAttr("data.secretsmanager_kms_key.by_alias", "key_id", "alias/lookup"),
			resource.TestCheckResourceAttr("data.secretsmanager_kms_key.aws_managed", "key_manager", "AWS"),
			resource.TestCheckResourceAttr("data.secretsmanager_kms_key.aws_managed", "enabled", "true"),
			func(s *terraform.State) error {
				id, err := stateAttr(s, kmsKeyAddr, "key_id")
				if err != nil {
					return err
				}
				out, err := env.KMS.DescribeKey(context.Background(), &kms.DescribeKeyInput{KeyId: aws.String(id)})
				if err != nil {
					return err
				}
				if string(out.KeyMetadata.KeyState) != state {
					return fmt.Errorf("KMS says %s, want %s", out.KeyMetadata.KeyState, state)
				}
				return nil
			},
		)
		return resource.ComposeAggregateTestCheckFunc(checks...)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsAliasesGone(env),
		Steps: []resource.TestStep{
			{Config: config(true), Check: same(true)},
			{Config: config(false), Check: same(false)},
			{
				Config: env.providerConfig("") + `
data "secretsmanager_kms_key" "missing" {
  key_id = "alias/does-not-exist"
}`,
				ExpectError: kmsErrRe("key_id", `No KMS key "alias/does-not-exist" in region us-east-1`, "aliases begin with alias/"),
			},
		},
	})
}

// TestKMSKeyDataSource_calls: one read is one DescribeKey call, whatever names the key.
func TestKMSKeyDataSource_calls(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	kmsKeyWithAlias(t, env, "alias/x")
	config := env.providerConfig(`skip_credentials_validation = true
  skip_requesting_account_id = true`) + `
data "secretsmanager_kms_key" "k" {
  key_id = "alias/x"
}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				calls, err := env.Control.Calls(ctx)
				if err != nil {
					return err
				}
				// The configuration is known at plan time, so Terraform reads the data source once.
				if want := map[string]int64{"kms.DescribeKey": 1}; !maps.Equal(calls, want) {
					return fmt.Errorf("calls %v, want %v", calls, want)
				}
				return nil
			},
		}},
	})
}

// TestAccKMSExamples applies the documentation examples of the KMS key, alias and data source
// against the emulator, so that the docs show configurations that work.
func TestAccKMSExamples(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	read := func(p string) string { return readExample(t, p) }
	keyExample := read("resources/secretsmanager_kms_key/resource.tf")
	aliasExample := read("resources/secretsmanager_kms_alias/resource.tf")
	dataExample := read("data-sources/secretsmanager_kms_key/data-source.tf")
	for _, f := range []string{"resources/secretsmanager_kms_key/import.sh", "resources/secretsmanager_kms_alias/import.sh"} {
		if !strings.Contains(read(f), "terraform import ") {
			t.Fatalf("%s has no terraform import command", f)
		}
	}
	empty := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsAliasesGone(env),
		Steps: []resource.TestStep{
			{
				Config:           env.providerConfig("") + keyExample,
				ConfigVariables:  config.Variables{"account_id": config.StringVariable("123456789012")},
				ConfigPlanChecks: empty,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secretsmanager_kms_key.secrets", "rotation_period_in_days", "180"),
					resource.TestMatchResourceAttr("secretsmanager_kms_key.restricted", "policy", regexp.MustCompile(`AppDecrypts`)),
				),
			},
			{
				Config:           env.providerConfig("") + aliasExample,
				ConfigPlanChecks: empty,
				Check:            kmsAliasTarget(env, "alias/payments-secrets", "secretsmanager_kms_key.secrets"),
			},
			{
				Config:           env.providerConfig("") + aliasExample + dataExample,
				ConfigPlanChecks: empty,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.secretsmanager_kms_key.secrets", "arn", "secretsmanager_kms_key.secrets", "arn"),
					resource.TestCheckResourceAttr("data.secretsmanager_kms_key.default", "key_manager", "AWS"),
				),
			},
		},
	})
}
