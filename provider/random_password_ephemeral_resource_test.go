package provider

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/echoprovider"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// factoriesWithEcho adds the echo provider, which copies an ephemeral value into the state of
// `echo.test` so that a test can look at it (and only there).
func (e *testEnv) factoriesWithEcho() map[string]func() (tfprotov6.ProviderServer, error) {
	f := e.factories()
	f["echo"] = echoprovider.NewProviderServer()
	return f
}

func TestAccRandomPasswordEphemeral(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	for _, tc := range passwordTestCases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factoriesWithEcho(),
				Steps: []resource.TestStep{{
					Config: env.providerConfig("") + fmt.Sprintf(`
ephemeral "secretsmanager_random_password" "p" {
    %s
}
provider "echo" {
  data = ephemeral.secretsmanager_random_password.p
}
resource "echo" "test" {}
`, tc.args),
					Check: resource.TestCheckResourceAttrWith("echo.test", "data.random_password", tc.want.check),
				}},
			})
		})
	}
}

// TestAccRandomPasswordEphemeralNeverPersisted feeds the password to a sink that keeps nothing
// (a precondition through a local) and searches the saved plan, the state and Terraform's
// trace log for it. TestAccRandomPasswordDataSourceInState shows the same search finds a
// data source's password.
func TestAccRandomPasswordEphemeralNeverPersisted(t *testing.T) {
	env := newTestEnv(t)
	logFile := filepath.Join(t.TempDir(), "terraform.log")
	t.Setenv("TF_ACC_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	// want is an expression, so that the configuration (which Terraform logs) does not spell
	// out the password.
	config := func(want string) string {
		return env.providerConfig("") + `
ephemeral "secretsmanager_random_password" "p" {
` + recognisablePasswordArgs + `
}
locals {
  password = ephemeral.secretsmanager_random_password.p.random_password
}
resource "terraform_data" "sink" {
  lifecycle {
    precondition {
      condition     = local.password == ` + want + `
      error_message = "The ephemeral password is not the one the options imply."
    }
  }
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			// The sink really sees the password: a wrong expectation fails.
			Config:      config(`join("", [for i in range(47) : "q"])`),
			ExpectError: regexp.MustCompile(`The ephemeral password is not the one the options imply`),
		}, {
			Config: config(`join("", [for i in range(48) : "q"])`),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{jsonSearchPlan(recognisablePassword, false)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), jsonSearchPlan(recognisablePassword, false)},
			},
			ConfigStateChecks: []statecheck.StateCheck{jsonSearchState(recognisablePassword, false)},
			Check: func(*terraform.State) error {
				calls, err := env.Control.Calls(t.Context())
				if err != nil {
					return err
				}
				if calls["secretsmanager.GetRandomPassword"] == 0 {
					return fmt.Errorf("the ephemeral resource never called GetRandomPassword")
				}
				return nil
			},
		}},
	})
	found, err := fileContains(logFile, recognisablePassword)
	if err != nil {
		t.Fatalf("reading the Terraform log: %v", err)
	}
	if found {
		t.Fatal("the trace log contains the ephemeral password")
	}
	if logged, _ := fileContains(logFile, "secretsmanager_random_password"); !logged {
		t.Fatal("the trace log does not mention the ephemeral resource; the log search proves nothing")
	}
}

func TestAccRandomPasswordEphemeralValidation(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	testRandomPasswordRejected(t, env, env.factoriesWithEcho(), func(args string) string {
		return "ephemeral \"secretsmanager_random_password\" \"p\" {\n" + args + `
}
provider "echo" {
  data = ephemeral.secretsmanager_random_password.p
}
resource "echo" "test" {}
`
	})
}

// TestAccRandomPasswordEphemeralWriteOnly is the intended use: the ephemeral password feeds
// the write-only secret_string_wo of a secret version. Secrets Manager gets the password;
// plan and state never hold it, and the next plan is empty although a new password is drawn.
func TestAccRandomPasswordEphemeralWriteOnly(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	out, err := env.SM.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String("random-password-wo")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	cfg := env.providerConfig("") + `
ephemeral "secretsmanager_random_password" "p" {
` + recognisablePasswordArgs + `
}
resource "secretsmanager_secret_version" "v" {
  secret_id                = "` + aws.ToString(out.ARN) + `"
  secret_string_wo         = ephemeral.secretsmanager_random_password.p.random_password
  secret_string_wo_version = 1
}
`
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{jsonSearchPlan(recognisablePassword, false)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), jsonSearchPlan(recognisablePassword, false)},
			},
			ConfigStateChecks: []statecheck.StateCheck{jsonSearchState(recognisablePassword, false)},
			Check: func(*terraform.State) error {
				v, err := env.SM.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: out.ARN})
				if err != nil {
					return err
				}
				if aws.ToString(v.SecretString) != recognisablePassword {
					return fmt.Errorf("Secrets Manager does not hold the generated password")
				}
				return nil
			},
		}},
	})
}
