package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

const kmsKeyAddr = "secretsmanager_kms_key.k"

// kmsErrRe matches the phrases in order in an error as Terraform prints it, which wraps
// long lines anywhere a space was.
func kmsErrRe(phrases ...string) *regexp.Regexp {
	parts := make([]string, len(phrases))
	for i, p := range phrases {
		parts[i] = strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\s+`)
	}
	return regexp.MustCompile(`(?s)` + strings.Join(parts, ".*"))
}

func kmsManyTags(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  t%d = \"v\"\n", i)
	}
	return b.String()
}

// kmsCheckKey checks the key behind addr through the SDK, as AWS holds it.
func kmsCheckKey(env *testEnv, addr string, check func(ctx context.Context, keyID string) error) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		id, err := stateAttr(s, addr, "key_id")
		if err != nil {
			return err
		}
		return check(context.Background(), id)
	}
}

func kmsDescribe(ctx context.Context, env *testEnv, keyID string) (*kmstypes.KeyMetadata, error) {
	out, err := env.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, err
	}
	return out.KeyMetadata, nil
}

func kmsTagsOf(ctx context.Context, env *testEnv, keyID string) (map[string]string, error) {
	out, err := env.KMS.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, t := range out.Tags {
		m[aws.ToString(t.TagKey)] = aws.ToString(t.TagValue)
	}
	return m, nil
}

// kmsCheckAll is the state of a key as KMS holds it, compared field by field.
type kmsWant struct {
	description string
	enabled     bool
	rotation    bool
	period      int32
	tags        map[string]string
	policySid   string
}

func kmsCheckRemote(env *testEnv, addr string, w kmsWant) resource.TestCheckFunc {
	return kmsCheckKey(env, addr, func(ctx context.Context, id string) error {
		md, err := kmsDescribe(ctx, env, id)
		if err != nil {
			return err
		}
		if aws.ToString(md.Description) != w.description {
			return fmt.Errorf("description %q, want %q", aws.ToString(md.Description), w.description)
		}
		if want := map[bool]kmstypes.KeyState{true: kmstypes.KeyStateEnabled, false: kmstypes.KeyStateDisabled}[w.enabled]; md.KeyState != want {
			return fmt.Errorf("key state %s, want %s", md.KeyState, want)
		}
		rot, err := env.KMS.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(id)})
		if err != nil {
			return err
		}
		if rot.KeyRotationEnabled != w.rotation || (w.rotation && aws.ToInt32(rot.RotationPeriodInDays) != w.period) {
			return fmt.Errorf("rotation %v every %d days, want %v every %d", rot.KeyRotationEnabled, aws.ToInt32(rot.RotationPeriodInDays), w.rotation, w.period)
		}
		tags, err := kmsTagsOf(ctx, env, id)
		if err != nil {
			return err
		}
		if w.tags == nil {
			w.tags = map[string]string{}
		}
		if !maps.Equal(tags, w.tags) {
			return fmt.Errorf("tags %v, want %v", tags, w.tags)
		}
		pol, err := env.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id)})
		if err != nil {
			return err
		}
		if !strings.Contains(aws.ToString(pol.Policy), w.policySid) {
			return fmt.Errorf("policy %s lacks %q", aws.ToString(pol.Policy), w.policySid)
		}
		return nil
	})
}

// kmsCheckDestroyed checks that every key of the state is pending deletion after the
// window given.
func kmsCheckDestroyed(env *testEnv, windowDays int) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		ctx := context.Background()
		n := 0
		for addr, rs := range s.RootModule().Resources {
			if rs.Type != "secretsmanager_kms_key" || strings.HasPrefix(addr, "data.") {
				continue
			}
			n++
			md, err := kmsDescribe(ctx, env, rs.Primary.Attributes["key_id"])
			if err != nil {
				return err
			}
			if md.KeyState != kmstypes.KeyStatePendingDeletion {
				return fmt.Errorf("key %s is %s after destroy, want PendingDeletion", aws.ToString(md.KeyId), md.KeyState)
			}
			want := time.Now().AddDate(0, 0, windowDays)
			if md.DeletionDate == nil || md.DeletionDate.Sub(want).Abs() > time.Hour {
				return fmt.Errorf("key %s is deleted on %v, want about %v (%d days)", aws.ToString(md.KeyId), md.DeletionDate, want, windowDays)
			}
		}
		if n == 0 {
			return errors.New("no key in the state to check")
		}
		return nil
	}
}

const kmsCustomPolicy = `{
  "Version": "2012-10-17",
  "Id": "custom",
  "Statement": [
    {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}, "Action": ["kms:Decrypt"], "Resource": "*"}
  ]
}`

// kmsCustomPolicyReordered is kmsCustomPolicy with other key order, spacing and ["x"] for "x".
const kmsCustomPolicyReordered = `{"Statement":[{"Resource":"*","Action":["kms:*"],"Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Effect":"Allow","Sid":"Root"},
{"Sid":"Use","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"kms:Decrypt","Resource":["*"]}],"Id":"custom","Version":"2012-10-17"}`

// TestAccKMSKeyResource_lifecycle: create with defaults, update every updatable attribute in
// place (the key id never changes), import by id and by ARN, and destroy into
// PendingDeletion with the configured window.
func TestAccKMSKeyResource_lifecycle(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	var firstID string
	sameKey := func(s *terraform.State) error {
		id, err := stateAttr(s, kmsKeyAddr, "key_id")
		if err == nil && id != firstID {
			err = fmt.Errorf("key replaced: %s, was %s", id, firstID)
		}
		return err
	}
	updateInPlace := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 7),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + `resource "secretsmanager_kms_key" "k" {}`,
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(kmsKeyAddr, "key_id", &firstID),
					resource.TestCheckResourceAttr(kmsKeyAddr, "description", ""),
					resource.TestCheckResourceAttr(kmsKeyAddr, "key_usage", "ENCRYPT_DECRYPT"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "key_spec", "SYMMETRIC_DEFAULT"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "is_enabled", "true"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "enable_key_rotation", "false"),
					resource.TestCheckNoResourceAttr(kmsKeyAddr, "rotation_period_in_days"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "deletion_window_in_days", "30"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "multi_region", "false"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "tags_all.%", "0"),
					resource.TestMatchResourceAttr(kmsKeyAddr, "arn", regexp.MustCompile(`^arn:aws:kms:us-east-1:\d{12}:key/[0-9a-f-]{36}$`)),
					resource.TestCheckResourceAttrPair(kmsKeyAddr, "id", kmsKeyAddr, "key_id"),
					resource.TestMatchResourceAttr(kmsKeyAddr, "policy", regexp.MustCompile(`Enable IAM User Permissions`)),
					kmsCheckRemote(env, kmsKeyAddr, kmsWant{enabled: true, policySid: "Enable IAM User Permissions"}),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Every updatable attribute at once, the key disabled last.
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "k" {
  description                        = "secrets of app"
  policy                             = ` + fmt.Sprintf("%q", kmsCustomPolicy) + `
  bypass_policy_lockout_safety_check = true
  enable_key_rotation                = true
  rotation_period_in_days            = 180
  deletion_window_in_days            = 10
  is_enabled                         = false
  tags = { team = "payments", env = "prod" }
}`,
				ConfigPlanChecks: updateInPlace,
				Check: resource.ComposeAggregateTestCheckFunc(
					sameKey,
					resource.TestCheckResourceAttr(kmsKeyAddr, "rotation_period_in_days", "180"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "tags_all.%", "2"),
					kmsCheckRemote(env, kmsKeyAddr, kmsWant{description: "secrets of app", enabled: false, rotation: true, period: 180,
						tags: map[string]string{"team": "payments", "env": "prod"}, policySid: `"Use"`}),
				),
			},
			{
				// Enabled again; rotation on with KMS's default period once the period is
				// given back to KMS... kept while rotation stays on; a tag changes, one goes.
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "k" {
  description             = "secrets of app, v2"
  policy                  = ` + fmt.Sprintf("%q", kmsCustomPolicy) + `
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 7
  tags = { team = "billing" }
}`,
				ConfigPlanChecks: updateInPlace,
				Check: resource.ComposeAggregateTestCheckFunc(
					sameKey,
					kmsCheckRemote(env, kmsKeyAddr, kmsWant{description: "secrets of app, v2", enabled: true, rotation: true, period: 365,
						tags: map[string]string{"team": "billing"}, policySid: `"Use"`}),
				),
			},
			{
				// Rotation off; the period goes with it. No tags at all.
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "k" {
  description             = "secrets of app, v2"
  policy                  = ` + fmt.Sprintf("%q", kmsCustomPolicy) + `
  deletion_window_in_days = 7
}`,
				ConfigPlanChecks: updateInPlace,
				Check: resource.ComposeAggregateTestCheckFunc(
					sameKey,
					resource.TestCheckNoResourceAttr(kmsKeyAddr, "rotation_period_in_days"),
					resource.TestCheckResourceAttr(kmsKeyAddr, "tags_all.%", "0"),
					kmsCheckRemote(env, kmsKeyAddr, kmsWant{description: "secrets of app, v2", enabled: true, policySid: `"Use"`}),
				),
			},
			{
				ResourceName:      kmsKeyAddr,
				ImportState:       true,
				ImportStateVerify: true,
				// KMS does not store the deletion window; import gives the default.
				ImportStateVerifyIgnore: []string{"deletion_window_in_days"},
			},
			{
				ResourceName: kmsKeyAddr,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return stateAttr(s, kmsKeyAddr, "arn")
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"deletion_window_in_days"},
			},
		},
	})
}

// TestAccKMSKeyResource_policyNeverDiffs: the default policy (policy unset) and a policy
// rewritten in equivalent JSON, in the configuration or by AWS, give empty plans; a real
// change does not.
func TestAccKMSKeyResource_policyNeverDiffs(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	withPolicy := func(p string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  description = "default policy"
  policy      = %q
}`, p)
	}
	empty := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps: []resource.TestStep{
			{
				Config:           env.providerConfig("") + `resource "secretsmanager_kms_key" "k" { description = "default policy" }`,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Same configuration once more: the computed default policy stays quiet.
				Config:           env.providerConfig("") + `resource "secretsmanager_kms_key" "k" { description = "default policy" }`,
				ConfigPlanChecks: empty,
			},
			{
				// Setting the very default policy, reformatted, is no change either.
				Config: withPolicy(`{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},` +
					`"Resource":"*","Sid":"Enable IAM User Permissions"}],"Id":"key-default-1","Version":"2012-10-17"}`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionNoop)},
				},
			},
			{
				Config: withPolicy(kmsCustomPolicy),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate)},
				},
				Check: kmsCheckRemote(env, kmsKeyAddr, kmsWant{description: "default policy", enabled: true, policySid: `"Use"`}),
			},
			{
				Config:           withPolicy(kmsCustomPolicyReordered),
				ConfigPlanChecks: empty,
			},
			{
				// AWS (or someone) stores the policy in another equivalent layout.
				PreConfig: func() {
					ctx := context.Background()
					ids, err := env.KMS.ListKeys(ctx, &kms.ListKeysInput{})
					if err != nil {
						t.Fatal(err)
					}
					for _, k := range ids.Keys {
						var doc any
						_ = json.Unmarshal([]byte(kmsCustomPolicyReordered), &doc)
						compact, _ := json.Marshal(doc)
						if _, err := env.KMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: k.KeyId, PolicyName: aws.String("default"), Policy: aws.String(string(compact))}); err != nil {
							t.Fatal(err)
						}
					}
				},
				Config:           withPolicy(kmsCustomPolicy),
				ConfigPlanChecks: empty,
			},
		},
	})
}

// TestAccKMSKeyResource_drift: changes made outside Terraform through the SDK show in the
// next plan and that apply puts them back.
func TestAccKMSKeyResource_drift(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := env.providerConfig(`default_tags { tags = { owner = "platform" } }`) + `
resource "secretsmanager_kms_key" "k" {
  description             = "drift"
  enable_key_rotation     = true
  rotation_period_in_days = 200
  tags = { team = "a" }
}`
	want := kmsWant{description: "drift", enabled: true, rotation: true, period: 200,
		tags: map[string]string{"team": "a", "owner": "platform"}, policySid: "Enable IAM User Permissions"}
	var keyID string
	drift := func(change func(ctx context.Context, id *string) error) func() {
		return func() {
			if err := change(context.Background(), aws.String(keyID)); err != nil {
				t.Fatalf("out-of-band change: %v", err)
			}
		}
	}
	repaired := resource.ConfigPlanChecks{
		PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate)},
		PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	steps := []resource.TestStep{{
		Config: config,
		Check: resource.ComposeAggregateTestCheckFunc(captureAttr(kmsKeyAddr, "key_id", &keyID), kmsCheckRemote(env, kmsKeyAddr, want),
			resource.TestCheckResourceAttr(kmsKeyAddr, "tags.%", "1"),
			resource.TestCheckResourceAttr(kmsKeyAddr, "tags_all.owner", "platform")),
	}}
	for _, change := range []func(ctx context.Context, id *string) error{
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.DisableKey(ctx, &kms.DisableKeyInput{KeyId: id})
			return err
		},
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: id, Description: aws.String("hacked")})
			return err
		},
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: id})
			return err
		},
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id, RotationPeriodInDays: aws.Int32(90)})
			return err
		},
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.TagResource(ctx, &kms.TagResourceInput{KeyId: id, Tags: []kmstypes.Tag{
				{TagKey: aws.String("intruder"), TagValue: aws.String("x")}, {TagKey: aws.String("team"), TagValue: aws.String("b")}}})
			return err
		},
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.UntagResource(ctx, &kms.UntagResourceInput{KeyId: id, TagKeys: []string{"owner"}})
			return err
		},
		func(ctx context.Context, id *string) error {
			_, err := env.KMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: id, PolicyName: aws.String("default"), Policy: aws.String(kmsCustomPolicy)})
			return err
		},
	} {
		steps = append(steps, resource.TestStep{PreConfig: drift(change), Config: config, ConfigPlanChecks: repaired,
			Check: kmsCheckRemote(env, kmsKeyAddr, want)})
	}
	// The policy drift above is repaired only because the configuration sets... nothing: an
	// unset policy is computed, so an out-of-band policy is adopted, not fought. Check that.
	steps[len(steps)-1].ConfigPlanChecks = resource.ConfigPlanChecks{
		PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
	}
	steps[len(steps)-1].Check = kmsCheckRemote(env, kmsKeyAddr, kmsWant{description: "drift", enabled: true, rotation: true, period: 200,
		tags: want.tags, policySid: `"Use"`})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps:                    steps,
	})
}

// TestAccKMSKeyResource_policyDriftRepaired: with a policy in the configuration, an
// out-of-band policy change is put back.
func TestAccKMSKeyResource_policyDriftRepaired(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := env.providerConfig("") + fmt.Sprintf(`resource "secretsmanager_kms_key" "k" { policy = %q }`, kmsCustomPolicy)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					ctx := context.Background()
					ids, err := env.KMS.ListKeys(ctx, &kms.ListKeysInput{})
					if err != nil || len(ids.Keys) != 1 {
						t.Fatalf("ListKeys: %v %v", ids, err)
					}
					other := strings.Replace(kmsCustomPolicy, "role/app", "role/intruder", 1)
					if _, err := env.KMS.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: ids.Keys[0].KeyId, PolicyName: aws.String("default"), Policy: aws.String(other)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: kmsCheckKey(env, kmsKeyAddr, func(ctx context.Context, id string) error {
					pol, err := env.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(id)})
					if err != nil {
						return err
					}
					if strings.Contains(aws.ToString(pol.Policy), "intruder") {
						return fmt.Errorf("policy not repaired: %s", aws.ToString(pol.Policy))
					}
					return nil
				}),
			},
		},
	})
}

// TestAccKMSKeyResource_secretEncryption: a secret encrypted with the key, through its alias,
// round-trips; disabling the key makes Secrets Manager refuse to decrypt, and enabling it
// again restores access.
func TestAccKMSKeyResource_secretEncryption(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const value = "correct horse battery staple"
	config := func(enabled bool) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  description = "secrets"
  is_enabled  = %t
}
resource "secretsmanager_kms_alias" "a" {
  name          = "alias/app-secrets"
  target_key_id = secretsmanager_kms_key.k.key_id
}`, enabled)
	}
	getValue := func() (string, error) {
		out, err := env.SM.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("app/db")})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.SecretString), nil
	}
	readable := func(*terraform.State) error {
		got, err := getValue()
		if err != nil {
			return fmt.Errorf("GetSecretValue with the key enabled: %w", err)
		}
		if got != value {
			return fmt.Errorf("secret value changed in the round trip")
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps: []resource.TestStep{
			{
				Config: config(true),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						_, err := env.SM.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
							Name: aws.String("app/db"), KmsKeyId: aws.String("alias/app-secrets"), SecretString: aws.String(value),
						})
						return err
					},
					readable,
					func(s *terraform.State) error {
						keyARN, err := stateAttr(s, kmsKeyAddr, "arn")
						if err != nil {
							return err
						}
						out, err := env.SM.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("app/db")})
						if err != nil {
							return err
						}
						// The secret names the alias; the value is sealed under the key behind it.
						if got := aws.ToString(out.KmsKeyId); got != "alias/app-secrets" && got != keyARN {
							return fmt.Errorf("secret's KmsKeyId %q", got)
						}
						return nil
					},
				),
			},
			{
				Config: config(false),
				Check: func(*terraform.State) error {
					_, err := getValue()
					if err == nil {
						return errors.New("GetSecretValue succeeded with the key disabled")
					}
					if !strings.Contains(err.Error(), "DecryptionFailure") || !strings.Contains(err.Error(), "disabled") {
						return fmt.Errorf("GetSecretValue with the key disabled: %v, want a DecryptionFailure naming the disabled key", err)
					}
					if strings.Contains(err.Error(), value) {
						return errors.New("the error carries the secret value")
					}
					return nil
				},
			},
			{
				Config:           config(true),
				Check:            readable,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// TestAccKMSKeyResource_validation: bad input is refused at plan time with a message that
// names the attribute and the fix, and nothing is created.
func TestAccKMSKeyResource_validation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cases := []struct {
		name, body string
		want       []string
	}{
		{"period without rotation", `rotation_period_in_days = 180`, []string{"rotation_period_in_days needs enable_key_rotation", "Set enable_key_rotation = true"}},
		{"period with rotation off", "enable_key_rotation = false\nrotation_period_in_days = 180", []string{"rotation_period_in_days", "Set enable_key_rotation = true"}},
		{"period too short", "enable_key_rotation = true\nrotation_period_in_days = 30", []string{"rotation_period_in_days", "between 90 and 2560"}},
		{"period too long", "enable_key_rotation = true\nrotation_period_in_days = 2561", []string{"rotation_period_in_days", "between 90 and 2560"}},
		{"window too short", `deletion_window_in_days = 6`, []string{"deletion_window_in_days", "between 7 and 30"}},
		{"window too long", `deletion_window_in_days = 31`, []string{"deletion_window_in_days", "between 7 and 30"}},
		{"HMAC with default usage", `key_spec = "HMAC_256"`, []string{"key_spec", "A HMAC_256 key cannot have key_usage ENCRYPT_DECRYPT", "Set key_usage to one of GENERATE_VERIFY_MAC"}},
		{"ECC for encryption", "key_spec = \"ECC_NIST_P256\"\nkey_usage = \"ENCRYPT_DECRYPT\"", []string{"key_usage", "Set key_usage to one of SIGN_VERIFY, KEY_AGREEMENT"}},
		{"symmetric for signing", `key_usage = "SIGN_VERIFY"`, []string{"SYMMETRIC_DEFAULT key cannot have key_usage SIGN_VERIFY", "or choose another key_spec"}},
		{"rotation of an RSA key", "key_spec = \"RSA_2048\"\nkey_usage = \"SIGN_VERIFY\"\nenable_key_rotation = true", []string{"enable_key_rotation", "KMS rotates only SYMMETRIC_DEFAULT keys", "Remove enable_key_rotation"}},
		{"unknown spec", `key_spec = "AES_256"`, []string{"key_spec", "SYMMETRIC_DEFAULT"}},
		{"unknown usage", `key_usage = "ENCRYPT"`, []string{"key_usage", "ENCRYPT_DECRYPT"}},
		{"reserved tag", `tags = { "aws:owner" = "x" }`, []string{"tags", `Tag key "aws:owner" begins with "aws:"`, "rename the tag"}},
		{"too many tags", "tags = {\n" + kmsManyTags(51) + "}", []string{"tags", "at most 50"}},
		{"long description", fmt.Sprintf("description = %q", strings.Repeat("d", 8193)), []string{"description", "8192"}},
		{"malformed policy", `policy = "{not json"`, []string{"Invalid policy document", "policy", "not valid JSON"}},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      env.providerConfig("") + "resource \"secretsmanager_kms_key\" \"k\" {\n" + tc.body + "\n}",
			PlanOnly:    true,
			ExpectError: kmsErrRe(tc.want...),
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			out, err := env.KMS.ListKeys(context.Background(), &kms.ListKeysInput{})
			if err != nil {
				return err
			}
			if len(out.Keys) != 0 {
				return fmt.Errorf("%d keys were created by invalid configurations", len(out.Keys))
			}
			return nil
		},
		Steps: steps,
	})
}

// TestAccKMSKeyResource_disabledKeyRotation: rotation cannot change on a key that stays
// disabled (KMS refuses); the plan says so and how to proceed, and doing as it says works.
func TestAccKMSKeyResource_disabledKeyRotation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := func(enabled, rotation bool) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  is_enabled          = %t
  enable_key_rotation = %t
}`, enabled, rotation)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps: []resource.TestStep{
			{
				// Created disabled with rotation on: rotation is set before the key is disabled.
				Config: config(false, true),
				Check: kmsCheckRemote(env, kmsKeyAddr, kmsWant{enabled: false, rotation: true, period: 365,
					policySid: "Enable IAM User Permissions"}),
			},
			{Config: config(false, false), ExpectError: kmsErrRe("enable_key_rotation", "is disabled", "Set is_enabled = true in the same")},
			{
				Config: config(true, false),
				Check:  kmsCheckRemote(env, kmsKeyAddr, kmsWant{enabled: true, policySid: "Enable IAM User Permissions"}),
			},
		},
	})
}

// TestAccKMSKeyResource_pendingDeletionOutOfBand: a key scheduled for deletion outside
// Terraform leaves the state on refresh, and the next apply creates a new key.
func TestAccKMSKeyResource_pendingDeletionOutOfBand(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := env.providerConfig("") + `resource "secretsmanager_kms_key" "k" { description = "doomed" }`
	var first string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps: []resource.TestStep{
			{Config: config, Check: captureAttr(kmsKeyAddr, "key_id", &first)},
			{
				PreConfig: func() {
					if _, err := env.KMS.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: aws.String(first), PendingWindowInDays: aws.Int32(7)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionCreate)},
				},
				Check: func(s *terraform.State) error {
					id, err := stateAttr(s, kmsKeyAddr, "key_id")
					if err == nil && id == first {
						err = errors.New("the key pending deletion is still in the state")
					}
					return err
				},
			},
		},
	})
}

// TestKMSKeyRead_pendingDeletionWarns: the refresh of a key pending deletion drops it with a
// warning that says how to keep it.
func TestKMSKeyRead_pendingDeletionWarns(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	out, err := env.KMS.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.KeyMetadata.KeyId)
	if _, err := env.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	r := &kmsKeyResource{c: &clients{KMS: env.KMS, Region: "us-east-1"}}
	_, gone, diags := r.read(ctx, id, kmsKeyModel{Tags: types.MapNull(types.StringType)})
	if !gone {
		t.Fatal("a key pending deletion was kept")
	}
	if diags.HasError() || len(diags.Warnings()) != 1 {
		t.Fatalf("want one warning, got %v", diags)
	}
	w := diags.Warnings()[0]
	if !strings.Contains(w.Detail(), "cancel-key-deletion --key-id "+id) || !strings.Contains(w.Detail(), "removed from the state") {
		t.Fatalf("warning does not say what happened and how to keep the key: %s", w.Detail())
	}
}

// TestKMSKeyRead_calls counts the API calls of one refresh: four for a symmetric key, three
// for a key that cannot rotate (GetKeyRotationStatus would fail for it).
func TestKMSKeyRead_calls(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	r := &kmsKeyResource{c: &clients{KMS: env.KMS, Region: "us-east-1", DefaultTags: map[string]string{}}}
	for _, tc := range []struct {
		name  string
		in    kms.CreateKeyInput
		calls map[string]int64
	}{
		{"symmetric", kms.CreateKeyInput{Tags: []kmstypes.Tag{{TagKey: aws.String("a"), TagValue: aws.String("b")}}}, map[string]int64{
			"kms.DescribeKey": 1, "kms.GetKeyRotationStatus": 1, "kms.GetKeyPolicy": 1, "kms.ListResourceTags": 1}},
		{"HMAC", kms.CreateKeyInput{KeySpec: kmstypes.KeySpecHmac256, KeyUsage: kmstypes.KeyUsageTypeGenerateVerifyMac}, map[string]int64{
			"kms.DescribeKey": 1, "kms.GetKeyPolicy": 1, "kms.ListResourceTags": 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := env.KMS.CreateKey(ctx, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := env.Control.ResetCalls(ctx); err != nil {
				t.Fatal(err)
			}
			m, gone, diags := r.read(ctx, aws.ToString(out.KeyMetadata.KeyId), kmsKeyModel{Tags: types.MapNull(types.StringType)})
			if gone || diags.HasError() {
				t.Fatalf("read: gone=%v %v", gone, diags)
			}
			if m.KeySpec.ValueString() != string(out.KeyMetadata.KeySpec) || m.Policy.IsNull() {
				t.Fatalf("read gave %+v", m)
			}
			calls, err := env.Control.Calls(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(calls, tc.calls) {
				t.Fatalf("calls per refresh %v, want %v", calls, tc.calls)
			}
		})
	}
}

// TestAccKMSKeyResource_replaceAndMultiRegion: key_spec, key_usage and multi_region replace
// the key; an asymmetric multi-Region key round-trips through import.
func TestAccKMSKeyResource_replaceAndMultiRegion(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	var first string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsCheckDestroyed(env, 30),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + `resource "secretsmanager_kms_key" "k" { multi_region = true }`,
				Check: resource.ComposeAggregateTestCheckFunc(
					captureAttr(kmsKeyAddr, "key_id", &first),
					resource.TestMatchResourceAttr(kmsKeyAddr, "key_id", regexp.MustCompile(`^mrk-[0-9a-f]{32}$`)),
					resource.TestCheckResourceAttr(kmsKeyAddr, "multi_region", "true"),
				),
			},
			{
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "k" {
  multi_region = true
  key_spec     = "RSA_2048"
  key_usage    = "SIGN_VERIFY"
  tags         = { purpose = "signing" }
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("key_spec"), knownvalue.StringExact("RSA_2048")),
					statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("enable_key_rotation"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(kmsKeyAddr, tfjsonpath.New("rotation_period_in_days"), knownvalue.Null()),
				},
				Check: func(s *terraform.State) error {
					md, err := kmsDescribe(context.Background(), env, first)
					if err != nil {
						return err
					}
					if md.KeyState != kmstypes.KeyStatePendingDeletion {
						return fmt.Errorf("replaced key is %s, want PendingDeletion", md.KeyState)
					}
					return nil
				},
			},
			{ResourceName: kmsKeyAddr, ImportState: true, ImportStateVerify: true},
			{
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "k" {
  key_spec  = "RSA_2048"
  key_usage = "SIGN_VERIFY"
  tags      = { purpose = "signing" }
}`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsKeyAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.TestCheckResourceAttr(kmsKeyAddr, "multi_region", "false"),
			},
		},
	})
}

// TestAccKMSKeyResource_importErrors: an ARN of another region or another service is refused
// with a message that says what to import with.
func TestAccKMSKeyResource_importErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := env.providerConfig("") + `resource "secretsmanager_kms_key" "k" {}`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: config, ResourceName: kmsKeyAddr, ImportState: true,
				ImportStateId: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
				ExpectError:   kmsErrRe("is in eu-west-1", `configured for region "eu-west-1"`),
			},
			{
				Config: config, ResourceName: kmsKeyAddr, ImportState: true,
				ImportStateId: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
				ExpectError:   kmsErrRe("is not a KMS key ARN", "Import with a key id"),
			},
			{
				Config: config, ResourceName: kmsKeyAddr, ImportState: true,
				ImportStateId: "1234abcd-12ab-34cd-56ef-1234567890ab",
				ExpectError:   kmsErrRe("Cannot import non-existent remote object"),
			},
		},
	})
}

// TestAccKMSKeyResource_throttlingAndRollback: throttled calls are retried and the apply
// succeeds; a key whose set-up fails after CreateKey is scheduled for deletion at once, with
// an error that says so, and the state holds nothing.
func TestAccKMSKeyResource_throttlingAndRollback(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	inject := func(faults ...emulator.Fault) func() {
		return func() {
			for _, f := range faults {
				if err := env.Control.InjectFault(context.Background(), f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	rotating := env.providerConfig("") + `resource "secretsmanager_kms_key" "k" { enable_key_rotation = true }`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				PreConfig: inject(emulator.Fault{Operation: "kms.EnableKeyRotation", ErrorCode: "AccessDeniedException",
					Message: "not authorized to perform: kms:EnableKeyRotation"}),
				Config:      rotating,
				ExpectError: kmsErrRe("EnableKeyRotation", "Grant the credentials kms:EnableKeyRotation", "scheduled for deletion in 7 days"),
				Check:       resource.TestCheckNoResourceAttr(kmsKeyAddr, "id"),
			},
			{
				// Reading the new key back fails: it goes too.
				PreConfig: inject(emulator.Fault{Operation: "kms.GetKeyPolicy", ErrorCode: "AccessDeniedException",
					Message: "not authorized to perform: kms:GetKeyPolicy"}),
				Config:      rotating,
				ExpectError: kmsErrRe("GetKeyPolicy", "Grant the credentials kms:GetKeyPolicy", "scheduled for deletion in 7 days"),
			},
			{
				PreConfig: func() {
					out, err := env.KMS.ListKeys(context.Background(), &kms.ListKeysInput{})
					if err != nil || len(out.Keys) != 2 {
						t.Fatalf("ListKeys: %v, %v", out, err)
					}
					for _, k := range out.Keys {
						md, err := kmsDescribe(context.Background(), env, aws.ToString(k.KeyId))
						if err != nil || md.KeyState != kmstypes.KeyStatePendingDeletion {
							t.Fatalf("half-made key: %+v %v, want PendingDeletion", md, err)
						}
					}
					inject(
						emulator.Fault{Operation: "kms.CreateKey", Count: 2, ErrorCode: "ThrottlingException"},
						emulator.Fault{Operation: "kms.GetKeyPolicy", Count: 3, ErrorCode: "ThrottlingException"},
						emulator.Fault{Operation: "kms.DescribeKey", Count: 2, ErrorCode: "ThrottlingException"},
					)()
				},
				Config: rotating,
				Check:  resource.TestCheckResourceAttr(kmsKeyAddr, "rotation_period_in_days", "365"),
			},
		},
	})
}
