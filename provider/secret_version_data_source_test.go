package provider

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccSecretVersionDataSource reads the current version (default), a version by stage, by id
// (with the secret named, not its ARN) and a binary version, one GetSecretValue each; and fails
// with a message that says what to check when no version matches.
func TestAccSecretVersionDataSource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	arn := svCreateSecret(t, env, "ds/app")
	v1 := svPut(t, env, arn, "ds-first-Ha7")
	v2 := svPut(t, env, arn, "ds-second-Lo3")
	binARN := svCreateSecret(t, env, "ds/binary")
	vb := svPutBinary(t, env, binARN, []byte{0, 1, 2, 250, 255})
	rfc3339 := knownvalue.StringRegexp(regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`))
	ds := func(name string) func(attr string, c knownvalue.Check) statecheck.StateCheck {
		return func(attr string, c knownvalue.Check) statecheck.StateCheck {
			return statecheck.ExpectKnownValue("data.secretsmanager_secret_version."+name, tfjsonpath.New(attr), c)
		}
	}
	current, previous, byID, binary := ds("current"), ds("previous"), ds("by_id"), ds("binary")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			// Bad input first: the destroy at the end uses the last configuration.
			{
				Config: env.providerConfig("") + fmt.Sprintf(`
data "secretsmanager_secret_version" "missing" {
  secret_id     = %q
  version_stage = "NOSUCHSTAGE"
}
`, arn),
				ExpectError: regexp.MustCompile(`(?s)Cannot read the secret value.*GetSecretValue.*NOSUCHSTAGE`),
			},
			{
				Config: env.providerConfig("") + `
data "secretsmanager_secret_version" "bad" {
  secret_id  = "ds/app"
  version_id = "v1"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Invalid version_id.*32\s+to\s+64\s+characters`),
			},
			{
				PreConfig: func() { env.resetCalls(t) },
				Config: env.providerConfig("") + fmt.Sprintf(`
data "secretsmanager_secret_version" "current" {
  secret_id = %[1]q
}

data "secretsmanager_secret_version" "previous" {
  secret_id     = %[1]q
  version_stage = "AWSPREVIOUS"
}

data "secretsmanager_secret_version" "by_id" {
  secret_id  = "ds/app"
  version_id = %[2]q
}

data "secretsmanager_secret_version" "binary" {
  secret_id = %[3]q
}
`, arn, v1, binARN),
				ConfigStateChecks: []statecheck.StateCheck{
					current("secret_string", knownvalue.StringExact("ds-second-Lo3")),
					current("secret_binary", knownvalue.Null()),
					current("version_id", knownvalue.StringExact(v2)),
					current("version_stages", svSetOf("AWSCURRENT")),
					current("arn", knownvalue.StringExact(arn)),
					current("secret_arn", knownvalue.StringExact(arn)),
					current("id", knownvalue.StringExact(arn+"|"+v2)),
					current("created_date", rfc3339),
					previous("secret_string", knownvalue.StringExact("ds-first-Ha7")),
					previous("version_id", knownvalue.StringExact(v1)),
					byID("secret_string", knownvalue.StringExact("ds-first-Ha7")),
					byID("version_stages", svSetOf("AWSPREVIOUS")),
					byID("arn", knownvalue.StringExact(arn)),
					binary("secret_binary", knownvalue.StringExact(base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 250, 255}))),
					binary("secret_string", knownvalue.Null()),
					binary("version_id", knownvalue.StringExact(vb)),
				},
				// The plan read the four data sources; the apply of that plan reads nothing.
				Check: env.expectSMCalls(map[string]int64{"GetSecretValue": 4}),
			},
		},
	})
}
