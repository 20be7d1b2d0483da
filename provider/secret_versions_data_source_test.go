package provider

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// secretsmanager_secret_versions lists every version across ListSecretVersionIds pages (AWS
// returns at most 100 a page), newest first, deprecated ones only when asked.
func TestAccSecretVersionsDataSource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	arn := env.CreateSecret("app/many-versions", "value-0")
	for i := 1; i <= 120; i++ {
		env.PutValue(arn, "value-"+strconv.Itoa(i))
	}
	// What AWS holds, read with the SDK's own paginator.
	var all []string
	pages := secretsmanager.NewListSecretVersionIdsPaginator(env.SM, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(arn), IncludeDeprecated: aws.Bool(true)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Versions {
			all = append(all, aws.ToString(v.VersionId))
		}
	}
	if len(all) != 121 {
		t.Fatalf("AWS lists %d versions, want 121", len(all))
	}
	stages := env.Stages(arn)
	current, previous := emulatortest.Holder(stages, "AWSCURRENT"), emulatortest.Holder(stages, "AWSPREVIOUS")
	const all_, labelled = "data.secretsmanager_secret_versions.all", "data.secretsmanager_secret_versions.labelled"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config: env.providerConfig("") + `
data "secretsmanager_secret_versions" "all" {
  secret_id          = "app/many-versions"
  include_deprecated = true
}
data "secretsmanager_secret_versions" "labelled" {
  secret_id = "app/many-versions"
}
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(all_, "arn", arn),
					resource.TestCheckResourceAttr(all_, "secret_arn", arn),
					resource.TestCheckResourceAttr(all_, "id", arn),
					resource.TestCheckResourceAttr(all_, "name", "app/many-versions"),
					resource.TestCheckResourceAttr(all_, "region", "us-east-1"),
					resource.TestCheckResourceAttr(all_, "versions.#", "121"),
					resource.TestCheckResourceAttr(all_, "versions.0.version_id", current),
					resource.TestCheckResourceAttr(all_, "versions.0.version_stages.#", "1"),
					resource.TestCheckResourceAttr(all_, "versions.0.version_stages.0", "AWSCURRENT"),
					resource.TestCheckResourceAttr(all_, "versions.1.version_id", previous),
					resource.TestCheckResourceAttr(all_, "versions.120.version_stages.#", "0"),
					resource.TestMatchResourceAttr(all_, "versions.0.created_time", regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)),
					func(s *terraform.State) error {
						var got []string
						for i := range 121 {
							v, err := stateAttr(s, all_, fmt.Sprintf("versions.%d.version_id", i))
							if err != nil {
								return err
							}
							got = append(got, v)
						}
						if !slices.Equal(got, all) {
							return fmt.Errorf("versions %v, want %v", got, all)
						}
						return nil
					},
					resource.TestCheckResourceAttr(labelled, "versions.#", "2"),
					resource.TestCheckResourceAttr(labelled, "versions.0.version_id", current),
					resource.TestCheckResourceAttr(labelled, "versions.1.version_id", previous),
					resource.TestCheckResourceAttr(labelled, "versions.1.version_stages.0", "AWSPREVIOUS"),
				),
			},
			{
				Config: env.providerConfig("") + `
data "secretsmanager_secret_versions" "missing" {
  secret_id = "app/no-such-secret"
}
`,
				ExpectError: regexp.MustCompile(`(?s)Secret not found.*no secret app/no-such-secret in us-east-1`),
			},
		},
	})
}
