package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestReplicaARN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ primary, region, want string }{
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:db/main-AbCdEf", "eu-west-1", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db/main-AbCdEf"},
		{"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:a:b-AbCdEf", "cn-northwest-1", "arn:aws-cn:secretsmanager:cn-northwest-1:123456789012:secret:a:b-AbCdEf"},
		{"db/main", "eu-west-1", ""},
		{"arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf", "", ""},
	} {
		if got := replicaARN(tc.primary, tc.region); got != tc.want {
			t.Errorf("replicaARN(%q, %q) = %q, want %q", tc.primary, tc.region, got, tc.want)
		}
	}
}

// Each replica block shows the replica secret's ARN, known at plan time once the primary
// exists; the ARN is the one AWS answers to in the replica's region.
func TestAccSecretResource_replicaARN(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	cfg := func(regions ...string) string {
		blocks := ""
		for _, r := range regions {
			blocks += fmt.Sprintf("  replica {\n    region = %q\n  }\n", r)
		}
		return env.providerConfig("") + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name = "replicated/arn"
%s}
data "secretsmanager_secret" "s" {
  arn        = secretsmanager_secret.s.arn
  depends_on = [secretsmanager_secret.s]
}
`, blocks)
	}
	const addr = "secretsmanager_secret.s"
	replicaARNsAnswer := func(addr, prefix string, want int) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			primary, err := stateAttr(s, "secretsmanager_secret.s", "arn")
			if err != nil {
				return err
			}
			n := 0
			for i := range want {
				region, err := stateAttr(s, addr, fmt.Sprintf("%s.%d.region", prefix, i))
				if err != nil {
					return err
				}
				arn, err := stateAttr(s, addr, fmt.Sprintf("%s.%d.arn", prefix, i))
				if err != nil {
					return err
				}
				if arn != strings.Replace(primary, ":us-east-1:", ":"+region+":", 1) {
					return fmt.Errorf("replica in %s has ARN %s (primary %s)", region, arn, primary)
				}
				out, err := secretSM(env, region).DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
				if err != nil || aws.ToString(out.ARN) != arn || aws.ToString(out.PrimaryRegion) != "us-east-1" {
					return fmt.Errorf("replica ARN %s in %s: %v %+v", arn, region, err, out)
				}
				n++
			}
			if n != want {
				return fmt.Errorf("%d replicas checked, want %d", n, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg("us-west-2"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "replica.#", "1"),
					replicaARNsAnswer(addr, "replica", 1),
					replicaARNsAnswer("data.secretsmanager_secret.s", "replica", 1),
				),
			},
			{
				// A replica added to an existing secret has its ARN in the plan already.
				Config: cfg("us-west-2", "eu-west-1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{planCheckFunc(func(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
						for _, rc := range req.Plan.ResourceChanges {
							if rc.Address != addr {
								continue
							}
							after, _ := rc.Change.After.(map[string]any)
							reps, _ := after["replica"].([]any)
							for _, r := range reps {
								m, _ := r.(map[string]any)
								if arn, _ := m["arn"].(string); m["region"] == "eu-west-1" && !strings.Contains(arn, ":eu-west-1:") {
									resp.Error = fmt.Errorf("planned replica %v has no known ARN", m)
								}
							}
						}
					})},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "replica.#", "2"),
					replicaARNsAnswer(addr, "replica", 2),
				),
			},
		},
	})
}
