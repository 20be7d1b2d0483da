package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/tools/fakeaws/awsschema"
)

// moveTerraform runs the terraform CLI in a directory holding a state written by
// hashicorp/aws: this package's provider is served in-process (TF_REATTACH_PROVIDERS) and
// hashicorp/aws is the fakeaws stand-in serving the recorded schema (dev_overrides).
type moveTerraform struct {
	t        *testing.T
	dir      string
	env      []string
	lastOut  string
	lastCode int
}

func newMoveTerraform(t *testing.T) *moveTerraform { return newCLITerraform(t, true) }

// newCLITerraform is a working directory for the CLI, with hashicorp/aws (fakeaws) when
// withAWS.
func newCLITerraform(t *testing.T, withAWS bool) *moveTerraform {
	t.Helper()
	dir := t.TempDir()
	rc := filepath.Join(dir, "terraformrc")
	rcText := ""
	if withAWS {
		awsDir := filepath.Join(dir, "aws-provider")
		build := exec.Command("go", "build", "-o", filepath.Join(awsDir, "terraform-provider-aws"), "./internal/tools/fakeaws")
		build.Dir = ".."
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building fakeaws: %v\n%s", err, out)
		}
		rcText = fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"hashicorp/aws\" = %q\n  }\n  direct {}\n}\n", awsDir)
	}
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	return &moveTerraform{t: t, dir: work, env: append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc, "TF_REATTACH_PROVIDERS="+serveProviderForReattach(t, tf6server.WithLoggingSink(t)), "TF_IN_AUTOMATION=1")}
}

func (m *moveTerraform) write(name, content string) {
	m.t.Helper()
	if err := os.WriteFile(filepath.Join(m.dir, name), []byte(content), 0o600); err != nil {
		m.t.Fatal(err)
	}
}

// run runs terraform and returns its exit code; codes other than 0 and 2 fail the test.
func (m *moveTerraform) run(args ...string) int {
	m.t.Helper()
	cmd := exec.Command(terraformBinary(), append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	cmd.Dir, cmd.Env = m.dir, m.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	m.lastOut = out.String()
	var exit *exec.ExitError
	switch {
	case err == nil:
		m.lastCode = 0
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		m.lastCode = 2
	default:
		m.t.Fatalf("terraform %v: %v\n%s", args, err, m.lastOut)
	}
	return m.lastCode
}

// providerHost is the registry host of the provider addresses the tests hand the CLI:
// TF_ACC_PROVIDER_HOST (registry.opentofu.org under OpenTofu), as terraform-plugin-testing.
func providerHost() string {
	if h := os.Getenv("TF_ACC_PROVIDER_HOST"); h != "" {
		return h
	}
	return "registry.terraform.io"
}

// terraformBinary is the CLI the acceptance tests use: TF_ACC_TERRAFORM_PATH, else terraform.
func terraformBinary() string {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	return "terraform"
}

// awsState is a version 4 state file of hashicorp/aws resources, each attribute of the
// recorded schema present (null unless given), as hashicorp/aws writes them.
func awsState(t *testing.T, resources map[string]map[string]any) string {
	t.Helper()
	schemas, err := awsschema.Recorded()
	if err != nil {
		t.Fatal(err)
	}
	var list []any
	for addr, given := range resources {
		typ, name, _ := strings.Cut(addr, ".")
		s, ok := schemas.Resources[typ]
		if !ok {
			t.Fatalf("%s is not in the recorded schema", typ)
		}
		attrs := map[string]any{}
		for _, a := range s.Block.Attributes {
			attrs[a.Name] = nil
		}
		for _, b := range s.Block.BlockTypes {
			switch b.Nesting {
			case tfprotov6.SchemaNestedBlockNestingModeList, tfprotov6.SchemaNestedBlockNestingModeSet:
				attrs[b.TypeName] = []any{}
			default:
				attrs[b.TypeName] = nil
			}
		}
		for k, v := range given {
			if _, ok := attrs[k]; !ok {
				t.Fatalf("%s has no attribute %s in the recorded schema", typ, k)
			}
			attrs[k] = v
		}
		list = append(list, map[string]any{
			"mode": "managed", "type": typ, "name": name,
			"provider": `provider["` + providerHost() + `/hashicorp/aws"]`,
			"instances": []any{map[string]any{
				"schema_version": s.Version, "attributes": attrs, "sensitive_attributes": []any{},
			}},
		})
	}
	b, err := json.MarshalIndent(map[string]any{
		"version": 4, "terraform_version": "1.11.4", "serial": 1, "lineage": "2a3c7a8e-1b7e-4c1e-9f1e-6c9a8d7e5f41",
		"outputs": map[string]any{}, "resources": list, "check_results": nil,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A moved block from each hashicorp/aws resource carries the state over: no import, no
// replacement, and an empty plan after.
func TestAccMoveState_fromHashicorpAWS(t *testing.T) {
	t.Parallel()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("TF_ACC not set")
	}
	env := newTestEnv(t)
	ctx := t.Context()
	// What hashicorp/aws had made.
	key, err := env.KMS.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("secrets key"),
		Tags: []kmstypes.Tag{{TagKey: aws.String("team"), TagValue: aws.String("core")}}})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := aws.ToString(key.KeyMetadata.KeyId), aws.ToString(key.KeyMetadata.Arn)
	pol, err := env.KMS.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	const alias = "alias/moved-secrets"
	if _, err := env.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	sec, err := env.SM.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/moved"), Description: aws.String("moved secret"),
		KmsKeyId: aws.String(keyARN), Tags: []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(sec.ARN)
	versionID := env.PutValue(arn, `{"password":"moved-value"}`)
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	if _, err := env.SM.PutResourcePolicy(ctx, &secretsmanager.PutResourcePolicyInput{SecretId: aws.String(arn), ResourcePolicy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	_, fn := registerRotator(env, "rotate-moved")
	if _, err := env.SM.RotateSecret(ctx, &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotationLambdaARN: aws.String(fn),
		RotateImmediately: aws.Bool(false), RotationRules: rotationRulesDays(30)}); err != nil {
		t.Fatal(err)
	}
	env.WaitRotated(arn, 1) // the test of the function RotateSecret runs
	current := emulatortest.Holder(env.Stages(arn), "AWSCURRENT")

	tags := map[string]any{"team": "core"}
	tf := newMoveTerraform(t)
	tf.write("terraform.tfstate", awsState(t, map[string]map[string]any{
		"aws_kms_key.k": {"id": keyID, "arn": keyARN, "key_id": keyID, "description": "secrets key", "key_usage": "ENCRYPT_DECRYPT",
			"customer_master_key_spec": "SYMMETRIC_DEFAULT", "policy": aws.ToString(pol.Policy), "bypass_policy_lockout_safety_check": false,
			"enable_key_rotation": false, "is_enabled": true, "multi_region": false, "deletion_window_in_days": 30, "rotation_period_in_days": 0,
			"custom_key_store_id": "", "xks_key_id": "", "region": emulatortest.Region, "tags": tags, "tags_all": tags},
		"aws_kms_alias.a": {"id": alias, "name": alias, "name_prefix": "", "arn": "arn:aws:kms:us-east-1:123456789012:" + alias,
			"target_key_id": keyID, "target_key_arn": keyARN, "region": emulatortest.Region},
		"aws_secretsmanager_secret.s": {"id": arn, "arn": arn, "name": "app/moved", "name_prefix": "", "description": "moved secret",
			"kms_key_id": keyARN, "policy": doc, "recovery_window_in_days": 7, "force_overwrite_replica_secret": false,
			"region": emulatortest.Region, "tags": tags, "tags_all": tags},
		"aws_secretsmanager_secret_version.v": {"id": arn + "|" + versionID, "arn": arn, "secret_id": arn, "version_id": versionID,
			"secret_string": `{"password":"moved-value"}`, "secret_binary": "", "version_stages": []string{"AWSCURRENT"},
			"has_secret_string_wo": nil, "region": emulatortest.Region},
		"aws_secretsmanager_secret_policy.p": {"id": arn, "secret_arn": arn, "policy": doc, "block_public_policy": false, "region": emulatortest.Region},
		"aws_secretsmanager_secret_rotation.r": {"id": arn, "secret_id": arn, "rotation_lambda_arn": fn, "rotation_enabled": true,
			"rotate_immediately": true, "region": emulatortest.Region,
			"rotation_rules": []any{map[string]any{"automatically_after_days": 30, "duration": "", "schedule_expression": ""}}},
	}))
	tf.write("main.tf", env.providerConfig("")+fmt.Sprintf(`
resource "secretsmanager_kms_key" "k" {
  description = "secrets key"
  tags        = { team = "core" }
}
resource "secretsmanager_kms_alias" "a" {
  name          = %[1]q
  target_key_id = secretsmanager_kms_key.k.key_id
}
resource "secretsmanager_secret" "s" {
  name                    = "app/moved"
  description             = "moved secret"
  kms_key_id              = secretsmanager_kms_key.k.arn
  recovery_window_in_days = 7
  tags                    = { team = "core" }
}
resource "secretsmanager_secret_version" "v" {
  secret_id     = secretsmanager_secret.s.arn
  secret_string = jsonencode({ password = "moved-value" })
}
resource "secretsmanager_secret_policy" "p" {
  secret_arn = secretsmanager_secret.s.arn
  policy     = %[2]q
}
resource "secretsmanager_secret_rotation" "r" {
  secret_id           = secretsmanager_secret.s.arn
  rotation_lambda_arn = %[3]q
  rotation_rules {
    automatically_after_days = 30
  }
}

moved {
  from = aws_kms_key.k
  to   = secretsmanager_kms_key.k
}
moved {
  from = aws_kms_alias.a
  to   = secretsmanager_kms_alias.a
}
moved {
  from = aws_secretsmanager_secret.s
  to   = secretsmanager_secret.s
}
moved {
  from = aws_secretsmanager_secret_version.v
  to   = secretsmanager_secret_version.v
}
moved {
  from = aws_secretsmanager_secret_policy.p
  to   = secretsmanager_secret_policy.p
}
moved {
  from = aws_secretsmanager_secret_rotation.r
  to   = secretsmanager_secret_rotation.r
}
`, alias, doc, fn))

	// No init: both providers come from outside the registry (reattach, dev_overrides).
	tf.run("plan", "-input=false", "-out=move.tfplan")
	tf.run("show", "-json", "move.tfplan")
	var plan struct {
		ResourceChanges []struct {
			Address         string `json:"address"`
			PreviousAddress string `json:"previous_address"`
			Change          struct {
				Actions []string `json:"actions"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(tf.lastOut), &plan); err != nil {
		t.Fatalf("plan JSON: %v\n%s", err, tf.lastOut)
	}
	if len(plan.ResourceChanges) != 6 {
		t.Fatalf("%d resource changes, want the 6 moved resources:\n%s", len(plan.ResourceChanges), tf.lastOut)
	}
	for _, rc := range plan.ResourceChanges {
		want := "aws_" + rc.Address // aws_secretsmanager_secret.s
		if strings.HasPrefix(rc.Address, "secretsmanager_kms_") {
			want = "aws_" + strings.TrimPrefix(rc.Address, "secretsmanager_") // aws_kms_key.k
		}
		if rc.PreviousAddress != want {
			t.Errorf("%s: previous address %q, want %q", rc.Address, rc.PreviousAddress, want)
		}
		if strings.Join(rc.Change.Actions, ",") != "no-op" {
			t.Errorf("%s: actions %v after the move, want no-op", rc.Address, rc.Change.Actions)
		}
	}
	if t.Failed() {
		tf.run("plan", "-input=false")
		t.Fatalf("plan of the move:\n%s", tf.lastOut)
	}
	tf.run("apply", "-input=false", "move.tfplan")
	if code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Fatalf("plan after the move is not empty:\n%s", tf.lastOut)
	}
	state, err := os.ReadFile(filepath.Join(tf.dir, "terraform.tfstate"))
	if err != nil || strings.Contains(string(state), `"type": "aws_`) {
		t.Fatalf("hashicorp/aws resources left in the state (%v):\n%s", err, state)
	}
	if now := emulatortest.Holder(env.Stages(arn), "AWSCURRENT"); now != current || len(env.Finished(arn)) != 1 {
		t.Fatalf("the move rotated the secret (AWSCURRENT %s, was %s)", now, current)
	}
	if env.Value(arn, "") != `{"password":"moved-value"}` {
		t.Fatal("the move changed the secret's value")
	}
	out, err := env.SM.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(arn)})
	if err != nil || !policiesEquivalent(aws.ToString(out.ResourcePolicy), doc) {
		t.Fatalf("the policy changed in the move: %v %v", out, err)
	}
}
