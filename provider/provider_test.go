package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

func TestMain(m *testing.M) {
	// The machine's TF_CLI_CONFIG_FILE may name a file that does not exist; Terraform then
	// fails. Give it an empty one, and keep its plugin cache and checkpoint calls off.
	dir, err := os.MkdirTemp("", "tf-provider-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rc := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(rc, nil, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TF_CLI_CONFIG_FILE", rc)
	os.Setenv("CHECKPOINT_DISABLE", "1")
	os.Setenv("TF_IN_AUTOMATION", "1")
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testEnv is the kit's emulator serving one test, with a KMS client (field, never retrying)
// to check what the provider did.
type testEnv struct {
	*emulatortest.Env
	KMS *kms.Client
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	env := emulatortest.Start(t)
	return &testEnv{Env: env, KMS: env.KMS()}
}

// regionConfig is the kit's SDK configuration (no retries) for another region.
func (e *testEnv) regionConfig(region string) aws.Config {
	cfg := e.AWSConfig(1)
	cfg.Region = region
	return cfg
}

// providerConfig is a provider block for the emulator; extra goes inside it (e.g. default_tags).
func (e *testEnv) providerConfig(extra string) string {
	return fmt.Sprintf(`
provider "secretsmanager" {
  region     = "us-east-1"
  access_key = "test"
  secret_key = "test"
  endpoints {
    secretsmanager = %[1]q
    kms            = %[1]q
    sts            = %[1]q
    rds            = %[1]q
  }
  %[2]s
}
`, e.URL, extra)
}

// factories serves this package's provider in-process to the real terraform CLI.
func (e *testEnv) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"secretsmanager": providerserver.NewProtocol6WithError(New("test")()),
	}
}

// factoriesWith is factories with another retry budget for policies IAM has not caught up
// with, so that a test of that retry runs in milliseconds.
func (e *testEnv) factoriesWith(r propagationRetry) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"secretsmanager": providerserver.NewProtocol6WithError(&secretsManagerProvider{version: "test", propagation: r}),
	}
}
