package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

const secretAddr = "secretsmanager_secret.s"

// secretSM is a Secrets Manager client of the test's emulator for another region.
func secretSM(env *testEnv, region string) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(env.regionConfig(region))
}

func secretKMS(env *testEnv, region string) *kms.Client {
	return kms.NewFromConfig(env.regionConfig(region))
}

// secretNewKey creates a KMS key for a test and returns its id and ARN.
func secretNewKey(t *testing.T, c *kms.Client) (id, arn string) {
	t.Helper()
	out, err := c.CreateKey(t.Context(), &kms.CreateKeyInput{Description: aws.String("test key")})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return aws.ToString(out.KeyMetadata.KeyId), aws.ToString(out.KeyMetadata.Arn)
}

// secretCheckAWS checks the secret behind addr as Secrets Manager holds it.
func secretCheckAWS(env *testEnv, addr string, check func(*secretsmanager.DescribeSecretOutput) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		arn, err := stateAttr(s, addr, "arn")
		if err != nil {
			return err
		}
		out, err := env.SM.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("DescribeSecret %s: %w", arn, err)
		}
		return check(out)
	}
}

func secretAWSTags(out *secretsmanager.DescribeSecretOutput) map[string]string {
	m := map[string]string{}
	for _, t := range out.Tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func secretWantTags(want map[string]string) func(*secretsmanager.DescribeSecretOutput) error {
	return func(out *secretsmanager.DescribeSecretOutput) error {
		if got := secretAWSTags(out); !maps.Equal(got, want) {
			return fmt.Errorf("tags in AWS are %v, want %v", got, want)
		}
		return nil
	}
}

// secretCheckDestroyed verifies through the SDK that every secret of the state is gone, or,
// for a recovery window, scheduled for deletion.
func secretCheckDestroyed(env *testEnv) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for _, rs := range s.RootModule().Resources {
			if rs.Type != "secretsmanager_secret" {
				continue
			}
			arn := rs.Primary.Attributes["arn"]
			out, err := env.SM.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
			var nf *smtypes.ResourceNotFoundException
			switch {
			case errors.As(err, &nf):
				continue
			case err != nil:
				return fmt.Errorf("DescribeSecret %s: %w", arn, err)
			case rs.Primary.Attributes["recovery_window_in_days"] == "0":
				return fmt.Errorf("%s still exists after destroy with recovery_window_in_days = 0", arn)
			case out.DeletedDate == nil:
				return fmt.Errorf("%s is neither deleted nor scheduled for deletion after destroy", arn)
			}
		}
		return nil
	}
}

func TestAccSecretResource_lifecycle(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	key1, _ := secretNewKey(t, env.KMS)
	_, key2ARN := secretNewKey(t, env.KMS)
	const name = "app/db-lifecycle"
	cfg := func(body string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name                    = %q
  recovery_window_in_days = 0
%s
}
`, name, body)
	}
	// Throttling is retried by the provider: the apply still succeeds.
	if err := env.Control.InjectFault(t.Context(), emulator.Fault{Operation: "secretsmanager.CreateSecret", Count: 2, ErrorCode: "ThrottlingException"}); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg(fmt.Sprintf(`
  description = "first"
  kms_key_id  = %q
  tags = { team = "a", env = "dev" }
`, key1)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "name", name),
					resource.TestCheckNoResourceAttr(secretAddr, "name_prefix"),
					resource.TestMatchResourceAttr(secretAddr, "arn", regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:\d{12}:secret:app/db-.*-[A-Za-z0-9]{6}$`)),
					resource.TestCheckResourceAttrPair(secretAddr, "id", secretAddr, "arn"),
					resource.TestCheckResourceAttr(secretAddr, "description", "first"),
					resource.TestCheckResourceAttr(secretAddr, "kms_key_id", key1),
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "2"),
					resource.TestCheckResourceAttr(secretAddr, "recovery_window_in_days", "0"),
					resource.TestCheckResourceAttr(secretAddr, "replica.#", "0"),
					secretCheckAWS(env, secretAddr, func(out *secretsmanager.DescribeSecretOutput) error {
						if aws.ToString(out.Description) != "first" || aws.ToString(out.KmsKeyId) != key1 {
							return fmt.Errorf("AWS has description %q key %q", aws.ToString(out.Description), aws.ToString(out.KmsKeyId))
						}
						return secretWantTags(map[string]string{"team": "a", "env": "dev"})(out)
					}),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: cfg(fmt.Sprintf(`
  description = "second"
  kms_key_id  = %q
  tags = { team = "b", owner = "x" }
`, key2ARN)),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "description", "second"),
					resource.TestCheckResourceAttr(secretAddr, "kms_key_id", key2ARN),
					secretCheckAWS(env, secretAddr, func(out *secretsmanager.DescribeSecretOutput) error {
						if aws.ToString(out.Description) != "second" || aws.ToString(out.KmsKeyId) != key2ARN {
							return fmt.Errorf("AWS has description %q key %q", aws.ToString(out.Description), aws.ToString(out.KmsKeyId))
						}
						return secretWantTags(map[string]string{"team": "b", "owner": "x"})(out)
					}),
				),
			},
			{
				// Removing arguments reverts them in AWS: no description, the AWS managed key, no tags.
				Config: cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(secretAddr, "description"),
					resource.TestCheckNoResourceAttr(secretAddr, "kms_key_id"),
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "0"),
					secretCheckAWS(env, secretAddr, func(out *secretsmanager.DescribeSecretOutput) error {
						if aws.ToString(out.Description) != "" || !secretIsDefaultKMSKey(aws.ToString(out.KmsKeyId)) {
							return fmt.Errorf("AWS has description %q key %q", aws.ToString(out.Description), aws.ToString(out.KmsKeyId))
						}
						return secretWantTags(map[string]string{})(out)
					}),
				),
			},
			{
				Config:                  cfg(""),
				ResourceName:            secretAddr,
				ImportState:             true,
				ImportStateId:           name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"}, // not held by AWS; import assumes the default
			},
			{
				Config:                  cfg(""),
				ResourceName:            secretAddr,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"},
			},
			{
				// A new name replaces the secret; the old one is deleted without recovery.
				Config: strings.Replace(cfg(""), name, "app/db-renamed", 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "name", "app/db-renamed"),
					secretReplicaIn(env, "us-east-1", name, secretReplicaGone),
				),
			},
		},
	})
	if n := env.Calls()["secretsmanager.CreateSecret"]; n != 4 {
		t.Errorf("CreateSecret was called %d times, want 4 (2 throttled, then retried; then the rename)", n)
	}
}

func TestAccSecretResource_generatedNames(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(prefix string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "prefixed" {
  name_prefix             = %q
  recovery_window_in_days = 0
}

resource "secretsmanager_secret" "generated" {
  recovery_window_in_days = 0
}
`, prefix)
	}
	const prefixed, generated = "secretsmanager_secret.prefixed", "secretsmanager_secret.generated"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg("app/"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					// Known at plan time: which prefix will be used; the name itself is not.
					plancheck.ExpectKnownValue(generated, tfjsonpath.New("name_prefix"), knownvalue.StringExact("terraform-")),
					plancheck.ExpectUnknownValue(generated, tfjsonpath.New("name")),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr(prefixed, "name", regexp.MustCompile(`^app/\d{18}[0-9a-f]{8}$`)),
					resource.TestCheckResourceAttr(prefixed, "name_prefix", "app/"),
					resource.TestMatchResourceAttr(generated, "name", regexp.MustCompile(`^terraform-\d{18}[0-9a-f]{8}$`)),
					resource.TestCheckResourceAttr(generated, "name_prefix", "terraform-"),
				),
			},
			{
				// Import recognises a generated name and recovers its prefix.
				Config: cfg("app/"), ResourceName: prefixed, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"},
			},
			{
				Config: cfg("app/"), ResourceName: generated, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"},
			},
			{
				Config: cfg("svc/"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(prefixed, plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction(generated, plancheck.ResourceActionNoop),
				}},
				Check: resource.TestMatchResourceAttr(prefixed, "name", regexp.MustCompile(`^svc/\d{18}[0-9a-f]{8}$`)),
			},
		},
	})
}

// A name still in its recovery window fails at plan time (known name) or at create (name
// known only at apply), with both ways out, and nothing is created.
func TestAccSecretResource_nameScheduledForDeletion(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "orders/db"
	if _, err := env.SM.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.SM.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	described, err := env.SM.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	date := regexp.QuoteMeta(described.DeletedDate.UTC().Format(time.RFC3339))
	want := func(extra string) *regexp.Regexp {
		return regexp.MustCompile(`(?s)scheduled for deletion.*deleted date ` + date + `.*` +
			regexp.QuoteMeta("aws secretsmanager restore-secret --secret-id "+name+" --region us-east-1") + `.*` +
			regexp.QuoteMeta("terraform import secretsmanager_secret.<name> "+name) + `.*` +
			regexp.QuoteMeta("aws secretsmanager delete-secret --secret-id "+name+" --force-delete-without-recovery --region us-east-1") + extra)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: func() { env.resetCalls(t) },
				Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name = %q
}
`, name),
				ExpectError: want(""),
			},
			{
				// The name is known only at apply, and the check made when Terraform plans it again
				// during apply cannot describe the secret (as without secretsmanager:DescribeSecret):
				// CreateSecret fails and the error says the same.
				PreConfig: func() {
					if err := env.Control.InjectFault(t.Context(), emulator.Fault{Operation: "secretsmanager.DescribeSecret", Count: 1, ErrorCode: "AccessDeniedException"}); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.providerConfig("") + fmt.Sprintf(`
resource "terraform_data" "name" {
  input = %q
}

resource "secretsmanager_secret" "s" {
  name = terraform_data.name.output
}
`, name),
				ExpectError: want(`.*recovery_window_in_days = 0`),
			},
		},
	})
	calls := env.Calls()
	if calls["secretsmanager.CreateSecret"] != 1 {
		t.Errorf("CreateSecret called %d times, want 1 (only the apply whose name was unknown at plan)", calls["secretsmanager.CreateSecret"])
	}
	list, err := env.SM.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.SecretList) != 1 || list.SecretList[0].DeletedDate == nil {
		t.Errorf("after the failed applies the emulator holds %d secrets (want the 1 scheduled for deletion): %+v", len(list.SecretList), list.SecretList)
	}
}

// Bad input fails at plan time with a diagnostic naming the attribute and the fix, and
// nothing is created.
func TestAccSecretResource_invalidInput(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	publicPolicy := `jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Principal = "*", Action = "secretsmanager:GetSecretValue", Resource = "*"}]})`
	tests := []struct {
		name, body string
		want       string
	}{
		{"bad characters", `name = "my secret!"`, `name "my secret!" contains " !".*letters, digits`},
		{"name too long", fmt.Sprintf(`name = %q`, strings.Repeat("a", 513)), `name is 513 characters long; Secrets Manager allows\s+at most 512`},
		{"empty name", `name = ""`, `name is empty`},
		{"prefix too long", fmt.Sprintf(`name_prefix = %q`, strings.Repeat("a", 487)), `name_prefix is 487 characters long; at most 486`},
		{"name and prefix", "name = \"a\"\n name_prefix = \"b\"", `"name_prefix".*cannot be specified when.*"name"|"name".*cannot be specified when.*"name_prefix"`},
		{"recovery window", `name = "a"` + "\n recovery_window_in_days = 3", `recovery_window_in_days is 3; use a number of days from 7 to\s+30, or 0`},
		{"malformed policy", `name = "a"` + "\n policy = \"{\\\"Statement\\\": 5}\"", `Invalid policy document`},
		{"public policy blocked", `name = "a"` + "\n block_public_policy = true\n policy = " + publicPolicy, `block_public_policy is true and this policy grants broad access`},
		{"replica in primary region", `name = "a"` + "\n replica {\n region = \"us-east-1\"\n }", `replica region us-east-1 is the provider's region`},
		{"replica region malformed", `name = "a"` + "\n replica {\n region = \"Mars\"\n }", `region\s+must be an AWS region name such as eu-west-1`},
		{"duplicate replica", `name = "a"` + "\n replica {\n region = \"eu-west-1\"\n }\n replica {\n region = \"eu-west-1\"\n kms_key_id = \"alias/x\"\n }", `Region eu-west-1 appears in more than one replica block`},
		{"reserved tag", `name = "a"` + "\n tags = { \"aws:owner\" = \"me\" }", `Tag key "aws:owner" starts with aws:`},
		{"long description", fmt.Sprintf("name = \"a\"\n description = %q", strings.Repeat("d", 2049)), `description string length must be at most 2048`},
	}
	var steps []resource.TestStep
	for _, tc := range tests {
		steps = append(steps, resource.TestStep{
			Config:      env.providerConfig("") + "resource \"secretsmanager_secret\" \"s\" {\n " + tc.body + "\n}\n",
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)` + tc.want),
		})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: env.factories(), Steps: steps})
	for op, n := range env.Calls() {
		if strings.HasPrefix(op, "secretsmanager.") && op != "secretsmanager.DescribeSecret" {
			t.Errorf("%s was called %d times by plans that must fail before touching AWS", op, n)
		}
	}
}

func secretReplicaIn(env *testEnv, region, name string, check func(*secretsmanager.DescribeSecretOutput, error) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		return check(secretSM(env, region).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)}))
	}
}

func secretReplicaKey(want string) func(*secretsmanager.DescribeSecretOutput, error) error {
	return func(out *secretsmanager.DescribeSecretOutput, err error) error {
		if err != nil {
			return fmt.Errorf("replica: %w", err)
		}
		if aws.ToString(out.PrimaryRegion) != "us-east-1" || aws.ToString(out.KmsKeyId) != want {
			return fmt.Errorf("replica has primary region %q and key %q, want us-east-1 and %q", aws.ToString(out.PrimaryRegion), aws.ToString(out.KmsKeyId), want)
		}
		return nil
	}
}

func secretReplicaGone(out *secretsmanager.DescribeSecretOutput, err error) error {
	var nf *smtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return fmt.Errorf("replica still there: %v %v", out, err)
	}
	return nil
}

func TestAccSecretResource_replicas(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "payments/api-key"
	usw2Key, _ := secretNewKey(t, secretKMS(env, "us-west-2"))
	euKey, _ := secretNewKey(t, secretKMS(env, "eu-west-1"))
	cfg := func(replicas string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name                    = %q
  recovery_window_in_days = 0
%s
}
`, name, replicas)
	}
	usw2 := `
  replica {
    region = "us-west-2"
  }`
	usw2WithKey := fmt.Sprintf(`
  replica {
    region     = "us-west-2"
    kms_key_id = %q
  }`, usw2Key)
	eu := fmt.Sprintf(`
  replica {
    region     = "eu-west-1"
    kms_key_id = %q
  }`, euKey)
	update := []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)}
	empty := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(secretCheckDestroyed(env),
			secretReplicaIn(env, "us-west-2", name, secretReplicaGone), secretReplicaIn(env, "eu-west-1", name, secretReplicaGone)),
		Steps: []resource.TestStep{
			{
				Config: cfg(usw2),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "replica.#", "1"),
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "us-west-2", "status": "InSync"}),
					resource.TestCheckNoResourceAttr(secretAddr, "replica.0.kms_key_id"),
					secretReplicaIn(env, "us-west-2", name, secretReplicaKey("")),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: empty},
			},
			{
				// Adding a region leaves the other replica alone.
				PreConfig:        func() { env.resetCalls(t) },
				Config:           cfg(usw2 + eu),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "replica.#", "2"),
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "eu-west-1", "kms_key_id": euKey, "status": "InSync"}),
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "us-west-2", "status": "InSync"}),
					secretReplicaIn(env, "eu-west-1", name, secretReplicaKey(euKey)),
					func(s *terraform.State) error {
						calls := env.Calls()
						if calls["secretsmanager.RemoveRegionsFromReplication"] != 0 || calls["secretsmanager.ReplicateSecretToRegions"] != 1 {
							return fmt.Errorf("adding one replica made calls %v", calls)
						}
						return nil
					},
				),
			},
			{
				// A new key for a replica re-creates that replica only.
				PreConfig:        func() { env.resetCalls(t) },
				Config:           cfg(usw2WithKey + eu),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "us-west-2", "kms_key_id": usw2Key, "status": "InSync"}),
					secretReplicaIn(env, "us-west-2", name, secretReplicaKey(usw2Key)),
					secretReplicaIn(env, "eu-west-1", name, secretReplicaKey(euKey)),
				),
			},
			{
				// Replication of a new value fails in us-west-2 (its key is disabled): the
				// refreshed status is Failed, and the plan stays empty.
				PreConfig: func() {
					if _, err := secretKMS(env, "us-west-2").DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: aws.String(usw2Key)}); err != nil {
						t.Fatal(err)
					}
					if _, err := env.SM.PutSecretValue(t.Context(), &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String("v1")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg(usw2WithKey + eu),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: empty},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "us-west-2", "status": "Failed"}),
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "eu-west-1", "status": "InSync"}),
				),
			},
			{
				// A replica removed outside Terraform is put back.
				PreConfig: func() {
					if _, err := secretKMS(env, "us-west-2").EnableKey(t.Context(), &kms.EnableKeyInput{KeyId: aws.String(usw2Key)}); err != nil {
						t.Fatal(err)
					}
					if _, err := env.SM.RemoveRegionsFromReplication(t.Context(), &secretsmanager.RemoveRegionsFromReplicationInput{
						SecretId: aws.String(name), RemoveReplicaRegions: []string{"us-west-2"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg(usw2WithKey + eu),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "us-west-2", "kms_key_id": usw2Key, "status": "InSync"}),
					secretReplicaIn(env, "us-west-2", name, secretReplicaKey(usw2Key)),
				),
			},
			{
				Config: cfg(usw2WithKey + eu), ResourceName: secretAddr, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"},
			},
			{
				Config:           cfg(usw2WithKey),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "replica.#", "1"),
					secretReplicaIn(env, "eu-west-1", name, secretReplicaGone),
				),
			},
		},
	})
}

// A secret of the same name in a replica region makes that replica fail, with a warning;
// setting force_overwrite_replica_secret replaces it.
func TestAccSecretResource_forceOverwriteReplica(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "shared/token"
	if _, err := secretSM(env, "eu-west-1").CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	cfg := func(force bool) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name                           = %q
  recovery_window_in_days        = 0
  force_overwrite_replica_secret = %t
  replica {
    region = "eu-west-1"
  }
}
`, name, force)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg(false),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "eu-west-1", "status": "Failed"}),
					resource.TestMatchTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]*regexp.Regexp{"status_message": regexp.MustCompile("already exists")}),
				),
			},
			{
				Config:           cfg(true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs(secretAddr, "replica.*", map[string]string{"region": "eu-west-1", "status": "InSync"}),
					resource.TestCheckResourceAttr(secretAddr, "force_overwrite_replica_secret", "true"),
					secretReplicaIn(env, "eu-west-1", name, secretReplicaKey("")),
				),
			},
		},
	})
}

func TestAccSecretResource_defaultTags(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(defaults string) string {
		return env.providerConfig(defaults) + `
resource "secretsmanager_secret" "s" {
  name                    = "billing/stripe"
  recovery_window_in_days = 0
  tags = {
    owner   = "billing"
    service = "stripe"
  }
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg(`default_tags {
    tags = { env = "staging", owner = "platform" }
  }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags.%", "2"),
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "3"),
					resource.TestCheckResourceAttr(secretAddr, "tags_all.env", "staging"),
					resource.TestCheckResourceAttr(secretAddr, "tags_all.owner", "billing"), // the resource's own tag wins
					secretCheckAWS(env, secretAddr, secretWantTags(map[string]string{"env": "staging", "owner": "billing", "service": "stripe"})),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// A change of default_tags shows in the plan and reaches AWS.
				Config: cfg(`default_tags {
    tags = { env = "production", owner = "platform" }
  }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
							"env": knownvalue.StringExact("production"), "owner": knownvalue.StringExact("billing"), "service": knownvalue.StringExact("stripe"),
						})),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: secretCheckAWS(env, secretAddr, secretWantTags(map[string]string{"env": "production", "owner": "billing", "service": "stripe"})),
			},
			{
				Config: cfg(`default_tags {
    tags = { env = "production", owner = "platform" }
  }`),
				ResourceName: secretAddr, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"},
			},
			{
				Config:           cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "2"),
					secretCheckAWS(env, secretAddr, secretWantTags(map[string]string{"owner": "billing", "service": "stripe"})),
				),
			},
		},
	})
}

const secretPolicyReadOnly = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReadOnly"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })`

// The same document with other formatting, key order and one-element lists.
const secretPolicyReadOnlyReformatted = `<<-EOT
    {
      "Statement": [
        {
          "Resource": "*",
          "Action": ["secretsmanager:GetSecretValue"],
          "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
          "Effect": "Allow",
          "Sid": "ReadOnly"
        }
      ],
      "Version": "2012-10-17"
    }
  EOT`

const secretPolicyReadDescribe = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReadOnly"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource  = "*"
    }]
  })`

func secretAWSPolicy(env *testEnv, addr string, want string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		arn, err := stateAttr(s, addr, "arn")
		if err != nil {
			return err
		}
		out, err := env.SM.GetResourcePolicy(context.Background(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(arn)})
		if err != nil {
			return err
		}
		got := aws.ToString(out.ResourcePolicy)
		if (want == "") != (got == "") || (want != "" && !policiesEquivalent(got, want)) {
			return fmt.Errorf("policy in AWS is %s, want %s", got, want)
		}
		return nil
	}
}

func TestAccSecretResource_policy(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(policy string) string {
		body := ""
		if policy != "" {
			body = "  block_public_policy = true\n  policy = " + policy
		}
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name                    = "reports/warehouse"
  recovery_window_in_days = 0
%s
}
`, body)
	}
	readOnly := `{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	readDescribe := `{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*"}]}`
	update := []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate)}
	empty := []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config:           cfg(secretPolicyReadOnly),
				Check:            secretAWSPolicy(env, secretAddr, readOnly),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: empty},
			},
			{
				// Equivalent JSON: no diff, no call.
				PreConfig:        func() { env.resetCalls(t) },
				Config:           cfg(secretPolicyReadOnlyReformatted),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: empty, PostApplyPostRefresh: empty},
				Check: func(*terraform.State) error {
					if n := env.Calls()["secretsmanager.PutResourcePolicy"]; n != 0 {
						return fmt.Errorf("PutResourcePolicy called %d times for an equivalent policy", n)
					}
					return nil
				},
			},
			{
				// A policy changed outside Terraform is detected and put back.
				PreConfig: func() {
					if _, err := env.SM.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{
						SecretId: aws.String("reports/warehouse"), ResourcePolicy: aws.String(readDescribe)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg(secretPolicyReadOnlyReformatted),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check:            secretAWSPolicy(env, secretAddr, readOnly),
			},
			{
				Config:           cfg(secretPolicyReadDescribe),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check:            secretAWSPolicy(env, secretAddr, readDescribe),
			},
			{
				// Import leaves the policy to the configuration (it may belong to secretsmanager_secret_policy).
				Config: cfg(secretPolicyReadDescribe), ResourceName: secretAddr, ImportState: true, ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days", "policy", "block_public_policy"},
			},
			{
				Config:           cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: update, PostApplyPostRefresh: empty},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckNoResourceAttr(secretAddr, "policy"),
					secretAWSPolicy(env, secretAddr, ""),
				),
			},
		},
	})
}

// Changes made outside Terraform show in the next plan and the apply repairs them.
func TestAccSecretResource_drift(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = "crm/api"
	cfg := env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name                    = %q
  description             = "managed by terraform"
  recovery_window_in_days = 7
  tags = { team = "crm" }
}
`, name)
	var firstARN string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: cfg,
				Check: func(s *terraform.State) error {
					var err error
					firstARN, err = stateAttr(s, secretAddr, "arn")
					return err
				},
			},
			{
				PreConfig: func() {
					if _, err := env.SM.UpdateSecret(t.Context(), &secretsmanager.UpdateSecretInput{SecretId: aws.String(name), Description: aws.String("changed by hand")}); err != nil {
						t.Fatal(err)
					}
					if _, err := env.SM.TagResource(t.Context(), &secretsmanager.TagResourceInput{SecretId: aws.String(name),
						Tags: []smtypes.Tag{{Key: aws.String("extra"), Value: aws.String("x")}, {Key: aws.String("team"), Value: aws.String("other")}}}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(secretAddr, tfjsonpath.New("description"), knownvalue.StringExact("managed by terraform")),
				}},
				Check: secretCheckAWS(env, secretAddr, func(out *secretsmanager.DescribeSecretOutput) error {
					if d := aws.ToString(out.Description); d != "managed by terraform" {
						return fmt.Errorf("description in AWS is %q after the repair", d)
					}
					return secretWantTags(map[string]string{"team": "crm"})(out)
				}),
			},
			{
				// Deleted for good outside Terraform: created again.
				PreConfig: func() {
					if _, err := env.SM.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionCreate)}},
				Check: func(s *terraform.State) error {
					arn, err := stateAttr(s, secretAddr, "arn")
					if err == nil && arn == firstARN {
						err = fmt.Errorf("ARN %s did not change: the secret was not created again", arn)
					}
					return err
				},
			},
			{
				// Scheduled for deletion outside Terraform: the plan says how to get out.
				PreConfig: func() {
					if _, err := env.SM.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(name), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      cfg,
				ExpectError: regexp.MustCompile(`(?s)Secret name is scheduled for deletion.*restore-secret --secret-id crm/api`),
			},
		},
	})
}

// A refresh costs one DescribeSecret per secret; GetResourcePolicy only for a secret whose
// policy this resource manages.
func TestAccSecretResource_refreshCalls(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := env.providerConfig("") + `
resource "secretsmanager_secret" "plain" {
  count                   = 3
  name                    = "svc/plain-${count.index}"
  recovery_window_in_days = 0
  tags                    = { n = count.index }
  replica {
    region = "eu-west-1"
  }
}

resource "secretsmanager_secret" "with_policy" {
  name                    = "svc/with-policy"
  recovery_window_in_days = 0
  policy                  = ` + secretPolicyReadOnly + `
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig:    func() { env.resetCalls(t) },
				RefreshState: true,
				Check: env.expectSMCalls(map[string]int64{
					"DescribeSecret":    4,
					"GetResourcePolicy": 1,
				}),
			},
		},
	})
}

// Destroy removes the replicas first, then deletes with the recovery window (the secret can be
// restored) or without one (gone at once, within the delete timeout).
func TestAccSecretResource_destroy(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := env.providerConfig("") + `
resource "secretsmanager_secret" "kept" {
  name                    = "old/kept"
  recovery_window_in_days = 7
  replica {
    region = "eu-west-1"
  }
}

resource "secretsmanager_secret" "gone" {
  name                    = "old/gone"
  recovery_window_in_days = 0
  replica {
    region = "us-west-2"
  }
  timeouts {
    delete = "1m"
  }
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			secretCheckDestroyed(env),
			secretReplicaIn(env, "eu-west-1", "old/kept", secretReplicaGone),
			secretReplicaIn(env, "us-west-2", "old/gone", secretReplicaGone),
			func(*terraform.State) error {
				out, err := env.SM.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("old/kept")})
				if err != nil || out.DeletedDate == nil {
					return fmt.Errorf("old/kept should be scheduled for deletion: %v %v", out, err)
				}
				// Restorable, as promised.
				_, err = env.SM.RestoreSecret(context.Background(), &secretsmanager.RestoreSecretInput{SecretId: aws.String("old/kept")})
				return err
			},
		),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				// The recovery window is only in the state: changing it costs no call.
				PreConfig: func() { env.resetCalls(t) },
				Config:    strings.Replace(cfg, "recovery_window_in_days = 7", "recovery_window_in_days = 10", 1),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secretsmanager_secret.kept", "recovery_window_in_days", "10"),
					func(*terraform.State) error {
						for op, n := range env.Calls() {
							if n > 0 && op != "secretsmanager.DescribeSecret" && strings.HasPrefix(op, "secretsmanager.") {
								return fmt.Errorf("changing recovery_window_in_days called %s", op)
							}
						}
						return nil
					},
				),
			},
		},
	})
}

// The documentation's examples apply as written.
func TestAccSecretExamples(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	read := func(p string) string { return readExample(t, p) }
	res := env.providerConfig("") + read("resources/secretsmanager_secret/resource.tf")
	vars := config.Variables{"account_id": config.StringVariable("123456789012")}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             secretCheckDestroyed(env),
		Steps: []resource.TestStep{
			{
				Config: res, ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckTypeSetElemNestedAttrs("secretsmanager_secret.db", "replica.*", map[string]string{"region": "eu-west-1", "status": "InSync"}),
					secretAWSPolicy(env, "secretsmanager_secret.db", `{"Version":"2012-10-17","Statement":[{"Sid":"AppReads","Effect":"Allow",`+
						`"Principal":{"AWS":"arn:aws:iam::123456789012:role/orders-app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`),
				),
			},
			{
				Config:          res + read("data-sources/secretsmanager_secret/data-source.tf") + read("data-sources/secretsmanager_secrets/data-source.tf"),
				ConfigVariables: vars,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.secretsmanager_secret.db", "arn", "secretsmanager_secret.db", "arn"),
					resource.TestCheckResourceAttr("data.secretsmanager_secrets.orders", "names.#", "1"),
					resource.TestCheckResourceAttr("data.secretsmanager_secrets.orders", "names.0", "orders/prod/db"),
				),
			},
		},
	})
}

func TestSecretKMSKeysMatch(t *testing.T) {
	t.Parallel()
	const id = "1234abcd-12ab-34cd-56ef-1234567890ab"
	tests := []struct {
		a, b types.String
		want bool
	}{
		{types.StringNull(), types.StringNull(), true},
		{types.StringNull(), types.StringValue("alias/aws/secretsmanager"), true},
		{types.StringNull(), types.StringValue("arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager"), true},
		{types.StringValue(id), types.StringValue("arn:aws:kms:us-east-1:123456789012:key/" + id), true},
		{types.StringValue("alias/app"), types.StringValue("arn:aws:kms:us-east-1:123456789012:alias/app"), true},
		{types.StringValue(id), types.StringNull(), false},
		{types.StringValue("alias/app"), types.StringValue("alias/other"), false},
		{types.StringValue(id), types.StringValue("arn:aws:kms:us-east-1:123456789012:key/other"), false},
	}
	for _, tc := range tests {
		if got := secretKMSKeysMatch(tc.a, tc.b); got != tc.want {
			t.Errorf("secretKMSKeysMatch(%s, %s) = %t, want %t", tc.a, tc.b, got, tc.want)
		}
		if got := secretKMSKeysMatch(tc.b, tc.a); got != tc.want {
			t.Errorf("secretKMSKeysMatch(%s, %s) = %t, want %t", tc.b, tc.a, got, tc.want)
		}
	}
	// The state keeps the user's spelling of the same key, and null for the default key.
	if got := secretKMSFromAWS("arn:aws:kms:us-east-1:123456789012:key/"+id, types.StringValue(id)); got.ValueString() != id {
		t.Errorf("secretKMSFromAWS kept %s", got)
	}
	if got := secretKMSFromAWS("alias/aws/secretsmanager", types.StringNull()); !got.IsNull() {
		t.Errorf("secretKMSFromAWS of the default key is %s, want null", got)
	}
	if got := secretKMSFromAWS("alias/new", types.StringValue("alias/old")); got.ValueString() != "alias/new" {
		t.Errorf("secretKMSFromAWS hides a changed key: %s", got)
	}
}

func TestSecretGeneratedNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		name := secretUniqueName("app/")
		if seen[name] {
			t.Fatalf("duplicate generated name %s", name)
		}
		seen[name] = true
		if len(name) != len("app/")+secretGeneratedSuffixLen || !validators.SecretNameChars.MatchString(name) {
			t.Fatalf("generated name %q has the wrong form", name)
		}
		if p, ok := secretPrefixFromName(name); !ok || p != "app/" {
			t.Fatalf("prefix of %q: %q %t", name, p, ok)
		}
	}
	for _, name := range []string{"orders/db", "20250101120000000012345678", "x-20250101120000000z12345678"} {
		if p, ok := secretPrefixFromName(name); ok {
			t.Errorf("%q taken for a generated name with prefix %q", name, p)
		}
	}
}
