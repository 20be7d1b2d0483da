package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// has_secret_string_wo says whether a version was written from secret_string_wo: true for a
// write-only value, false for secret_string, null after an import, and set by the next apply.
// (A version moved from hashicorp/aws with a null keeps it while nothing changes:
// TestAccMoveState_fromHashicorpAWS.)
func TestAccSecretVersionHasSecretStringWO(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	wo := svCreateSecret(t, env, "haswo/write-only")
	plain := svCreateSecret(t, env, "haswo/plain")
	cfg := func(woVersion int, plainArg string) string {
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "wo" {
  secret_id                = %[1]q
  secret_string_wo         = "wo-value-%[3]d-Kx4"
  secret_string_wo_version = %[3]d
}
resource "secretsmanager_secret_version" "plain" {
  secret_id = %[2]q
  %[4]s
}
`, wo, plain, woVersion, plainArg)
	}
	var woID string
	const woAddr, plainAddr = "secretsmanager_secret_version.wo", "secretsmanager_secret_version.plain"
	valueIs := func(arn, want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			if got := env.Value(arn, ""); got != want {
				return fmt.Errorf("AWSCURRENT of %s holds %q, want %q", arn, got, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{
			{
				Config: cfg(1, `secret_string = "plain-value-Jm2"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(woAddr, "has_secret_string_wo", "true"),
					resource.TestCheckNoResourceAttr(woAddr, "secret_string"),
					resource.TestCheckResourceAttr(plainAddr, "has_secret_string_wo", "false"),
					valueIs(wo, "wo-value-1-Kx4"),
				),
			},
			{
				// Forget the version (it stays in AWS), to import it below.
				Config: env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_version" "plain" {
  secret_id     = %q
  secret_string = "plain-value-Jm2"
}
removed {
  from = secretsmanager_secret_version.wo
  lifecycle {
    destroy = false
  }
}
`, plain),
				Check: func(s *terraform.State) error {
					if _, err := stateAttr(s, woAddr, "id"); err == nil {
						return fmt.Errorf("%s still in state", woAddr)
					}
					woID = emulatortest.Holder(env.Stages(wo), "AWSCURRENT")
					return nil
				},
			},
			{
				// Import cannot know how the value was written: null, and no change planned for it.
				Config:             cfg(1, `secret_string = "plain-value-Jm2"`),
				ResourceName:       woAddr,
				ImportState:        true,
				ImportStatePersist: true,
				ImportStateIdFunc:  func(*terraform.State) (string, error) { return wo + "|" + woID, nil },
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					// states may hold the other resources of the state too.
					for _, st := range states {
						if st.Attributes["version_id"] != woID {
							continue
						}
						if v, ok := st.Attributes["has_secret_string_wo"]; ok && v != "" {
							return fmt.Errorf("imported has_secret_string_wo = %q, want null", v)
						}
						return nil
					}
					return fmt.Errorf("version %s not among the imported states", woID)
				},
			},
			{
				// The apply after an import compares the write-only value with the version's (an
				// update that writes nothing when they are equal) and records that it is write-only.
				Config: cfg(1, `secret_string = "plain-value-Jm2"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(woAddr, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(woAddr, "has_secret_string_wo", "true"),
					func(s *terraform.State) error {
						if now := emulatortest.Holder(env.Stages(wo), "AWSCURRENT"); now != woID {
							return fmt.Errorf("the apply after the import wrote version %s (was %s)", now, woID)
						}
						return nil
					},
				),
			},
			{
				// The next write sets it; switching plain to write-only makes it true.
				Config: cfg(2, `
  secret_string_wo         = "plain-now-wo-Zp9"
  secret_string_wo_version = 1`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(woAddr, "has_secret_string_wo", "true"),
					resource.TestCheckResourceAttr(plainAddr, "has_secret_string_wo", "true"),
					resource.TestCheckNoResourceAttr(plainAddr, "secret_string"),
					valueIs(wo, "wo-value-2-Kx4"),
					valueIs(plain, "plain-now-wo-Zp9"),
				),
			},
			{
				// And back to a value in state: false.
				Config: cfg(2, `secret_string = "plain-again-Qw5"`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(plainAddr, "has_secret_string_wo", "false"),
					valueIs(plain, "plain-again-Qw5"),
				),
			},
		},
	})
}
