package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// rotationTest is an emulator with a rotation function and one secret to rotate.
type rotationTest struct {
	*testEnv
	fn        *testRotator
	lambdaARN string
	secretARN string
}

func newRotationTest(t *testing.T, secretName string) *rotationTest {
	t.Helper()
	env := newTestEnv(t)
	fn, arn := registerRotator(env, "rotator")
	out, err := env.SM.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{Name: aws.String(secretName), SecretString: aws.String("initial")})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	return &rotationTest{testEnv: env, fn: fn, lambdaARN: arn, secretARN: aws.ToString(out.ARN)}
}

// config is a secretsmanager_secret_rotation "r" for the test's secret with the given body
// after secret_id and rotation_lambda_arn.
func (rt *rotationTest) config(body string) string {
	return rt.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_rotation" "r" {
  secret_id           = %q
  rotation_lambda_arn = %q
%s
}
`, rt.secretARN, rt.lambdaARN, body)
}

// rotations returns the finished rotation records of the secret: full rotations (four
// steps) and configuration tests (testSecret only) alike.
func (rt *rotationTest) rotations(t *testing.T) []emulator.RotationRecord {
	t.Helper()
	all, err := rt.Control.Rotations(t.Context())
	if err != nil {
		t.Fatalf("Rotations: %v", err)
	}
	var out []emulator.RotationRecord
	for _, r := range all {
		if r.SecretARN == rt.secretARN {
			out = append(out, r)
		}
	}
	return out
}

// fullRotations counts rotations that created a new value (not configuration tests).
func fullRotations(recs []emulator.RotationRecord) int {
	n := 0
	for _, r := range recs {
		if len(r.Steps) > 0 && r.Steps[0].Step == "createSecret" {
			n++
		}
	}
	return n
}

// waitRotations waits until n rotations of the secret have finished and checks how many of
// them were full rotations and that they all succeeded.
func (rt *rotationTest) waitRotations(t *testing.T, n, full int) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		recs, err := rt.Control.WaitRotations(ctx, rt.secretARN, n)
		if err != nil {
			return err
		}
		if len(recs) != n {
			return fmt.Errorf("%d rotations finished, want %d", len(recs), n)
		}
		if got := fullRotations(recs); got != full {
			return fmt.Errorf("%d full rotations, want %d", got, full)
		}
		for _, r := range recs {
			if r.Outcome != "succeeded" {
				return fmt.Errorf("rotation %s: %s %s", r.Token, r.Outcome, r.Error)
			}
		}
		return nil
	}
}

// describe reads the secret through the SDK.
func (rt *rotationTest) describe(ctx context.Context) (*secretsmanager.DescribeSecretOutput, error) {
	return rt.SM.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(rt.secretARN)})
}

// checkAWSRules checks the rotation configuration Secrets Manager holds.
func (rt *rotationTest) checkAWSRules(t *testing.T, days int64, expr, duration string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		d, err := rt.describe(t.Context())
		if err != nil {
			return err
		}
		if !aws.ToBool(d.RotationEnabled) || aws.ToString(d.RotationLambdaARN) != rt.lambdaARN || d.RotationRules == nil {
			return fmt.Errorf("rotation in AWS: enabled %v, function %q, rules %+v", aws.ToBool(d.RotationEnabled), aws.ToString(d.RotationLambdaARN), d.RotationRules)
		}
		r := d.RotationRules
		if aws.ToInt64(r.AutomaticallyAfterDays) != days || aws.ToString(r.ScheduleExpression) != expr || aws.ToString(r.Duration) != duration {
			return fmt.Errorf("rules in AWS: days %d expr %q duration %q; want %d %q %q",
				aws.ToInt64(r.AutomaticallyAfterDays), aws.ToString(r.ScheduleExpression), aws.ToString(r.Duration), days, expr, duration)
		}
		return nil
	}
}

// currentVersion records the version that holds AWSCURRENT into *dst, or, when *dst is set,
// checks that it has not moved.
func (rt *rotationTest) currentVersion(t *testing.T, dst *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		d, err := rt.describe(t.Context())
		if err != nil {
			return err
		}
		var cur string
		for id, st := range d.VersionIdsToStages {
			if slices.Contains(st, "AWSCURRENT") {
				cur = id
			}
		}
		if *dst == "" {
			*dst = cur
			return nil
		}
		if cur != *dst {
			return fmt.Errorf("AWSCURRENT moved from %s to %s: the secret was rotated", *dst, cur)
		}
		return nil
	}
}

// checkRotationOff is the CheckDestroy of the rotation tests: destroying turns rotation off
// but leaves the secret.
func (rt *rotationTest) checkRotationOff(t *testing.T) resource.TestCheckFunc {
	return func(*terraform.State) error {
		d, err := rt.describe(t.Context())
		if err != nil {
			return fmt.Errorf("the secret must survive destroy: %w", err)
		}
		if aws.ToBool(d.RotationEnabled) {
			return fmt.Errorf("rotation is still on after destroy")
		}
		return nil
	}
}

func TestAccSecretRotationLifecycle(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-lifecycle")
	const name = "secretsmanager_secret_rotation.r"
	var current string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		CheckDestroy:             rt.checkRotationOff(t),
		Steps: []resource.TestStep{{
			// Create: rotate_immediately defaults to true, so the secret is rotated once.
			Config: rt.config(`
  rotation_rules {
    automatically_after_days = 30
  }`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(name, tfjsonpath.New("id"), knownvalue.StringExact(rt.secretARN)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("rotation_enabled"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(name, tfjsonpath.New("rotate_immediately"), knownvalue.Bool(true)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			Check: resource.ComposeTestCheckFunc(
				rt.waitRotations(t, 1, 1),
				rt.checkAWSRules(t, 30, "", ""),
				rt.currentVersion(t, &current),
			),
		}, {
			// A schedule change updates in place and does not rotate: Secrets Manager only
			// runs testSecret, and AWSCURRENT stays where it was.
			Config: rt.config(`
  rotation_rules {
    schedule_expression = "rate(10 days)"
    duration            = "3h"
  }`),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(
				rt.waitRotations(t, 2, 1),
				rt.checkAWSRules(t, 0, "rate(10 days)", "3h"),
				rt.currentVersion(t, &current),
			),
		}, {
			Config: rt.config(`
  rotate_immediately = false
  rotation_rules {
    schedule_expression = "cron(0 8 ? * MON *)"
  }`),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(
				rt.waitRotations(t, 3, 1),
				rt.checkAWSRules(t, 0, "cron(0 8 ? * MON *)", ""),
				rt.currentVersion(t, &current),
				resource.TestCheckResourceAttr(name, "rotate_immediately", "false"),
			),
		}, {
			// Changing only rotate_immediately calls nothing.
			PreConfig: func() { rt.resetCalls(t) },
			Config: rt.config(`
  rotate_immediately = true
  rotation_rules {
    schedule_expression = "cron(0 8 ? * MON *)"
  }`),
			Check: rt.expectSMCalls(map[string]int64{"DescribeSecret": 1}),
		}, {
			ResourceName:      name,
			ImportState:       true,
			ImportStateId:     rt.secretARN,
			ImportStateVerify: true,
		}, {
			// By name too; the id is still the ARN.
			ResourceName:  name,
			ImportState:   true,
			ImportStateId: "rotation-lifecycle",
			ImportStateCheck: func(states []*terraform.InstanceState) error {
				if len(states) != 1 || states[0].ID != rt.secretARN || states[0].Attributes["rotation_rules.0.schedule_expression"] != "cron(0 8 ? * MON *)" ||
					states[0].Attributes["rotation_lambda_arn"] != rt.lambdaARN {
					return fmt.Errorf("imported by name: %+v", states)
				}
				return nil
			},
		}},
	})
}

// TestAccSecretRotationDrift turns rotation off and changes its rules outside Terraform; each
// shows in the plan and apply puts it back.
func TestAccSecretRotationDrift(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-drift")
	const name = "secretsmanager_secret_rotation.r"
	cfg := func(immediately bool) string {
		return rt.config(fmt.Sprintf(`
  rotate_immediately = %t
  rotation_rules {
    automatically_after_days = 30
  }`, immediately))
	}
	var current string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		CheckDestroy:             rt.checkRotationOff(t),
		Steps: []resource.TestStep{{
			Config: cfg(false),
			// rotate_immediately = false: only the configuration test runs.
			Check: resource.ComposeTestCheckFunc(rt.waitRotations(t, 1, 0), rt.currentVersion(t, &current)),
		}, {
			// Rotation turned off outside Terraform: the plan turns it back on, without
			// rotating since rotate_immediately is false.
			PreConfig: func() {
				if _, err := rt.SM.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(rt.secretARN)}); err != nil {
					t.Fatalf("CancelRotateSecret: %v", err)
				}
			},
			Config: cfg(false),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(name, tfjsonpath.New("rotation_enabled"), knownvalue.Bool(true)),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(
				rt.waitRotations(t, 2, 0),
				rt.checkAWSRules(t, 30, "", ""),
				rt.currentVersion(t, &current),
			),
		}, {
			// Rules changed outside Terraform: plan shows the update, apply restores them.
			PreConfig: func() {
				if _, err := rt.SM.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String(rt.secretARN), RotateImmediately: aws.Bool(false),
					RotationRules: &smtypes.RotationRulesType{ScheduleExpression: aws.String("rate(5 days)")}}); err != nil {
					t.Fatalf("RotateSecret: %v", err)
				}
				if err := rt.waitRotations(t, 3, 0)(nil); err != nil {
					t.Fatal(err)
				}
			},
			Config: cfg(false),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(name, tfjsonpath.New("rotation_rules").AtSliceIndex(0).AtMapKey("automatically_after_days"), knownvalue.Int64Exact(30)),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(rt.waitRotations(t, 4, 0), rt.checkAWSRules(t, 30, "", "")),
		}, {
			// Turned off again, now with rotate_immediately = true: turning it back on rotates.
			PreConfig: func() {
				if _, err := rt.SM.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String(rt.secretARN)}); err != nil {
					t.Fatalf("CancelRotateSecret: %v", err)
				}
			},
			Config: cfg(true),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(name, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeTestCheckFunc(rt.waitRotations(t, 5, 1), rt.checkAWSRules(t, 30, "", "")),
		}},
	})
}

// TestAccSecretRotationSecretDeleted: a secret deleted outside Terraform takes its rotation
// with it; the plan creates the rotation again, and apply reports the missing secret.
func TestAccSecretRotationSecretDeleted(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-deleted")
	cfg := rt.config(`
  rotate_immediately = false
  rotation_rules {
    automatically_after_days = 7
  }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check:  rt.waitRotations(t, 1, 0),
		}, {
			PreConfig: func() {
				if _, err := rt.SM.DeleteSecret(t.Context(), &secretsmanager.DeleteSecretInput{SecretId: aws.String(rt.secretARN), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
					t.Fatalf("DeleteSecret: %v", err)
				}
			},
			Config:             cfg,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}, {
			Config:      cfg,
			ExpectError: regexp.MustCompile(`Secret is scheduled for deletion[\s\S]*restore-secret`),
		}},
	})
}

// TestAccSecretRotationRefreshCalls measures the API calls of a refresh: one DescribeSecret.
func TestAccSecretRotationRefreshCalls(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-calls")
	cfg := rt.config(`
  rotate_immediately = false
  rotation_rules {
    schedule_expression = "rate(4 hours)"
    duration            = "2h"
  }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check:  rt.waitRotations(t, 1, 0),
		}, {
			PreConfig:    func() { rt.resetCalls(t) },
			RefreshState: true,
			Check: func(*terraform.State) error {
				calls, err := rt.Control.Calls(t.Context())
				if err != nil {
					return err
				}
				sm := map[string]int64{}
				for op, n := range calls {
					if strings.HasPrefix(op, "secretsmanager.") {
						sm[op] = n
					}
				}
				t.Logf("Secrets Manager calls of one refresh: %v", sm)
				if len(sm) != 1 || sm["secretsmanager.DescribeSecret"] != 1 {
					return fmt.Errorf("one refresh made %v; want exactly one DescribeSecret", sm)
				}
				return nil
			},
		}},
	})
}

// TestAccSecretRotationInvalidRules: every mistake in rotation_rules fails the plan with a
// diagnostic on the attribute to fix, before any AWS call.
func TestAccSecretRotationInvalidRules(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-invalid")
	tests := []struct {
		name, body string
		err        string
	}{
		{"rate too frequent", `schedule_expression = "rate(1 hours)"`, `Invalid rotation_rules\.0\.schedule_expression[\s\S]*4\s+hours`},
		{"rate in minutes", `schedule_expression = "rate(240 minutes)"`, `Invalid rotation_rules\.0\.schedule_expression[\s\S]*minutes`},
		{"trailing text", `schedule_expression = "rate(10 days) "`, `Invalid rotation_rules\.0\.schedule_expression`},
		{"unanchored garbage", `schedule_expression = "xrate(10 days)"`, `Invalid rotation_rules\.0\.schedule_expression`},
		{"cron with minutes", `schedule_expression = "cron(15 10 ? * MON *)"`, `Invalid rotation_rules\.0\.schedule_expression`},
		{"cron malformed", `schedule_expression = "cron(0 10 * * MON)"`, `Invalid rotation_rules\.0\.schedule_expression`},
		{"cron every hour", `schedule_expression = "cron(0 * * * ? *)"`, `Invalid rotation_rules\.0\.schedule_expression`},
		{"empty expression", `schedule_expression = ""`, `Invalid rotation_rules\.0\.schedule_expression[\s\S]*empty`},
		{"duration in minutes", "schedule_expression = \"rate(10 days)\"\n    duration = \"90m\"", `Invalid rotation_rules\.0\.duration[\s\S]*minutes`},
		{"duration too long", "schedule_expression = \"rate(10 days)\"\n    duration = \"25h\"", `Invalid rotation_rules\.0\.duration[\s\S]*24\s+hours`},
		{"duration past the next window", "schedule_expression = \"rate(4 hours)\"\n    duration = \"5h\"", `Invalid rotation_rules\.0\.duration`},
		{"duration without schedule", `duration = "2h"`, `Invalid rotation_rules\.0\.duration[\s\S]*without\s+a\s+rotation\s+schedule`},
		{"both set", "automatically_after_days = 10\n    schedule_expression = \"rate(10 days)\"", `Invalid rotation_rules\.0\.automatically_after_days[\s\S]*only\s+one`},
		{"days zero", `automatically_after_days = 0`, `Invalid rotation_rules\.0\.automatically_after_days[\s\S]*between\s+1\s+and\s+1000`},
		{"days too many", `automatically_after_days = 1001`, `Invalid rotation_rules\.0\.automatically_after_days[\s\S]*1000`},
		{"empty block", ``, `Invalid rotation_rules[\s\S]*no\s+rotation\s+schedule`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: rt.factories(),
				Steps: []resource.TestStep{{
					Config:      rt.config("  rotation_rules {\n    " + tc.body + "\n  }"),
					ExpectError: regexp.MustCompile(tc.err),
				}},
			})
		})
	}
	for _, tc := range []struct{ name, config, err string }{
		{"no rules block", rt.config(""), `Exactly one rotation_rules block required`},
		{"two rules blocks", rt.config("  rotation_rules {\n    automatically_after_days = 1\n  }\n  rotation_rules {\n    automatically_after_days = 2\n  }"),
			`Exactly one rotation_rules block required`},
		{"function not an ARN", rt.providerConfig("") + `
resource "secretsmanager_secret_rotation" "r" {
  secret_id           = "x"
  rotation_lambda_arn = "rotator"
  rotation_rules {
    automatically_after_days = 1
  }
}`, `Invalid rotation_lambda_arn[\s\S]*Lambda\s+function\s+ARN`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: rt.factories(),
				Steps:                    []resource.TestStep{{Config: tc.config, ExpectError: regexp.MustCompile(tc.err)}},
			})
		})
	}
	calls, err := rt.Control.Calls(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := calls["secretsmanager.RotateSecret"]; n != 0 {
		t.Fatalf("%d RotateSecret calls: invalid rules must fail at plan time", n)
	}
}

// TestAccSecretRotationRulesFromOtherResources: rules that are unknown at plan time are
// checked at apply, and the known parts are still checked at plan.
func TestAccSecretRotationUnknownRules(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-unknown")
	cfg := func(duration string) string {
		return rt.config(fmt.Sprintf(`
  rotate_immediately = false
  rotation_rules {
    schedule_expression = terraform_data.expr.output
    duration            = %q
  }`, duration)) + `
resource "terraform_data" "expr" {
  input = "rate(6 hours)"
}`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		Steps: []resource.TestStep{{
			Config:      cfg("30m"),
			ExpectError: regexp.MustCompile(`Invalid rotation_rules\.0\.duration[\s\S]*minutes`),
		}, {
			Config: cfg("2h"),
			Check:  resource.ComposeTestCheckFunc(rt.waitRotations(t, 1, 0), rt.checkAWSRules(t, 0, "rate(6 hours)", "2h")),
		}},
	})
}

func TestAccSecretRotationUnknownFunction(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-nofunction")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		Steps: []resource.TestStep{{
			Config: rt.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret_rotation" "r" {
  secret_id           = %q
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:does-not-exist"
  rotation_rules {
    automatically_after_days = 30
  }
}`, rt.secretARN),
			ExpectError: regexp.MustCompile(`Rotation function cannot be invoked[\s\S]*does-not-exist[\s\S]*secretsmanager\.amazonaws\.com`),
		}, {
			Config: rt.providerConfig("") + `
resource "secretsmanager_secret_rotation" "r" {
  secret_id           = "no-such-secret"
  rotation_lambda_arn = "` + rt.lambdaARN + `"
  rotation_rules {
    automatically_after_days = 30
  }
}`,
			ExpectError: regexp.MustCompile(`Secret not found[\s\S]*no-such-secret`),
		}},
	})
	d, err := rt.describe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToBool(d.RotationEnabled) || d.RotationLambdaARN != nil {
		t.Fatalf("a failed create left rotation configured: enabled %v, function %v", aws.ToBool(d.RotationEnabled), aws.ToString(d.RotationLambdaARN))
	}
}

// TestAccSecretRotationPreviousIncomplete: a rotation stuck part-way makes RotateSecret fail;
// the diagnostic says why and gives the commands that unblock it.
func TestAccSecretRotationPreviousIncomplete(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-stuck")
	rt.fn.setFailAt("setSecret")
	var pending string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		CheckDestroy:             rt.checkRotationOff(t),
		Steps: []resource.TestStep{{
			Config: rt.config(`
  rotation_rules {
    automatically_after_days = 30
  }`),
			Check: func(*terraform.State) error {
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				recs, err := rt.Control.WaitRotations(ctx, rt.secretARN, 1)
				if err != nil {
					return err
				}
				if recs[0].Outcome != "failed" {
					return fmt.Errorf("the rotation was meant to fail: %+v", recs[0])
				}
				pending = recs[0].Token
				return nil
			},
		}, {
			Config: rt.config(`
  rotation_rules {
    automatically_after_days = 10
  }`),
			ExpectError: regexp.MustCompile(`A previous rotation of the secret is not complete[\s\S]*cancel-rotate-secret[\s\S]*update-secret-version-stage`),
		}},
	})
	if pending == "" {
		t.Fatal("no stuck rotation recorded")
	}
}

// TestPreviousRotationDiagnosticNamesVersion checks the fix commands carry the stuck version.
func TestAccSecretRotationIncompleteNamesVersion(t *testing.T) {
	t.Parallel()
	rt := newRotationTest(t, "rotation-stuck-version")
	rt.fn.setFailAt("testSecret")
	out, err := rt.SM.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String(rt.secretARN), RotationLambdaARN: aws.String(rt.lambdaARN),
		RotationRules: &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.waitRotationsAnyOutcome(t, 1); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: rt.factories(),
		Steps: []resource.TestStep{{
			Config: rt.config(`
  rotation_rules {
    automatically_after_days = 30
  }`),
			ExpectError: regexp.MustCompile(`--remove-from-version-id\s+` + regexp.QuoteMeta(aws.ToString(out.VersionId))),
		}},
	})
}

func (rt *rotationTest) waitRotationsAnyOutcome(t *testing.T, n int) error {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := rt.Control.WaitRotations(ctx, rt.secretARN, n)
	return err
}

// TestRotationRulesFromAWS: rules as DescribeSecret reports them keep the configuration's form.
func TestRotationRulesFromAWS(t *testing.T) {
	t.Parallel()
	days := func(n int64) []rotationRulesModel {
		return []rotationRulesModel{{AutomaticallyAfterDays: types.Int64Value(n), ScheduleExpression: types.StringNull(), Duration: types.StringNull()}}
	}
	expr := func(s string) []rotationRulesModel {
		return []rotationRulesModel{{AutomaticallyAfterDays: types.Int64Null(), ScheduleExpression: types.StringValue(s), Duration: types.StringNull()}}
	}
	tests := []struct {
		name  string
		in    *smtypes.RotationRulesType
		prior []rotationRulesModel
		want  []rotationRulesModel
	}{
		{"days", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, days(30), days(30)},
		{"days reported with their rate", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30), ScheduleExpression: aws.String("rate(30 days)")}, days(30), days(30)},
		{"one day reported with its rate", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1), ScheduleExpression: aws.String("rate(1 day)")}, days(1), days(1)},
		{"expression reported with days", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(10), ScheduleExpression: aws.String("rate(10 days)")}, expr("rate(10 days)"), expr("rate(10 days)")},
		{"days changed outside", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(7)}, days(30), days(7)},
		{"days replaced by an expression outside", &smtypes.RotationRulesType{ScheduleExpression: aws.String("rate(5 days)")}, days(30), expr("rate(5 days)")},
		{"import", &smtypes.RotationRulesType{ScheduleExpression: aws.String("cron(0 8 ? * MON *)"), Duration: aws.String("2h")}, nil,
			[]rotationRulesModel{{AutomaticallyAfterDays: types.Int64Null(), ScheduleExpression: types.StringValue("cron(0 8 ? * MON *)"), Duration: types.StringValue("2h")}}},
		{"none", nil, days(30), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rotationRulesFromAWS(tc.in, tc.prior); !slices.Equal(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
