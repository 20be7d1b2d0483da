package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// Bugs a team moving from hashicorp/aws hits (issue 13), each through the real terraform CLI.

// A tag whose value is only known after apply (here a key id) must plan, on both taggable
// resources, and reach AWS.
func TestAccTags_unknownValue(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := env.providerConfig(`default_tags { tags = { team = "core" } }`) + `
resource "secretsmanager_kms_key" "k" {
  deletion_window_in_days = 7
}
resource "secretsmanager_kms_key" "k2" {
  deletion_window_in_days = 7
  tags = { encrypts_with = secretsmanager_kms_key.k.key_id }
}
resource "secretsmanager_secret" "s" {
  name                    = "app/unknown-tag"
  recovery_window_in_days = 0
  tags = { key = secretsmanager_kms_key.k.key_id, owner = "me" }
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectUnknownValue(secretAddr, tfjsonpath.New("tags_all").AtMapKey("key")),
			}},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttrPair(secretAddr, "tags.key", "secretsmanager_kms_key.k", "key_id"),
				resource.TestCheckResourceAttrPair(secretAddr, "tags_all.key", "secretsmanager_kms_key.k", "key_id"),
				resource.TestCheckResourceAttr(secretAddr, "tags_all.team", "core"),
				resource.TestCheckResourceAttrPair("secretsmanager_kms_key.k2", "tags_all.encrypts_with", "secretsmanager_kms_key.k", "key_id"),
				func(s *terraform.State) error {
					keyID, err := stateAttr(s, "secretsmanager_kms_key.k", "key_id")
					if err != nil {
						return err
					}
					if err := secretCheckAWS(env, secretAddr, secretWantTags(map[string]string{"key": keyID, "owner": "me", "team": "core"}))(s); err != nil {
						return err
					}
					k2, err := stateAttr(s, "secretsmanager_kms_key.k2", "key_id")
					if err != nil {
						return err
					}
					tags, err := kmsTagsOf(context.Background(), env, k2)
					if err != nil {
						return err
					}
					if tags["encrypts_with"] != keyID || tags["team"] != "core" {
						return fmt.Errorf("tags of key k2 in AWS are %v, want encrypts_with=%s and team=core", tags, keyID)
					}
					return nil
				},
			),
		}},
	})
}

// A secret RDS owns carries aws: tags that only AWS may set or remove. Importing it must
// give a clean plan, and changing its own tags must never try to untag the aws: ones.
func TestAccSecretResource_awsReservedTags(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	if err := env.Control.RegisterDBInstance(t.Context(), emulator.DBInstance{
		Identifier: "orders", Engine: "postgres", Address: "127.0.0.1", Port: 5432,
		MasterUsername: "master", MasterUserPassword: "rds-owned-password",
	}); err != nil {
		t.Fatal(err)
	}
	list, err := env.SM.ListSecrets(t.Context(), &secretsmanager.ListSecretsInput{})
	if err != nil || len(list.SecretList) != 1 {
		t.Fatalf("ListSecrets: %v, %d secrets; want the one RDS made", err, len(list.SecretList))
	}
	arn := aws.ToString(list.SecretList[0].ARN)
	reserved := map[string]string{}
	for _, tag := range list.SecretList[0].Tags {
		reserved[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if len(reserved) != 2 {
		t.Fatalf("the RDS secret has tags %v, want two aws: tags", reserved)
	}
	cfg := func(tags string) string {
		// No name: the validator refuses the "rds!" names only AWS services may create.
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  tags = %s
}
`, tags)
	}
	wantAWS := func(own map[string]string) resource.TestCheckFunc {
		want := map[string]string{}
		for k, v := range reserved {
			want[k] = v
		}
		for k, v := range own {
			want[k] = v
		}
		return secretCheckAWS(env, secretAddr, secretWantTags(want))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				// Importing with the configuration as it is must plan nothing.
				Config: cfg(`null`) + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", secretAddr, arn),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "0"),
					wantAWS(nil),
				),
			},
			{
				Config: cfg(`{ team = "data" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags.%", "1"),
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "1"),
					wantAWS(map[string]string{"team": "data"}),
				),
			},
			{
				Config: cfg(`{ owner = "dba" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "1"),
					wantAWS(map[string]string{"owner": "dba"}),
				),
			},
			{
				// Forget the secret rather than delete RDS's secret.
				Config: env.providerConfig("") + fmt.Sprintf("removed {\n  from = %s\n  lifecycle { destroy = false }\n}\n", secretAddr),
			},
		},
	})
}

// Importing a rotation by the secret's name, with a configuration naming the secret by
// ARN (the usual secretsmanager_secret.x.arn), must neither replace it nor rotate.
func TestAccSecretRotationResource_importByName(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	_, fn := registerRotator(env, "rotate-import")
	const name = "app/rotation-import"
	arn := env.CreateSecret(name, "v1")
	if _, err := env.SM.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn), RotateImmediately: aws.Bool(false),
		RotationRules: rotationRulesDays(30),
	}); err != nil {
		t.Fatal(err)
	}
	// Without RotateImmediately, AWS tests the function (testSecret) once; wait for that.
	env.WaitRotated(arn, 1)
	current := emulatortest.Holder(env.Stages(arn), "AWSCURRENT")
	cfg := func(secretID string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_rotation" "r" {
  secret_id           = %q
  rotation_lambda_arn = %q
  rotate_immediately  = true
  rotation_rules {
    automatically_after_days = 30
  }
}
`, secretID, fn)
	}
	const addr = "secretsmanager_secret_rotation.r"
	noRotation := func(*terraform.State) error {
		if n := len(env.Finished(arn)); n != 1 {
			return fmt.Errorf("%d rotations ran besides the first test of the function; importing must not rotate", n-1)
		}
		if now := emulatortest.Holder(env.Stages(arn), "AWSCURRENT"); now != current {
			return fmt.Errorf("AWSCURRENT moved from %s to %s; importing must not rotate", current, now)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(arn) + fmt.Sprintf("\nimport {\n  to = %s\n  id = %q\n}\n", addr, name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "secret_id", arn),
					resource.TestCheckResourceAttr(addr, "id", arn),
					noRotation,
				),
			},
			{
				// Naming the same secret by its name instead is no replacement either.
				Config: cfg(name),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "secret_id", name),
					noRotation,
				),
			},
		},
	})
}

// A policy rewritten in an equivalent form ("x" versus ["x"], key order) plans no change on
// secretsmanager_secret_policy, as on secretsmanager_secret.policy.
func TestAccSecretPolicyResource_equivalentRewriteNoDiff(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(action string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name                    = "app/policy-rewrite"
  recovery_window_in_days = 0
}
resource "secretsmanager_secret_policy" "p" {
  secret_arn = secretsmanager_secret.s.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = %s
      Resource  = "*"
    }]
  })
}
`, action)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg(`"secretsmanager:GetSecretValue"`)},
			{
				Config: cfg(`["secretsmanager:GetSecretValue"]`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
		},
	})
}

// After an import the plan is clean: the secret's policy is read, an alias made from
// name_prefix keeps its prefix, and a key's description is AWS's when unset.
func TestAccImport_cleanPlans(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name   = "app/import-policy"
  policy = %q
}
resource "secretsmanager_kms_key" "k" {
  description = "imported key"
}
resource "secretsmanager_kms_alias" "a" {
  name_prefix   = "alias/app-"
  target_key_id = secretsmanager_kms_key.k.key_id
}
`, policy),
			},
			{ResourceName: secretAddr, ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{ResourceName: "secretsmanager_kms_alias.a", ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{ResourceName: "secretsmanager_kms_key.k", ImportState: true, ImportStateKind: resource.ImportBlockWithID},
			{
				// Removing description from the configuration leaves the key's as it is.
				Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name   = "app/import-policy"
  policy = %q
}
resource "secretsmanager_kms_key" "k" {
}
resource "secretsmanager_kms_alias" "a" {
  name_prefix   = "alias/app-"
  target_key_id = secretsmanager_kms_key.k.key_id
}
`, policy),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("secretsmanager_kms_key.k", "description", "imported key"),
					kmsCheckKey(env, "secretsmanager_kms_key.k", func(ctx context.Context, keyID string) error {
						md, err := kmsDescribe(ctx, env, keyID)
						if err != nil {
							return err
						}
						if d := aws.ToString(md.Description); d != "imported key" {
							return fmt.Errorf("description in KMS is %q, want it kept", d)
						}
						return nil
					}),
				),
			},
		},
	})
}

// Importing a secret whose policy another resource manages must not take the policy over:
// the secret's plan stays clean, and a later change of the secret leaves the policy alone.
func TestAccSecretResource_importLeavesPolicyResourceAlone(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	arn := env.CreateSecret("app/import-policy-owner", "v")
	if _, err := env.SM.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	cfg := func(tags string) string {
		return env.providerConfig("") + fmt.Sprintf(`
import {
  to = secretsmanager_secret.s
  id = %[1]q
}
import {
  to = secretsmanager_secret_policy.p
  id = %[1]q
}
resource "secretsmanager_secret" "s" {
  name = "app/import-policy-owner"
  tags = %[2]s
}
resource "secretsmanager_secret_policy" "p" {
  secret_arn = secretsmanager_secret.s.arn
  policy     = %[3]q
}
`, arn, tags, doc)
	}
	policyKept := func(*terraform.State) error {
		out, err := env.SM.GetResourcePolicy(context.Background(), &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(arn)})
		if err != nil || !policiesEquivalent(aws.ToString(out.ResourcePolicy), doc) {
			return fmt.Errorf("the policy of %s is not kept: %v %v", arn, out, err)
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(`null`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("secretsmanager_secret_policy.p", plancheck.ResourceActionNoop),
				}},
				Check: policyKept,
			},
			{Config: cfg(`{ team = "a" }`), Check: policyKept},
		},
	})
}

// A principal created in the same apply is not yet known to IAM: AWS answers
// MalformedPolicyDocumentException for a while. The provider retries that, within a budget.
func TestAccPolicies_retryWhileIAMPropagates(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := env.providerConfig("") + `
resource "secretsmanager_secret" "s" {
  name                    = "app/iam-propagation"
  recovery_window_in_days = 0
}
resource "secretsmanager_secret_policy" "p" {
  secret_arn = secretsmanager_secret.s.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/new" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
resource "secretsmanager_secret" "inline" {
  name                    = "app/iam-propagation-inline"
  recovery_window_in_days = 0
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/new" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
resource "secretsmanager_kms_key" "k" {
  deletion_window_in_days = 7
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "root", Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
  })
}
`
	malformed := func(op string, n int) emulator.Fault {
		return emulator.Fault{Operation: op, Count: n, ErrorCode: "MalformedPolicyDocumentException",
			Message: "This resource policy contains an unsupported principal."}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(propagationRetry{Timeout: time.Minute, Backoff: 5 * time.Millisecond}),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					env.InjectFault(malformed("secretsmanager.PutResourcePolicy", 6))
					env.InjectFault(malformed("kms.CreateKey", 3))
				},
				Config: cfg,
				Check: func(*terraform.State) error {
					calls := env.Calls()
					if n := calls["secretsmanager.PutResourcePolicy"]; n != 8 {
						return fmt.Errorf("PutResourcePolicy called %d times, want 6 refused + 2 accepted", n)
					}
					if n := calls["kms.CreateKey"]; n != 4 {
						return fmt.Errorf("CreateKey called %d times, want 3 refused + 1 accepted", n)
					}
					return nil
				},
			},
			{
				// A key policy change goes through PutKeyPolicy, retried the same way.
				PreConfig: func() { env.InjectFault(malformed("kms.PutKeyPolicy", 4)) },
				Config:    strings.Replace(cfg, `Sid = "root"`, `Sid = "account"`, 1),
				Check: func(*terraform.State) error {
					if n := env.Calls()["kms.PutKeyPolicy"]; n != 5 {
						return fmt.Errorf("PutKeyPolicy called %d times, want 4 refused + 1 accepted", n)
					}
					return nil
				},
			},
		},
	})
}

// The retry is bounded: a policy AWS keeps refusing fails with AWS's message and what to do.
func TestAccPolicies_retryBudgetExhausted(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(propagationRetry{Timeout: 300 * time.Millisecond, Backoff: 5 * time.Millisecond}),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + `
resource "secretsmanager_secret" "s" {
  name                    = "app/iam-never"
  recovery_window_in_days = 0
}
resource "secretsmanager_secret_policy" "p" {
  secret_arn = secretsmanager_secret.s.arn
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/missing" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })
}
`,
				PreConfig: func() {
					env.InjectFault(emulator.Fault{Operation: "secretsmanager.PutResourcePolicy", Count: 1 << 20,
						ErrorCode: "MalformedPolicyDocumentException", Message: "This resource policy contains an unsupported principal."})
				},
				ExpectError: regexp.MustCompile(`(?s)unsupported principal.*still refused after retrying`),
			},
			{
				PreConfig: func() {
					if err := env.Control.ClearFaults(t.Context()); err != nil {
						t.Fatal(err)
					}
				},
				Config: env.providerConfig("") + `
resource "secretsmanager_secret" "s" {
  name                    = "app/iam-never"
  recovery_window_in_days = 0
}
`,
			},
		},
	})
}

func rotationRulesDays(n int64) *smtypes.RotationRulesType {
	return &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(n)}
}

// Two secretsmanager_secret_policy resources on one secret overwrite each other. Terraform
// shows a resource nothing of the others, so the plan cannot name the other one; it says
// what it sees, when it sees it: a different policy already on the secret at create, and a
// policy changed since the last apply afterwards.
func TestAccSecretPolicyResource_twoOwnersWarned(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs the terraform CLI")
	}
	env := newTestEnv(t)
	arn := env.CreateSecret("app/two-policies", "v")
	policy := func(role string) string {
		return fmt.Sprintf(`jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:role/%s" }, Action = "secretsmanager:GetSecretValue", Resource = "*" }]
  })`, role)
	}
	tf := newCLITerraform(t, false)
	tf.write("main.tf", env.providerConfig("")+fmt.Sprintf(`
resource "secretsmanager_secret_policy" "a" {
  secret_arn = %[1]q
  policy     = %[2]s
}
`, arn, policy("a")))
	tf.run("apply", "-input=false", "-auto-approve")
	if strings.Contains(tf.lastOut, "Warning") {
		t.Fatalf("warning on the first policy of a secret:\n%s", tf.lastOut)
	}
	tf.write("main.tf", env.providerConfig("")+fmt.Sprintf(`
resource "secretsmanager_secret_policy" "a" {
  secret_arn = %[1]q
  policy     = %[2]s
}
resource "secretsmanager_secret_policy" "b" {
  secret_arn = %[1]q
  policy     = %[3]s
}
`, arn, policy("a"), policy("b")))
	tf.run("apply", "-input=false", "-auto-approve")
	if !regexp.MustCompile(`Warning: Secret already has another resource policy(.|\n)*secretsmanager_secret_policy.b`).MatchString(tf.lastOut) {
		t.Fatalf("no warning when a second policy resource takes the secret:\n%s", tf.lastOut)
	}
	tf.run("plan", "-input=false")
	if !regexp.MustCompile(`Warning: Secret policy changed since the last apply(.|\n)*secretsmanager_secret_policy.a`).MatchString(tf.lastOut) {
		t.Fatalf("no warning on the next plan, where the two fight:\n%s", tf.lastOut)
	}
}
