package provider

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// TestAccSecretVersionEphemeralResource feeds ephemeral reads (current, by stage, by id,
// binary) into write-only attributes of versions of other secrets: AWS receives each value,
// and none reaches the state file, the saved plan or their JSON. A data source read of a
// control secret proves the greps find values that are there.
func TestAccSecretVersionEphemeralResource(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	src := svCreateSecret(t, env, "eph/source")
	v1 := svPut(t, env, src, "eph-first-Bn5")
	svPut(t, env, src, "eph-second-Cq8")
	binSrc := svCreateSecret(t, env, "eph/binary")
	binValue := []byte("eph-binary-Dz1")
	svPutBinary(t, env, binSrc, binValue)
	controlSrc := svCreateSecret(t, env, "eph/control")
	svPut(t, env, controlSrc, "eph-control-Ef4")
	dst := map[string]string{}
	for _, name := range []string{"current", "previous", "by_id", "binary"} {
		dst[name] = svCreateSecret(t, env, "eph/dest-"+name)
	}
	secrets := []string{"eph-first-Bn5", "eph-second-Cq8", string(binValue), base64.StdEncoding.EncodeToString(binValue)}
	dir := t.TempDir()
	config := env.providerConfig("") + fmt.Sprintf(`
ephemeral "secretsmanager_secret_version" "current" {
  secret_id = %[1]q
}

ephemeral "secretsmanager_secret_version" "previous" {
  secret_id     = %[1]q
  version_stage = "AWSPREVIOUS"
}

ephemeral "secretsmanager_secret_version" "by_id" {
  secret_id  = "eph/source"
  version_id = %[2]q
}

ephemeral "secretsmanager_secret_version" "binary" {
  secret_id = %[3]q
}

resource "secretsmanager_secret_version" "current" {
  secret_id                = %[4]q
  secret_string_wo         = ephemeral.secretsmanager_secret_version.current.secret_string
  secret_string_wo_version = 1
}

resource "secretsmanager_secret_version" "previous" {
  secret_id                = %[5]q
  secret_string_wo         = ephemeral.secretsmanager_secret_version.previous.secret_string
  secret_string_wo_version = 1
}

resource "secretsmanager_secret_version" "by_id" {
  secret_id                = %[6]q
  # Non-secret attributes of an ephemeral read are ephemeral too, but usable in write-only ones.
  secret_string_wo         = "${ephemeral.secretsmanager_secret_version.by_id.secret_string}/${ephemeral.secretsmanager_secret_version.by_id.version_id}"
  secret_string_wo_version = 1
}

resource "secretsmanager_secret_version" "binary" {
  secret_id                = %[7]q
  secret_binary_wo         = ephemeral.secretsmanager_secret_version.binary.secret_binary
  secret_string_wo_version = 1
}

data "secretsmanager_secret_version" "control" {
  secret_id = %[8]q
}
`, src, v1, binSrc, dst["current"], dst["previous"], dst["by_id"], dst["binary"], controlSrc)
	want := map[string]string{"current": "eph-second-Cq8", "previous": "eph-first-Bn5", "by_id": "eph-first-Bn5/" + v1}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		WorkingDir:               dir,
		Steps: []resource.TestStep{
			// Bad input first: the destroy at the end uses the last configuration.
			{
				Config: env.providerConfig("") + fmt.Sprintf(`
ephemeral "secretsmanager_secret_version" "missing" {
  secret_id     = %q
  version_stage = "NOSUCHSTAGE"
}

resource "secretsmanager_secret_version" "current" {
  secret_id                = %q
  secret_string_wo         = ephemeral.secretsmanager_secret_version.missing.secret_string
  secret_string_wo_version = 1
}
`, src, dst["current"]),
				ExpectError: regexp.MustCompile(`(?s)Cannot read the secret value.*NOSUCHSTAGE`),
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{svPlanLacks(secrets...)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan(), svPlanLacks(secrets...)},
				},
				ConfigStateChecks: []statecheck.StateCheck{svStateHas([]string{"eph-control-Ef4"}, secrets...)},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						for name, v := range want {
							id, err := stateAttr(s, "secretsmanager_secret_version."+name, "version_id")
							if err != nil {
								return err
							}
							str, _, err := svGetVersionValue(context.Background(), env, dst[name], id)
							if err != nil || str != v {
								return fmt.Errorf("%s: AWS holds %q (%v), want %q", name, str, err, v)
							}
						}
						id, err := stateAttr(s, "secretsmanager_secret_version.binary", "version_id")
						if err != nil {
							return err
						}
						if _, bin, err := svGetVersionValue(context.Background(), env, dst["binary"], id); err != nil || !bytes.Equal(bin, binValue) {
							return fmt.Errorf("binary: AWS holds %q (%v)", bin, err)
						}
						return nil
					},
					svDirCheck(dir, []string{"eph-control-Ef4"}, secrets...),
				),
			},
		},
	})
}
