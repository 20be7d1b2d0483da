package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// regionSecretExists checks where a secret lives: in want and not in the provider's region.
func regionSecretIn(env *testEnv, region, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := secretSM(env, region).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			return fmt.Errorf("secret %s in %s: %w", name, region, err)
		}
		if out.DeletedDate != nil {
			return fmt.Errorf("secret %s in %s is scheduled for deletion", name, region)
		}
		return nil
	}
}

// regionSecretNotIn checks that no live secret of that name is in region.
func regionSecretNotIn(env *testEnv, region, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := secretSM(env, region).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		var nf *smtypes.ResourceNotFoundException
		if errors.As(err, &nf) || (err == nil && out.DeletedDate != nil) {
			return nil
		}
		return fmt.Errorf("secret %s is in %s: %v %v", name, region, out, err)
	}
}

// One provider configuration manages secrets in two regions; data sources read each back with
// region; an import takes ID@REGION; a changed region replaces, a removed one keeps the state's.
func TestAccRegion_secrets(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(awayRegion string) string {
		region := ""
		if awayRegion != "" {
			region = fmt.Sprintf("region = %q", awayRegion)
		}
		dataRegion := awayRegion
		if dataRegion == "" {
			dataRegion = "us-west-2"
		}
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "home" {
  name = "region/home"
}
resource "secretsmanager_secret_version" "home" {
  secret_id     = secretsmanager_secret.home.arn
  secret_string = "home-value-Hq3"
}
resource "secretsmanager_secret" "away" {
  name = "region/away"
  %[1]s
}
resource "secretsmanager_secret_version" "away" {
  secret_id     = secretsmanager_secret.away.arn
  secret_string = "away-value-Rt7"
  %[1]s
}
data "secretsmanager_secret" "home" {
  name = secretsmanager_secret.home.name
}
data "secretsmanager_secret" "away" {
  name   = secretsmanager_secret.away.name
  region = %[2]q
}
data "secretsmanager_secret_version" "away" {
  secret_id  = secretsmanager_secret_version.away.secret_id
  region     = %[2]q
}
data "secretsmanager_secrets" "away" {
  region = %[2]q
  filter {
    name   = "name"
    values = ["region/"]
  }
  depends_on = [secretsmanager_secret.away]
}
`, region, dataRegion)
	}
	const home, away = "secretsmanager_secret.home", "secretsmanager_secret.away"
	var awayVersion string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg("eu-west-1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(home, "region", "us-east-1"),
					resource.TestMatchResourceAttr(home, "arn", regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:`)),
					resource.TestCheckResourceAttr(away, "region", "eu-west-1"),
					resource.TestMatchResourceAttr(away, "arn", regexp.MustCompile(`^arn:aws:secretsmanager:eu-west-1:`)),
					resource.TestCheckResourceAttr("secretsmanager_secret_version.away", "region", "eu-west-1"),
					resource.TestCheckResourceAttr("secretsmanager_secret_version.home", "region", "us-east-1"),
					regionSecretIn(env, "eu-west-1", "region/away"),
					regionSecretNotIn(env, "us-east-1", "region/away"),
					regionSecretIn(env, "us-east-1", "region/home"),
					regionSecretNotIn(env, "eu-west-1", "region/home"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret.home", "region", "us-east-1"),
					resource.TestCheckResourceAttrPair("data.secretsmanager_secret.home", "arn", home, "arn"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret.away", "region", "eu-west-1"),
					resource.TestCheckResourceAttrPair("data.secretsmanager_secret.away", "arn", away, "arn"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_version.away", "secret_string", "away-value-Rt7"),
					resource.TestCheckResourceAttr("data.secretsmanager_secrets.away", "names.#", "1"),
					resource.TestCheckResourceAttr("data.secretsmanager_secrets.away", "names.0", "region/away"),
					captureAttr("secretsmanager_secret_version.away", "version_id", &awayVersion),
				),
			},
			{
				// ID@REGION imports from that region.
				Config:                  cfg("eu-west-1"),
				ResourceName:            away,
				ImportState:             true,
				ImportStateId:           "region/away@eu-west-1",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"recovery_window_in_days"},
			},
			{
				// An ARN names its region.
				Config:       cfg("eu-west-1"),
				ResourceName: "secretsmanager_secret_version.away",
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return stateAttr(s, "secretsmanager_secret_version.away", "id")
				},
				ImportStateVerify: true,
				// Import never reads the value (see the resource's description).
				ImportStateVerifyIgnore: []string{"secret_string", "has_secret_string_wo"},
			},
			{
				// A changed region is another secret: replaced.
				Config: cfg("us-west-2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(away, plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction("secretsmanager_secret_version.away", plancheck.ResourceActionDestroyBeforeCreate),
						plancheck.ExpectResourceAction(home, plancheck.ResourceActionNoop),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(away, "region", "us-west-2"),
					resource.TestMatchResourceAttr(away, "arn", regexp.MustCompile(`^arn:aws:secretsmanager:us-west-2:`)),
					regionSecretIn(env, "us-west-2", "region/away"),
					regionSecretNotIn(env, "eu-west-1", "region/away"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_version.away", "secret_string", "away-value-Rt7"),
				),
			},
			{
				// Removing region keeps the one in state: no change.
				Config: cfg(""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(away, "region", "us-west-2"),
					resource.TestCheckResourceAttr("secretsmanager_secret_version.away", "region", "us-west-2"),
				),
			},
		},
	})
}

// The KMS key and alias, the policy and the rotation of a secret, and the KMS, rotation and
// random password data sources and the ephemeral resources work in another region.
func TestAccRegion_keysPolicyRotation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const region = "eu-west-1"
	rot := &testRotator{sm: secretSM(env, region)}
	fn := env.Server.RegisterHandler("rotate-eu", rot.handle, emulator.FunctionConfig{Timeout: 10 * time.Second, Region: region})
	if !strings.Contains(fn, ":"+region+":") {
		t.Fatalf("function ARN %s is not in %s", fn, region)
	}
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	config := env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  region      = %[1]q
  description = "eu key"
}
resource "secretsmanager_kms_alias" "a" {
  region        = %[1]q
  name          = "alias/eu-secrets"
  target_key_id = secretsmanager_kms_key.k.key_id
}
resource "secretsmanager_secret" "s" {
  region     = %[1]q
  name       = "region/rotated"
  kms_key_id = secretsmanager_kms_key.k.arn
}
resource "secretsmanager_secret_version" "v" {
  region        = %[1]q
  secret_id     = secretsmanager_secret.s.arn
  secret_string = "rotated-start-Pw2"
}
resource "secretsmanager_secret_policy" "p" {
  region     = %[1]q
  secret_arn = secretsmanager_secret.s.arn
  policy     = %[2]q
}
resource "secretsmanager_secret_rotation" "r" {
  region              = %[1]q
  secret_id           = secretsmanager_secret_version.v.secret_id
  rotation_lambda_arn = %[3]q
  rotate_immediately  = false
  rotation_rules {
    automatically_after_days = 30
  }
}
data "secretsmanager_kms_key" "k" {
  region = %[1]q
  key_id = secretsmanager_kms_alias.a.name
}
data "secretsmanager_kms_alias" "a" {
  region = %[1]q
  name   = secretsmanager_kms_alias.a.name
}
data "secretsmanager_secret_rotation" "r" {
  region    = %[1]q
  secret_id = secretsmanager_secret_rotation.r.secret_id
}
data "secretsmanager_random_password" "p" {
  region          = %[1]q
  password_length = 20
}
ephemeral "secretsmanager_secret_version" "e" {
  region    = %[1]q
  secret_id = secretsmanager_secret_version.v.secret_id
}
ephemeral "secretsmanager_random_password" "e" {
  region = %[1]q
}
resource "secretsmanager_secret" "copy" {
  name = "region/copy"
}
resource "secretsmanager_secret_version" "copy" {
  secret_id                = secretsmanager_secret.copy.arn
  secret_string_wo         = "${ephemeral.secretsmanager_secret_version.e.secret_string}/${length(ephemeral.secretsmanager_random_password.e.random_password)}"
  secret_string_wo_version = 1
}
`, region, policy, fn)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("secretsmanager_kms_key.k", "arn", regexp.MustCompile(`^arn:aws:kms:eu-west-1:`)),
					resource.TestCheckResourceAttr("secretsmanager_kms_alias.a", "region", region),
					resource.TestCheckResourceAttr("secretsmanager_secret_policy.p", "region", region),
					resource.TestCheckResourceAttr("secretsmanager_secret_rotation.r", "region", region),
					resource.TestCheckResourceAttr("secretsmanager_secret_rotation.r", "rotation_enabled", "true"),
					resource.TestCheckResourceAttrPair("data.secretsmanager_kms_key.k", "arn", "secretsmanager_kms_key.k", "arn"),
					resource.TestCheckResourceAttrPair("data.secretsmanager_kms_alias.a", "target_key_arn", "secretsmanager_kms_key.k", "arn"),
					resource.TestCheckResourceAttr("data.secretsmanager_secret_rotation.r", "rotation_enabled", "true"),
					resource.TestCheckResourceAttr("data.secretsmanager_random_password.p", "region", region),
					resource.TestCheckResourceAttr("data.secretsmanager_random_password.p", "id", region),
					func(s *terraform.State) error {
						ctx := context.Background()
						keyID, err := stateAttr(s, "secretsmanager_kms_key.k", "key_id")
						if err != nil {
							return err
						}
						if _, err := env.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)}); err == nil {
							return fmt.Errorf("key %s is in us-east-1 too", keyID)
						}
						out, err := secretSM(env, region).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("region/rotated")})
						if err != nil || !aws.ToBool(out.RotationEnabled) || !strings.HasSuffix(aws.ToString(out.KmsKeyId), keyID) {
							return fmt.Errorf("eu secret: %v %+v", err, out)
						}
						pol, err := secretSM(env, region).GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String("region/rotated")})
						if err != nil || !policiesEquivalent(aws.ToString(pol.ResourcePolicy), policy) {
							return fmt.Errorf("eu policy: %v %v", err, pol)
						}
						// The ephemeral resources read and generated in eu-west-1.
						if got := env.Value("region/copy", ""); got != "rotated-start-Pw2/32" {
							return fmt.Errorf("copied value %q, want the eu secret's value and a 32-character password", got)
						}
						return nil
					},
				),
			},
			{
				// A key ARN names its region.
				Config:                  config,
				ResourceName:            "secretsmanager_kms_key.k",
				ImportState:             true,
				ImportStateIdFunc:       func(s *terraform.State) (string, error) { return stateAttr(s, "secretsmanager_kms_key.k", "arn") },
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"deletion_window_in_days", "bypass_policy_lockout_safety_check"},
			},
			{
				Config:            config,
				ResourceName:      "secretsmanager_kms_alias.a",
				ImportState:       true,
				ImportStateId:     "alias/eu-secrets@" + region,
				ImportStateVerify: true,
			},
			{
				Config:                  config,
				ResourceName:            "secretsmanager_secret_rotation.r",
				ImportState:             true,
				ImportStateId:           "region/rotated@" + region,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"rotate_immediately"},
			},
			{
				Config:            config,
				ResourceName:      "secretsmanager_secret_policy.p",
				ImportState:       true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) { return stateAttr(s, "secretsmanager_secret.s", "arn") },
				ImportStateVerify: true,
			},
		},
	})
}

// An import ID whose @REGION contradicts its ARN is refused with the fix.
func TestAccRegion_importConflict(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config:        env.providerConfig("") + `resource "secretsmanager_secret" "s" { name = "region/conflict" }`,
			ResourceName:  "secretsmanager_secret.s",
			ImportState:   true,
			ImportStateId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:region/conflict-AbCdEf@us-west-2",
			ExpectError:   regexp.MustCompile(`(?s)ARN of region eu-west-1 but ends in @us-west-2`),
		}},
	})
}

// A moved block from hashicorp/aws v6 carries the region of the source state over: the
// object is found in its region, nothing is replaced, and the region stays in state.
func TestAccRegion_movedFromHashicorpAWS(t *testing.T) {
	t.Parallel()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	env := newTestEnv(t)
	ctx := t.Context()
	const region = "eu-west-1"
	key, err := secretKMS(env, region).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("eu key")})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := aws.ToString(key.KeyMetadata.KeyId), aws.ToString(key.KeyMetadata.Arn)
	pol, err := secretKMS(env, region).GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := secretSM(env, region).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/eu"), KmsKeyId: aws.String(keyARN)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(sec.ARN)
	tf := newMoveTerraform(t)
	tf.write("terraform.tfstate", awsState(t, map[string]map[string]any{
		"aws_kms_key.k": {"id": keyID, "arn": keyARN, "key_id": keyID, "description": "eu key", "key_usage": "ENCRYPT_DECRYPT",
			"customer_master_key_spec": "SYMMETRIC_DEFAULT", "policy": aws.ToString(pol.Policy), "bypass_policy_lockout_safety_check": false,
			"enable_key_rotation": false, "is_enabled": true, "multi_region": false, "deletion_window_in_days": 30, "rotation_period_in_days": 0,
			"custom_key_store_id": "", "xks_key_id": "", "region": region, "tags": map[string]any{}, "tags_all": map[string]any{}},
		"aws_secretsmanager_secret.s": {"id": arn, "arn": arn, "name": "app/eu", "name_prefix": "", "description": "",
			"kms_key_id": keyARN, "policy": "", "recovery_window_in_days": 30, "force_overwrite_replica_secret": false,
			"region": region, "tags": map[string]any{}, "tags_all": map[string]any{}},
	}))
	// The key names its region; the secret leaves it out and keeps the one in state.
	tf.write("main.tf", env.providerConfig("")+fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  region      = %[1]q
  description = "eu key"
}
resource "secretsmanager_secret" "s" {
  name       = "app/eu"
  kms_key_id = secretsmanager_kms_key.k.arn
}
moved {
  from = aws_kms_key.k
  to   = secretsmanager_kms_key.k
}
moved {
  from = aws_secretsmanager_secret.s
  to   = secretsmanager_secret.s
}
`, region))
	if code := tf.run("plan", "-input=false", "-out=move.tfplan", "-detailed-exitcode"); code != 2 {
		t.Fatalf("plan of the move has no changes (want the moves):\n%s", tf.lastOut)
	}
	if strings.Contains(tf.lastOut, "must be replaced") || strings.Contains(tf.lastOut, "will be created") || strings.Contains(tf.lastOut, "will be destroyed") {
		t.Fatalf("the move replaces, creates or destroys:\n%s", tf.lastOut)
	}
	tf.run("apply", "-input=false", "move.tfplan")
	if code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("plan after the move is not empty:\n%s", tf.lastOut)
	}
	state, err := os.ReadFile(filepath.Join(tf.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(state), `"region": "eu-west-1"`); n != 2 {
		t.Fatalf("%d objects of the state are in eu-west-1, want the key and the secret:\n%s", n, state)
	}
	if _, err := secretSM(env, region).DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)}); err != nil {
		t.Fatalf("the moved secret is gone from %s: %v", region, err)
	}
}
