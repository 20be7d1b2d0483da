package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

func TestAccSecretsDataSource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	ctx := t.Context()
	// More secrets than one ListSecrets page holds (100), created out of name order.
	arns := map[string]string{}
	create := func(name string, tags ...smtypes.Tag) {
		out, err := env.SM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		arns[name] = aws.ToString(out.ARN)
	}
	for i := 129; i >= 0; i-- {
		create(fmt.Sprintf("app/svc-%03d", i), smtypes.Tag{Key: aws.String("team"), Value: aws.String("app")})
	}
	create("db/orders", smtypes.Tag{Key: aws.String("team"), Value: aws.String("data")})
	create("app/zz-retired")
	if _, err := env.SM.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String("app/zz-retired"), RecoveryWindowInDays: aws.Int64(7)}); err != nil {
		t.Fatal(err)
	}
	const app, data, retired, others, all = "data.secretsmanager_secrets.app", "data.secretsmanager_secrets.data", "data.secretsmanager_secrets.retired",
		"data.secretsmanager_secrets.others", "data.secretsmanager_secrets.all"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secrets\" \"x\" {\n  filter {\n    name = \"tag\"\n    values = [\"a\"]\n  }\n}\n",
				ExpectError: regexp.MustCompile(`(?s)filter\[0\].name.*value must be one of`),
			},
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secrets\" \"x\" {\n  filter {\n    name = \"name\"\n    values = []\n  }\n}\n",
				ExpectError: regexp.MustCompile(`(?s)values.*must contain at least 1 elements`),
			},
			{
				Config:      env.providerConfig("") + "data \"secretsmanager_secrets\" \"x\" {\n  filter {\n    name = \"name\"\n    values = [\"a*b\"]\n  }\n}\n",
				ExpectError: regexp.MustCompile(`(?s)may only contain letters, digits, spaces`),
			},
			{
				PreConfig: func() { env.resetCalls(t) },
				Config: env.providerConfig("") + `
data "secretsmanager_secrets" "app" {
  filter {
    name   = "name"
    values = ["app/"]
  }
}

data "secretsmanager_secrets" "data" {
  filter {
    name   = "tag-key"
    values = ["team"]
  }
  filter {
    name   = "tag-value"
    values = ["data"]
  }
}

data "secretsmanager_secrets" "retired" {
  include_planned_deletion = true
  filter {
    name   = "name"
    values = ["app/zz"]
  }
}

data "secretsmanager_secrets" "others" {
  filter {
    name   = "name"
    values = ["!app/"]
  }
}

data "secretsmanager_secrets" "all" {}
`,
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(app, "id", "us-east-1"),
					resource.TestCheckResourceAttr(app, "names.#", "130"),
					resource.TestCheckResourceAttr(app, "arns.#", "130"),
					resource.TestCheckResourceAttr(app, "names.0", "app/svc-000"),
					resource.TestCheckResourceAttr(app, "names.129", "app/svc-129"),
					func(s *terraform.State) error {
						// arns[i] belongs to names[i].
						attrs := s.RootModule().Resources[app].Primary.Attributes
						for i := range 130 {
							name := attrs[fmt.Sprintf("names.%d", i)]
							if got := attrs[fmt.Sprintf("arns.%d", i)]; got != arns[name] {
								return fmt.Errorf("arns.%d is %s, want the ARN of %s, %s", i, got, name, arns[name])
							}
						}
						return nil
					},
					resource.TestCheckResourceAttr(data, "names.#", "1"),
					resource.TestCheckResourceAttr(data, "names.0", "db/orders"),
					resource.TestCheckResourceAttr(retired, "names.#", "1"),
					resource.TestCheckResourceAttr(retired, "names.0", "app/zz-retired"),
					resource.TestCheckResourceAttr(others, "names.#", "1"),
					resource.TestCheckResourceAttr(others, "names.0", "db/orders"),
					resource.TestCheckResourceAttr(all, "names.#", "131"),
					func(*terraform.State) error {
						// app and all need two pages each, the others one; data sources are read
						// once, at plan time.
						if n := env.Calls()["secretsmanager.ListSecrets"]; n != 2+1+1+1+2 {
							return fmt.Errorf("ListSecrets called %d times, want %d", n, 2+1+1+1+2)
						}
						return nil
					},
				),
			},
		},
	})
}
