// Package modules_test checks the Terraform modules in this directory: their layout and
// formatting, `terraform validate`, and their `terraform test` suites. hashicorp/aws is
// served by the fakeaws stand-in (its real recorded schema) and mocked in the test files;
// this project's provider is built from the repository and runs for real against an
// in-process emulator.
package modules_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// wantModules are the modules the project ships; each must exist and be tested.
var wantModules = []string{
	"api-key-rotation",
	"mysql-rotation",
	"postgres-rotation",
	"rotation-lambda",
	"secret",
	"ssh-key-rotation",
}

// moduleDirs lists the module directories: those holding a main.tf.
func moduleDirs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(e.Name(), "main.tf")); err == nil {
				out = append(out, e.Name())
			}
		}
	}
	if !slices.Equal(out, wantModules) {
		t.Fatalf("modules found: %v; want %v", out, wantModules)
	}
	return out
}

// TestModuleLayout checks that every module has the files a user and the registry expect,
// and that it configures no provider: provider blocks belong to the caller.
func TestModuleLayout(t *testing.T) {
	for _, m := range moduleDirs(t) {
		t.Run(m, func(t *testing.T) {
			for _, f := range []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"} {
				if _, err := os.Stat(filepath.Join(m, f)); err != nil {
					t.Errorf("missing %s", f)
				}
			}
			tests, _ := filepath.Glob(filepath.Join(m, "tests", "*.tftest.hcl"))
			if len(tests) == 0 {
				t.Errorf("no tests/*.tftest.hcl")
			}
			cfg := parseModule(t, m)
			if len(cfg.providerBlocks) > 0 {
				t.Errorf("%s configures providers %v; a reusable module must leave that to its caller", m, cfg.providerBlocks)
			}
			if cfg.requiredVersion == "" {
				t.Errorf("versions.tf sets no required_version")
			}
			for _, v := range cfg.variables {
				if v.Description == "" {
					t.Errorf("variable %s has no description", v.Name)
				}
				if v.Type == "" {
					t.Errorf("variable %s has no type", v.Name)
				}
			}
			for _, o := range cfg.outputs {
				if o.Description == "" {
					t.Errorf("output %s has no description", o.Name)
				}
			}
		})
	}
}

// TestTerraformFmt fails on module files that `terraform fmt` would change.
func TestTerraformFmt(t *testing.T) {
	h := needHarness(t)
	out, err := h.run(t, t.TempDir(), ".", "fmt", "-check", "-recursive", "-no-color")
	if err != nil {
		t.Fatalf("terraform fmt -check -recursive modules/: %v\nfiles to format (run `terraform fmt -recursive modules`):\n%s", err, out)
	}
}

// TestTerraformValidate runs `terraform validate` on every module. The stand-in serves the
// real hashicorp/aws schema, so every attribute name, type and required/computed flag is
// checked against it, and a value on a computed-only attribute is refused. Test files are
// validated too.
func TestTerraformValidate(t *testing.T) {
	h := needHarness(t)
	for _, m := range moduleDirs(t) {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			data := h.prepare(t, m)
			out, err := h.run(t, data, m, "validate", "-no-color")
			if err != nil || !strings.Contains(out, "Success! The configuration is valid") {
				t.Fatalf("terraform validate in modules/%s: %v\n%s", m, err, out)
			}
		})
	}
}

// TestValidateCatchesMistakes proves that the validate check above has teeth: the stand-in
// refuses what the real hashicorp/aws would, so a module using an attribute the provider
// computes, an attribute or resource type it lacks, or a value it rejects cannot pass.
func TestValidateCatchesMistakes(t *testing.T) {
	h := needHarness(t)
	cases := []struct {
		name, config, want string
	}{
		{"computed-only attribute", `resource "aws_iam_role" "r" {
  assume_role_policy = "{}"
  arn                = "arn:aws:iam::123456789012:role/r"
}`, `Can't configure a value for "arn"`},
		{"unknown attribute", `resource "aws_lambda_permission" "p" {
  action        = "lambda:InvokeFunction"
  function_name = "f"
  principal     = "secretsmanager.amazonaws.com"
  source_arns   = ["x"]
}`, `An argument named "source_arns" is not expected here`},
		{"type outside the recorded schema", `resource "aws_s3_bucket" "b" {}`, `aws_s3_bucket`},
		{"value the provider refuses", `resource "aws_cloudwatch_log_group" "g" {
  retention_in_days = 10
}`, `retention_in_days`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n\n" + c.config + "\n"
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := h.run(t, t.TempDir(), dir, "validate", "-no-color")
			if err == nil {
				t.Fatalf("terraform validate accepted:\n%s\n%s", src, out)
			}
			if !strings.Contains(collapse(out), c.want) {
				t.Errorf("terraform validate failed without %q:\n%s", c.want, out)
			}
		})
	}
}

// TestTerraformValidateExamples runs `terraform validate` on the runnable stacks under
// examples/ (directories with a versions.tf; the tfplugindocs snippets have none), against
// the same stand-in and provider as the modules.
func TestTerraformValidateExamples(t *testing.T) {
	h := needHarness(t)
	var dirs []string
	err := filepath.WalkDir(filepath.Join(h.root, "examples"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "versions.tf" {
			dirs = append(dirs, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Skip("no runnable examples (directories with a versions.tf) under examples/")
	}
	for _, dir := range dirs {
		rel, _ := filepath.Rel(h.root, dir)
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			data := h.prepare(t, dir)
			out, err := h.run(t, data, dir, "validate", "-no-color")
			if err != nil || !strings.Contains(out, "Success! The configuration is valid") {
				t.Fatalf("terraform validate in %s: %v\n%s", rel, err, out)
			}
		})
	}
}

// TestTerraformTest runs each module's tests/*.tftest.hcl: the role policy, permission,
// schedule wiring, network and validation checks are assertions there. Afterwards it checks
// in the emulator that the schedules the runs turned on made Secrets Manager invoke the
// function the module created, with the steps the configuration implies.
func TestTerraformTest(t *testing.T) {
	h := needHarness(t)
	for _, m := range moduleDirs(t) {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			data := h.prepare(t, m)
			out, err := h.run(t, data, m, "test", "-no-color")
			if err != nil {
				t.Fatalf("terraform test in modules/%s: %v\n%s", m, err, out)
			}
			t.Logf("terraform test in modules/%s:\n%s", m, out)
			for _, c := range rotationChecks[m] {
				c.check(t, h)
			}
		})
	}
}

// rotationCheck is a rotation a module's test file must have caused in the emulator.
type rotationCheck struct {
	secret   string   // name of the rotated secret
	function string   // name of the function Secrets Manager must have invoked
	steps    []string // the steps it ran, in order
}

// The steps of a rotation turned on with rotate_immediately = true, and with false (Secrets
// Manager then only tests the configuration).
var (
	fullRotation = []string{"createSecret", "setSecret", "testSecret", "finishSecret"}
	testOnly     = []string{"testSecret"}
)

var rotationChecks = map[string][]rotationCheck{
	"secret": {
		{secret: "modtest/secret/everything", function: "modtest-secret", steps: testOnly},
	},
	"rotation-lambda": {
		{secret: "modtest/rotation-lambda/app", function: "modtest-rotation-lambda", steps: fullRotation},
		{secret: "modtest/rotation-lambda/report", function: "modtest-rotation-lambda", steps: testOnly},
	},
}

func (c rotationCheck) check(t *testing.T, h *harness) {
	t.Helper()
	fn := "arn:aws:lambda:us-east-1:" + emulator.DefaultAccountID + ":function:" + c.function
	// Rotations run asynchronously; the test file has long finished, but allow for a slow
	// machine.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		all, err := h.control.Rotations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var mine []emulator.RotationRecord
		for _, r := range all {
			if strings.Contains(r.SecretARN, ":secret:"+c.secret+"-") {
				mine = append(mine, r)
			}
		}
		if len(mine) > 0 && !slices.ContainsFunc(mine, func(r emulator.RotationRecord) bool { return r.Outcome == "running" }) {
			if len(mine) != 1 {
				t.Errorf("secret %s: %d rotations, want 1: %+v", c.secret, len(mine), mine)
			}
			r := mine[0]
			var steps []string
			for _, s := range r.Steps {
				steps = append(steps, s.Step)
			}
			if r.Function != fn || r.Outcome != "succeeded" || !slices.Equal(steps, c.steps) {
				t.Errorf("secret %s: rotation by %s, outcome %s (%s), steps %v; want %s to run %v and succeed",
					c.secret, r.Function, r.Outcome, r.Error, steps, fn, c.steps)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("secret %s: no finished rotation by %s in the emulator (records: %+v)", c.secret, fn, mine)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
