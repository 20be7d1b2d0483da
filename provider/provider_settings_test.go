package provider

import (
	"fmt"
	"regexp"
	"testing"

	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// A provider block copied from hashicorp/aws with a setting this provider lacks fails with
// the setting's name and what to do, not "Unsupported argument".
func TestAccProvider_unsupportedSettings(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.providerConfig(`use_fips_endpoint = true
  http_proxy = "http://127.0.0.1:3128"`) + `
resource "secretsmanager_secret" "s" {
  name = "app/unsupported"
}
`,
			ExpectError: regexp.MustCompile(`(?s)use_fips_endpoint is a setting of the\s+hashicorp/aws provider.*AWS_USE_FIPS_ENDPOINT.*http_proxy is a setting of the\s+hashicorp/aws provider.*HTTP_PROXY`),
		}},
	})
}

// ignore_tags: tags another tool sets are neither shown nor removed.
func TestAccProvider_ignoreTags(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	arn := env.CreateSecret("app/ignore-tags", "v",
		smtypes.Tag{Key: strPtr("ops:cost-center"), Value: strPtr("42")},
		smtypes.Tag{Key: strPtr("backup"), Value: strPtr("daily")},
		smtypes.Tag{Key: strPtr("team"), Value: strPtr("a")})
	cfg := func(tags string) string {
		return env.providerConfig(`ignore_tags {
    keys         = ["backup"]
    key_prefixes = ["ops:"]
  }`) + fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  name = "app/ignore-tags"
  tags = %s
}
`, tags)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: cfg(`{ team = "a" }`) + fmt.Sprintf("import {\n  to = %s\n  id = %q\n}\n", secretAddr, arn),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(secretAddr, plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "1"),
				),
			},
			{
				Config: cfg(`{ team = "b" }`),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(secretAddr, "tags_all.%", "1"),
					secretCheckAWS(env, secretAddr, secretWantTags(map[string]string{"ops:cost-center": "42", "backup": "daily", "team": "b"})),
				),
			},
			{
				Config: cfg(`null`),
				Check:  secretCheckAWS(env, secretAddr, secretWantTags(map[string]string{"ops:cost-center": "42", "backup": "daily"})),
			},
		},
	})
}

func strPtr(s string) *string { return &s }
