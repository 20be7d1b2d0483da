package modules_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/tools/fakeaws/awsschema"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// The rotation functions the modules' tests name. The tests mock hashicorp/aws, so no
// function is really created; the emulator must know the ARN a schedule names before it
// accepts RotateSecret, and it then invokes that function. Each is registered in-process,
// as a small rotator on the project's rotation engine.
var testFunctions = []string{
	"modtest-secret",
	"modtest-rotation-lambda",
	"modtest-postgres-rotation",
	"modtest-mysql-rotation",
	"modtest-ssh-key-rotation",
	"modtest-api-key-rotation",
}

// harness is what every terraform run of these tests shares: the provider binaries, the
// CLI configuration that installs them, and the emulator the real provider talks to.
type harness struct {
	terraform string
	root      string // repository root
	env       []string
	control   *emulator.Control
}

var (
	harnessOnce sync.Once
	shared      *harness
	harnessErr  error
	cleanups    []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

// needHarness returns the shared harness, building it at the first call. The tests that do
// not run Terraform never pay for it.
func needHarness(t *testing.T) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("runs terraform; skipped with -short")
	}
	harnessOnce.Do(func() { shared, harnessErr = newHarness() })
	if harnessErr != nil {
		t.Fatal(harnessErr)
	}
	return shared
}

func newHarness() (*harness, error) {
	tf, err := terraformCLI()
	if err != nil {
		return nil, err
	}
	if err := checkTerraformVersion(tf); err != nil {
		return nil, err
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}

	dir, err := os.MkdirTemp("", "modules-test-")
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	awsDir := filepath.Join(dir, "aws")
	smDir := filepath.Join(dir, "secretsmanager")
	// Both builds at once: they share the build cache, and the provider's is the slow one.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, b := range []struct{ out, pkg string }{
		{filepath.Join(awsDir, "terraform-provider-aws"), "./internal/tools/fakeaws"},
		{filepath.Join(smDir, "terraform-provider-secretsmanager"), "."},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
			cmd.Dir = root
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	// dev_overrides make Terraform use these directories for the two providers without
	// `terraform init`, which would try the registry. Every other provider installs as usual.
	rc := filepath.Join(dir, "terraformrc")
	rcText := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "hashicorp/aws"                = %q
    "seed-8d6ff4c2/secretsmanager" = %q
  }
  direct {}
}
`, awsDir, smDir)
	if err := os.WriteFile(rc, []byte(rcText), 0o600); err != nil {
		return nil, err
	}

	emu, stop, err := emulatortest.StartServer()
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { stop() })
	// The emulator's rotation history keeps each step's outcome and error, which the tests
	// check; the engine's own log lines would only clutter the output.
	engine := rotation.New(testStrategy{}, rotation.WithClient(emu.SecretsManager(3)),
		rotation.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil))))
	for _, name := range testFunctions {
		emu.Server.RegisterHandler(name, engine.Invoke, emulator.FunctionConfig{})
	}

	return &harness{
		terraform: tf,
		root:      root,
		// The modules' test files configure this project's provider with fake static
		// credentials and no endpoint: the SDK takes it from the kit's client environment.
		env: append(append(cleanEnv(),
			"TF_CLI_CONFIG_FILE="+rc,
			"TF_IN_AUTOMATION=1",
			"CHECKPOINT_DISABLE=1",
		), emu.ClientEnv()...),
		control: emu.Control,
	}, nil
}

// cleanEnv is the environment without the machine's Terraform and AWS settings: its
// TF_CLI_CONFIG_FILE may name a file that does not exist, and AWS_PROFILE or real
// credentials must never reach a test.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_") || strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "CHECKPOINT_") ||
			strings.HasPrefix(kv, awsschema.EnvSchemaFile+"=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// terraformCLI is the CLI the tests run: TF_ACC_TERRAFORM_PATH when set (as for the
// provider's acceptance tests; make test-tofu points it at OpenTofu), else terraform on PATH.
func terraformCLI() (string, error) {
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("TF_ACC_TERRAFORM_PATH: %w", err)
		}
		return p, nil
	}
	tf, err := exec.LookPath("terraform")
	if err != nil {
		return "", errors.New("terraform is not on PATH: the module tests run terraform validate and terraform test (Terraform 1.11 or later, or OpenTofu 1.11 or later through TF_ACC_TERRAFORM_PATH)")
	}
	return tf, nil
}

var versionRE = regexp.MustCompile(`(Terraform|OpenTofu) v(\d+)\.(\d+)\.`)

// checkTerraformVersion refuses a CLI older than 1.11 (Terraform or OpenTofu): the modules
// use write-only attributes, and the tests rely on mock_provider and on dev_overrides
// without init.
func checkTerraformVersion(tf string) error {
	out, err := exec.Command(tf, "version").Output()
	if err != nil {
		return fmt.Errorf("%s version: %v", tf, err)
	}
	m := versionRE.FindSubmatch(out)
	if m == nil {
		return fmt.Errorf("%s version: cannot read %q", tf, out)
	}
	major, _ := strconv.Atoi(string(m[2]))
	minor, _ := strconv.Atoi(string(m[3]))
	if major < 1 || (major == 1 && minor < 11) {
		return fmt.Errorf("the module tests need %s 1.11 or later; %s is %s", m[1], tf, bytes.TrimSpace(out))
	}
	return nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

// terraform runs the terraform CLI in dir with the harness's environment and a data
// directory of the test's own (so that nothing is written into the module, and parallel
// runs never share one). It returns the combined output.
func (h *harness) run(t *testing.T, dataDir, dir string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.terraform, args...)
	cmd.Dir = dir
	// A fresh slice: parallel tests must never append into h.env's shared backing array.
	cmd.Env = append(slices.Clip(h.env), "TF_DATA_DIR="+dataDir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// prepare installs the module's local module calls (its own and those of its test files)
// into a fresh data directory: `terraform get` only copies local paths, so no registry is
// contacted. It returns the data directory.
func (h *harness) prepare(t *testing.T, dir string) string {
	t.Helper()
	data := t.TempDir()
	if out, err := h.run(t, data, dir, "get", "-no-color"); err != nil {
		t.Fatalf("terraform get in %s: %v\n%s", dir, err, out)
	}
	return data
}

// testStrategy is the rotator registered in the emulator for the modules' tests: it gives
// the secret a new "password" and checks that the pending version is readable. It stands in
// for the real rotators, whose own tests run them against real servers; here what matters is
// that the schedules the modules declare make Secrets Manager run the function they name.
type testStrategy struct{}

func (testStrategy) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	next := cur.Clone()
	next.SetString("password", pw)
	return next, nil
}

func (testStrategy) Set(ctx context.Context, run *rotation.Run) error {
	_, err := run.Pending(ctx)
	return err
}

func (testStrategy) Test(ctx context.Context, run *rotation.Run) error {
	_, err := run.Pending(ctx)
	return err
}
