package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// policyTest is an emulator with one secret to put policies on.
type policyTest struct {
	*testEnv
	secretARN string
}

func newPolicyTest(t *testing.T, secretName string) *policyTest {
	t.Helper()
	env := newTestEnv(t)
	out, err := env.SM.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String("v")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	return &policyTest{testEnv: env, secretARN: aws.ToString(out.ARN)}
}

// config is a secretsmanager_secret_policy "p" on the test's secret; policy is an HCL
// expression.
func (pt *policyTest) config(policy, extra string) string {
	return pt.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_policy" "p" {
  secret_arn = %q
  policy     = %s
  %s
}
`, pt.secretARN, policy, extra)
}

// Policies used by the tests. readPolicy and readPolicyReordered are the same policy.
const (
	readPolicy = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ReadForApp"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:role/app" }
      Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource  = "*"
    }]
  })`
	readPolicyReordered = `{
  "Statement": {
    "Resource": ["*"],
    "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:GetSecretValue"],
    "Principal": {"AWS": ["arn:aws:iam::123456789012:role/app"]},
    "Effect": "Allow",
    "Sid": "ReadForApp"
  },
  "Version": "2012-10-17"
}`
	denyPolicy = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny"
      Principal = { AWS = "arn:aws:iam::123456789012:root" }
      Action    = "secretsmanager:DeleteSecret"
      Resource  = "*"
    }]
  })`
	publicPolicy = `jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = "*"
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })`
)

// awsPolicy returns the policy Secrets Manager holds ("" for none).
func (pt *policyTest) awsPolicy(ctx context.Context) (string, error) {
	out, err := pt.SM.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(pt.secretARN)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ResourcePolicy), nil
}

// checkAWSPolicy checks that Secrets Manager holds a policy equivalent to want (JSON), or
// none when want is empty.
func (pt *policyTest) checkAWSPolicy(t *testing.T, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		got, err := pt.awsPolicy(t.Context())
		if err != nil {
			return err
		}
		if want == "" {
			if got != "" {
				return fmt.Errorf("the secret has a policy: %s", got)
			}
			return nil
		}
		if !policiesEquivalent(got, want) {
			return fmt.Errorf("policy in AWS:\n%s\nwant equivalent to:\n%s", got, want)
		}
		return nil
	}
}

// putPolicy changes the policy outside Terraform.
func (pt *policyTest) putPolicy(t *testing.T, doc string) {
	t.Helper()
	if _, err := pt.SM.PutResourcePolicy(t.Context(), &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(pt.secretARN), ResourcePolicy: aws.String(doc)}); err != nil {
		t.Fatalf("PutResourcePolicy: %v", err)
	}
}

const readPolicyJSON = `{"Version":"2012-10-17","Statement":[{"Sid":"ReadForApp","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},` +
	`"Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*"}]}`

const denyPolicyJSON = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:root"},` +
	`"Action":"secretsmanager:DeleteSecret","Resource":"*"}]}`

func TestAccSecretPolicyLifecycle(t *testing.T) {
	t.Parallel()
	pt := newPolicyTest(t, "policy-lifecycle")
	const name = "secretsmanager_secret_policy.p"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: pt.factories(),
		CheckDestroy: func(*terraform.State) error {
			got, err := pt.awsPolicy(t.Context())
			if err != nil {
				return fmt.Errorf("the secret must survive destroy: %w", err)
			}
			if got != "" {
				return fmt.Errorf("the policy is still on the secret after destroy: %s", got)
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: pt.config(readPolicy, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), knownvalue.StringExact(pt.secretARN)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("block_public_policy"), knownvalue.Bool(false)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check:            pt.checkAWSPolicy(t, readPolicyJSON),
		}, {
			// AWS re-serialises policies; here the stored text is reordered, reformatted,
			// with lists for single values and a duplicate: still no diff.
			PreConfig: func() { pt.putPolicy(t, readPolicyReordered) },
			Config:    pt.config(readPolicy, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			// An equivalent policy written differently in the configuration is an in-place
			// update (protocol 6 plans the configured text) that calls nothing.
			PreConfig: func() { pt.resetCalls(t) },
			Config:    pt.config("<<EOT\n"+readPolicyReordered+"\nEOT", ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				for _, op := range []string{"secretsmanager.PutResourcePolicy", "secretsmanager.ValidateResourcePolicy"} {
					if n := pt.Calls()[op]; n != 0 {
						return fmt.Errorf("%d %s calls for an equivalent policy", n, op)
					}
				}
				return nil
			},
		}, {
			Config: pt.config(denyPolicy, "block_public_policy = true"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(
				pt.checkAWSPolicy(t, denyPolicyJSON),
				resource.TestCheckResourceAttr(name, "block_public_policy", "true"),
			),
		}, {
			ResourceName:      name,
			ImportState:       true,
			ImportStateId:     pt.secretARN,
			ImportStateVerify: true,
			// AWS does not report BlockPublicPolicy: an import reads it as false.
			ImportStateVerifyIgnore: []string{"block_public_policy"},
		}},
	})
}

// TestAccSecretPolicyDrift removes and changes the policy outside Terraform; apply repairs.
func TestAccSecretPolicyDrift(t *testing.T) {
	t.Parallel()
	pt := newPolicyTest(t, "policy-drift")
	const name = "secretsmanager_secret_policy.p"
	cfg := pt.config(readPolicy, "block_public_policy = true")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: pt.factories(),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check:  pt.checkAWSPolicy(t, readPolicyJSON),
		}, {
			PreConfig: func() {
				if _, err := pt.SM.DeleteResourcePolicy(t.Context(), &secretsmanager.DeleteResourcePolicyInput{SecretId: aws.String(pt.secretARN)}); err != nil {
					t.Fatalf("DeleteResourcePolicy: %v", err)
				}
			},
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionCreate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: pt.checkAWSPolicy(t, readPolicyJSON),
		}, {
			PreConfig: func() { pt.putPolicy(t, denyPolicyJSON) },
			Config:    cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: pt.checkAWSPolicy(t, readPolicyJSON),
		}, {
			// One refresh is one GetResourcePolicy.
			PreConfig:    func() { pt.resetCalls(t) },
			RefreshState: true,
			Check:        pt.expectSMCalls(map[string]int64{"GetResourcePolicy": 1}),
		}},
	})
}

// TestAccSecretPolicyInvalid: malformed policies and a name instead of an ARN fail the plan,
// naming the attribute, before any call.
func TestAccSecretPolicyInvalid(t *testing.T) {
	t.Parallel()
	pt := newPolicyTest(t, "policy-invalid")
	tests := []struct{ name, config, err string }{
		{"not JSON", pt.config(`"{\"Version\": \"2012-10-17\", "`, ""), `Invalid policy document[\s\S]*not\s+valid\s+JSON`},
		{"no principal", pt.config(`jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "secretsmanager:*", Resource = "*"}]})`, ""),
			`Invalid policy document[\s\S]*Principal`},
		{"bad effect", pt.config(`jsonencode({Version = "2012-10-17", Statement = [{Effect = "Maybe", Principal = {AWS = "123456789012"}, Action = "secretsmanager:*", Resource = "*"}]})`, ""),
			`Invalid policy document[\s\S]*Effect`},
		{"secret name instead of ARN", pt.providerConfig("") + `
resource "secretsmanager_secret_policy" "p" {
  secret_arn = "policy-invalid"
  policy     = ` + readPolicy + `
}`, `Invalid secret_arn[\s\S]*secretsmanager_secret\.example\.arn`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: pt.factories(),
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: regexp.MustCompile(tc.err)}},
			})
		})
	}
	for _, op := range []string{"secretsmanager.ValidateResourcePolicy", "secretsmanager.PutResourcePolicy"} {
		if n := pt.Calls()[op]; n != 0 {
			t.Errorf("%d %s calls: invalid input must fail at plan time", n, op)
		}
	}
}

// TestAccSecretPolicyUnknownAtPlan: a policy unknown at plan time (it comes from another
// resource) is still checked before anything is sent: Terraform validates it again at apply,
// once known.
func TestAccSecretPolicyUnknownAtPlan(t *testing.T) {
	t.Parallel()
	pt := newPolicyTest(t, "policy-unknown")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: pt.factories(),
		Steps: []resource.TestStep{{
			Config: pt.config("terraform_data.doc.output", "") + `
resource "terraform_data" "doc" {
  input = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "secretsmanager:*", Resource = "*"}]})
}`,
			ExpectError: regexp.MustCompile(`Invalid policy document[\s\S]*Principal`),
		}},
	})
	for _, op := range []string{"secretsmanager.ValidateResourcePolicy", "secretsmanager.PutResourcePolicy"} {
		if n := pt.Calls()[op]; n != 0 {
			t.Errorf("%d %s calls for a malformed policy", n, op)
		}
	}
}

// TestAccSecretPolicyPublic: with block_public_policy a public policy fails with the reason
// and the fix, and nothing is applied; without it, it is applied.
func TestAccSecretPolicyPublic(t *testing.T) {
	t.Parallel()
	pt := newPolicyTest(t, "policy-public")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: pt.factories(),
		Steps: []resource.TestStep{{
			Config:      pt.config(publicPolicy, "block_public_policy = true"),
			ExpectError: regexp.MustCompile(`Public policy blocked by block_public_policy[\s\S]*PUBLIC_ACCESS_CHECK[\s\S]*aws:PrincipalOrgID[\s\S]*block_public_policy\s+=\s+false`),
		}, {
			Config: pt.config(publicPolicy, ""),
			Check: pt.checkAWSPolicy(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",`+
				`"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`),
		}, {
			// Turning the block on for the public policy already in place fails, and leaves it.
			Config:      pt.config(publicPolicy, "block_public_policy = true"),
			ExpectError: regexp.MustCompile(`Public policy blocked by block_public_policy`),
		}},
	})
}

// TestAccSecretPolicyPublicNothingApplied checks the emulator after a refused public policy.
func TestAccSecretPolicyPublicNothingApplied(t *testing.T) {
	t.Parallel()
	pt := newPolicyTest(t, "policy-public-nothing")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: pt.factories(),
		Steps: []resource.TestStep{{
			Config:      pt.config(publicPolicy, "block_public_policy = true"),
			ExpectError: regexp.MustCompile(`Public policy blocked by block_public_policy`),
		}},
	})
	if got, err := pt.awsPolicy(t.Context()); err != nil || got != "" {
		t.Fatalf("after a refused public policy: policy %q, error %v", got, err)
	}
	if n := pt.Calls()["secretsmanager.PutResourcePolicy"]; n != 0 {
		t.Fatalf("%d PutResourcePolicy calls for a refused policy", n)
	}
}
