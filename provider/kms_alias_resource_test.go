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
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

const kmsAliasAddr = "secretsmanager_kms_alias.a"

// kmsAliasConfig is two keys and an alias; target is the HCL expression of its target.
func kmsAliasConfig(env *testEnv, nameAttrs, target string) string {
	return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_kms_key" "one" { description = "one" }
resource "secretsmanager_kms_key" "two" { description = "two" }
resource "secretsmanager_kms_alias" "a" {
  %s
  target_key_id = %s
}`, nameAttrs, target)
}

// kmsAliasTarget checks through the SDK that the alias name points at the key of keyAddr.
func kmsAliasTarget(env *testEnv, name, keyAddr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		want, err := stateAttr(s, keyAddr, "key_id")
		if err != nil {
			return err
		}
		md, err := kmsDescribe(context.Background(), env, name)
		if err != nil {
			return fmt.Errorf("DescribeKey(%s): %w", name, err)
		}
		if got := aws.ToString(md.KeyId); got != want {
			return fmt.Errorf("%s points at %s, want %s (%s)", name, got, want, keyAddr)
		}
		return nil
	}
}

// kmsAliasesGone checks after destroy that no alias of the test is left.
func kmsAliasesGone(env *testEnv) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		out, err := env.KMS.ListAliases(context.Background(), &kms.ListAliasesInput{})
		if err != nil {
			return err
		}
		for _, a := range out.Aliases {
			if !strings.HasPrefix(aws.ToString(a.AliasName), "alias/aws/") {
				return fmt.Errorf("alias %s left after destroy", aws.ToString(a.AliasName))
			}
		}
		return kmsCheckDestroyed(env, 30)(s)
	}
}

// TestAccKMSAliasResource_lifecycle: create, move to another key in place, no change when the
// target switches between the key id and the key ARN, import by name and by ARN, destroy.
func TestAccKMSAliasResource_lifecycle(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const name = `name = "alias/app"`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsAliasesGone(env),
		Steps: []resource.TestStep{
			{
				Config: kmsAliasConfig(env, name, "secretsmanager_kms_key.one.key_id"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(kmsAliasAddr, "id", "alias/app"),
					resource.TestCheckResourceAttr(kmsAliasAddr, "name", "alias/app"),
					resource.TestMatchResourceAttr(kmsAliasAddr, "arn", regexp.MustCompile(`^arn:aws:kms:us-east-1:\d{12}:alias/app$`)),
					resource.TestCheckResourceAttrPair(kmsAliasAddr, "target_key_arn", "secretsmanager_kms_key.one", "arn"),
					resource.TestCheckNoResourceAttr(kmsAliasAddr, "name_prefix"),
					kmsAliasTarget(env, "alias/app", "secretsmanager_kms_key.one"),
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: kmsAliasConfig(env, name, "secretsmanager_kms_key.two.key_id"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsAliasAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPair(kmsAliasAddr, "target_key_arn", "secretsmanager_kms_key.two", "arn"),
					kmsAliasTarget(env, "alias/app", "secretsmanager_kms_key.two"),
				),
			},
			{
				// The same key by its ARN: nothing to do.
				Config:           kmsAliasConfig(env, name, "secretsmanager_kms_key.two.arn"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				// Back to the first key, by ARN.
				Config: kmsAliasConfig(env, name, "secretsmanager_kms_key.one.arn"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsAliasAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: kmsAliasTarget(env, "alias/app", "secretsmanager_kms_key.one"),
			},
			{
				Config:            kmsAliasConfig(env, name, "secretsmanager_kms_key.one.key_id"),
				ResourceName:      kmsAliasAddr,
				ImportState:       true,
				ImportStateId:     "alias/app",
				ImportStateVerify: true,
				// Import records the key id; the configuration named the key by ARN, the same key.
				ImportStateVerifyIgnore: []string{"target_key_id"},
			},
			{
				Config:       kmsAliasConfig(env, name, "secretsmanager_kms_key.one.key_id"),
				ResourceName: kmsAliasAddr,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return stateAttr(s, kmsAliasAddr, "arn")
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"target_key_id"},
			},
			{
				// Renaming replaces the alias.
				Config: kmsAliasConfig(env, `name = "alias/app-renamed"`, "secretsmanager_kms_key.one.key_id"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsAliasAddr, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					kmsAliasTarget(env, "alias/app-renamed", "secretsmanager_kms_key.one"),
					func(*terraform.State) error {
						if _, err := kmsDescribe(context.Background(), env, "alias/app"); !isNotFound(err) {
							return fmt.Errorf("old alias still there: %v", err)
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccKMSAliasResource_generatedNames: name_prefix and no name at all give unique names
// that stay put across plans; import by name works for them.
func TestAccKMSAliasResource_generatedNames(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := func(prefix string) string {
		return env.providerConfig("") + `
resource "secretsmanager_kms_key" "one" {}
resource "secretsmanager_kms_alias" "p" {
  ` + prefix + `
  target_key_id = secretsmanager_kms_key.one.key_id
}
resource "secretsmanager_kms_alias" "n" {
  target_key_id = secretsmanager_kms_key.one.key_id
}`
	}
	var firstName string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsAliasesGone(env),
		Steps: []resource.TestStep{
			{
				Config: config(`name_prefix = "alias/app-"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestMatchResourceAttr("secretsmanager_kms_alias.p", "name", regexp.MustCompile(`^alias/app-[0-9a-f]{26}$`)),
					resource.TestMatchResourceAttr("secretsmanager_kms_alias.n", "name", regexp.MustCompile(`^alias/terraform-[0-9a-f]{26}$`)),
					resource.TestCheckResourceAttrPair("secretsmanager_kms_alias.p", "id", "secretsmanager_kms_alias.p", "name"),
					func(s *terraform.State) error {
						var err error
						firstName, err = stateAttr(s, "secretsmanager_kms_alias.p", "name")
						if err != nil {
							return err
						}
						return kmsAliasTarget(env, firstName, "secretsmanager_kms_key.one")(s)
					},
				),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				ResourceName: "secretsmanager_kms_alias.p",
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return stateAttr(s, "secretsmanager_kms_alias.p", "name")
				},
				ImportStateVerify: true,
				// An alias name does not tell which part was the prefix.
				ImportStateVerifyIgnore: []string{"name_prefix"},
			},
			{
				// A shorter prefix the name already begins with: no replacement.
				Config:           config(`name_prefix = "alias/ap"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("secretsmanager_kms_alias.p", plancheck.ResourceActionUpdate)}},
				Check:            resource.TestCheckResourceAttrPtr("secretsmanager_kms_alias.p", "name", &firstName),
			},
			{
				Config: config(`name_prefix = "alias/other-"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("secretsmanager_kms_alias.p", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("secretsmanager_kms_alias.n", plancheck.ResourceActionNoop),
				}},
				Check: resource.TestMatchResourceAttr("secretsmanager_kms_alias.p", "name", regexp.MustCompile(`^alias/other-[0-9a-f]{26}$`)),
			},
		},
	})
}

// TestAccKMSAliasResource_drift: an alias moved or deleted outside Terraform is put back.
func TestAccKMSAliasResource_drift(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	config := kmsAliasConfig(env, `name = "alias/drift"`, "secretsmanager_kms_key.one.arn")
	var other string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy:             kmsAliasesGone(env),
		Steps: []resource.TestStep{
			{Config: config, Check: captureAttr("secretsmanager_kms_key.two", "key_id", &other)},
			{
				PreConfig: func() {
					if _, err := env.KMS.UpdateAlias(context.Background(), &kms.UpdateAliasInput{AliasName: aws.String("alias/drift"), TargetKeyId: aws.String(other)}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsAliasAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: kmsAliasTarget(env, "alias/drift", "secretsmanager_kms_key.one"),
			},
			{
				PreConfig: func() {
					if _, err := env.KMS.DeleteAlias(context.Background(), &kms.DeleteAliasInput{AliasName: aws.String("alias/drift")}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(kmsAliasAddr, plancheck.ResourceActionCreate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: kmsAliasTarget(env, "alias/drift", "secretsmanager_kms_key.one"),
			},
		},
	})
}

// TestAccKMSAliasResource_validation: names and targets KMS would refuse are refused at plan
// time, naming the attribute and the fix; nothing is created.
func TestAccKMSAliasResource_validation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	const key = `"1234abcd-12ab-34cd-56ef-1234567890ab"`
	cases := []struct {
		name, attrs, target string
		want                []string
	}{
		{"no alias/ prefix", `name = "app"`, key, []string{`name "app" must begin with "alias/", e.g. "alias/app"`}},
		{"reserved", `name = "alias/aws/secretsmanager"`, key, []string{`begins with "alias/aws/", which AWS reserves`, `"alias/secretsmanager"`}},
		{"reserved prefix", `name_prefix = "alias/aws/x"`, key, []string{`name_prefix "alias/aws/x" begins with "alias/aws/", which AWS reserves`}},
		{"bad characters", `name = "alias/my app"`, key, []string{"may contain only letters, digits"}},
		{"colon", `name = "alias/a:b"`, key, []string{"may contain only letters, digits"}},
		{"empty after prefix", `name = "alias/"`, key, []string{`needs something after "alias/"`}},
		{"too long", fmt.Sprintf(`name = "alias/%s"`, strings.Repeat("a", 251)), key, []string{"257 characters long; shorten it to at most 256"}},
		{"prefix too long", fmt.Sprintf(`name_prefix = "alias/%s"`, strings.Repeat("a", 225)), key, []string{"shorten it to at most 230"}},
		{"name and prefix", "name = \"alias/a\"\nname_prefix = \"alias/b\"", key, []string{"name_prefix"}},
		{"alias as target", `name = "alias/a"`, `"alias/other"`, []string{"target_key_id", "give the key id or key ARN of the key itself"}},
		{"alias ARN as target", `name = "alias/a"`, `"arn:aws:kms:us-east-1:123456789012:alias/other"`, []string{"An alias cannot point at an alias"}},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{
			Config:      env.providerConfig("") + fmt.Sprintf("resource \"secretsmanager_kms_alias\" \"a\" {\n%s\ntarget_key_id = %s\n}", tc.attrs, tc.target),
			PlanOnly:    true,
			ExpectError: kmsErrRe(tc.want...),
		})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		CheckDestroy: func(*terraform.State) error {
			out, err := env.KMS.ListAliases(context.Background(), &kms.ListAliasesInput{})
			if err != nil {
				return err
			}
			if len(out.Aliases) != 0 {
				return fmt.Errorf("%d aliases created by invalid configurations", len(out.Aliases))
			}
			return nil
		},
		Steps: steps,
	})
}

// TestAccKMSAliasResource_applyErrors: what only KMS can tell (a missing key, a taken name, a
// key of another type) fails the apply with the operation and the fix, and leaves no state.
func TestAccKMSAliasResource_applyErrors(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_alias" "a" {
  name          = "alias/missing"
  target_key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
}`,
				ExpectError: kmsErrRe("KMS CreateAlias failed", "NotFoundException", "Check the key id"),
			},
			{
				PreConfig: func() {
					out, err := env.KMS.CreateKey(context.Background(), &kms.CreateKeyInput{})
					if err == nil {
						_, err = env.KMS.CreateAlias(context.Background(), &kms.CreateAliasInput{AliasName: aws.String("alias/taken"), TargetKeyId: out.KeyMetadata.KeyId})
					}
					if err != nil {
						t.Fatal(err)
					}
				},
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "one" {}
resource "secretsmanager_kms_alias" "a" {
  name          = "alias/taken"
  target_key_id = secretsmanager_kms_key.one.key_id
}`,
				ExpectError: kmsErrRe("AlreadyExistsException", "import the existing alias"),
			},
			{
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "one" {}
resource "secretsmanager_kms_key" "hmac" {
  key_spec  = "HMAC_256"
  key_usage = "GENERATE_VERIFY_MAC"
}
resource "secretsmanager_kms_alias" "a" {
  name          = "alias/mine"
  target_key_id = secretsmanager_kms_key.one.key_id
}`,
			},
			{
				Config: env.providerConfig("") + `
resource "secretsmanager_kms_key" "one" {}
resource "secretsmanager_kms_key" "hmac" {
  key_spec  = "HMAC_256"
  key_usage = "GENERATE_VERIFY_MAC"
}
resource "secretsmanager_kms_alias" "a" {
  name          = "alias/mine"
  target_key_id = secretsmanager_kms_key.hmac.key_id
}`,
				ExpectError: kmsErrRe("target_key_id", "KMS UpdateAlias failed", "ValidationException"),
			},
		},
	})
}

// TestKMSAliasRead_calls: one refresh of an alias is one DescribeKey call.
func TestKMSAliasRead_calls(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	key := kmsKeyWithAlias(t, env, "alias/x")
	r := &kmsAliasResource{c: &clients{KMS: env.KMS, Region: "us-east-1"}}
	m, found, err := r.read(ctx, kmsAliasModel{ID: types.StringValue("alias/x"), Name: types.StringValue("alias/x"), TargetKeyID: types.StringValue(aws.ToString(key.Arn))})
	if err != nil || !found {
		t.Fatalf("read: %v %v", found, err)
	}
	if m.TargetKeyID.ValueString() != aws.ToString(key.Arn) || m.TargetKeyARN.ValueString() != aws.ToString(key.Arn) ||
		!strings.HasSuffix(m.ARN.ValueString(), ":alias/x") {
		t.Fatalf("read gave %+v", m)
	}
	calls, err := env.Control.Calls(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"kms.DescribeKey": 1}; !maps.Equal(calls, want) {
		t.Fatalf("calls per refresh %v, want %v", calls, want)
	}
	if _, found, err := r.read(ctx, kmsAliasModel{ID: types.StringValue("alias/none"), Name: types.StringValue("alias/none")}); found || err != nil {
		t.Fatalf("a missing alias: found=%v err=%v", found, err)
	}
}

// kmsKeyWithAlias creates a key and an alias of it through the SDK, then zeroes the call
// counts, so that a test counts only what the provider calls.
func kmsKeyWithAlias(t *testing.T, env *testEnv, alias string) *kmstypes.KeyMetadata {
	t.Helper()
	out, err := env.KMS.CreateKey(t.Context(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.KMS.CreateAlias(t.Context(), &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: out.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	env.resetCalls(t)
	return out.KeyMetadata
}
