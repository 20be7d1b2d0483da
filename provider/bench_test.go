package provider

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
)

// Benchmarks of `make bench`. The two through Terraform are acceptance benchmarks (TF_ACC=1,
// which make bench sets): the real terraform CLI drives this package's provider, served
// in-process, against the in-process emulator, so they measure Terraform and the provider,
// not AWS's latency.

// benchSecrets is how many secrets, each with a version and a rotation, the apply creates.
const benchSecrets = 200

// awsRefreshCalls are the API calls of one refresh by the hashicorp/aws provider, read from
// its Read functions in hashicorp/terraform-provider-aws, internal/service/secretsmanager:
//   - aws_secretsmanager_secret, secret.go (commit 00c21ced) resourceSecretRead:
//     findSecretByID (DescribeSecret), then findSecretPolicyByID (GetResourcePolicy) for every
//     secret; tags come from DescribeSecret.
//   - aws_secretsmanager_secret_version, secret_version.go (commit 0042e8ea)
//     resourceSecretVersionRead: findSecretVersionByTwoPartKey (GetSecretValue by version id).
//   - aws_secretsmanager_secret_rotation, secret_rotation.go (commit 0413c661)
//     resourceSecretRotationRead: findSecretByID (DescribeSecret).
var awsRefreshCalls = []struct {
	resource, ours string
	calls          float64
	which          string
}{
	{"aws_secretsmanager_secret", "secretsmanager_secret", 2, "DescribeSecret + GetResourcePolicy"},
	{"aws_secretsmanager_secret_version", "secretsmanager_secret_version", 1, "GetSecretValue"},
	{"aws_secretsmanager_secret_rotation", "secretsmanager_secret_rotation", 1, "DescribeSecret"},
}

// BenchmarkProviderSchema is the provider's start-up as Terraform sees it: a new provider
// server answering GetProviderSchema, which Terraform calls before anything else.
func BenchmarkProviderSchema(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		srv := providerserver.NewProtocol6(New("bench")())()
		resp, err := srv.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				b.Fatalf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
			}
		}
		if len(resp.ResourceSchemas) == 0 {
			b.Fatal("GetProviderSchema returned no resource schemas")
		}
	}
}

// BenchmarkApply200Secrets applies benchSecrets secrets, each with a secret_version and a
// secret_rotation (rotate_immediately = false: the rotation function only gets its
// configuration test, so this measures Terraform, not rotations), then plans again, which
// must find nothing to do. It reports the seconds of the apply and of that no-op plan, and
// the Secrets Manager calls one refresh makes per resource, next to hashicorp/aws's.
func BenchmarkApply200Secrets(b *testing.B) {
	if os.Getenv("TF_ACC") == "" {
		b.Skip("acceptance benchmark: set TF_ACC=1 (make bench does)")
	}
	if _, err := exec.LookPath("terraform"); err != nil {
		b.Skip("no terraform on PATH")
	}
	var apply, plan time.Duration
	var perResource map[string]float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		env := newTestEnv(b)
		_, rotator := registerRotator(env, "bench-rotator")
		tf := newBenchTerraform(b, env.providerConfig("")+benchConfig(rotator))
		tf.run("init", "-input=false")
		b.StartTimer()

		start := time.Now()
		tf.run("apply", "-input=false", "-auto-approve")
		apply += time.Since(start)
		start = time.Now()
		if code := tf.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
			b.Fatalf("the plan after apply is not empty (exit code %d):\n%s", code, tf.output)
		}
		plan += time.Since(start)

		b.StopTimer()
		perResource = benchRefreshCalls(b, env, tf)
		tf.run("destroy", "-input=false", "-auto-approve")
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(apply.Seconds()/n, "apply-s")
	b.ReportMetric(plan.Seconds()/n, "noop-plan-s")
	for _, r := range awsRefreshCalls {
		b.ReportMetric(perResource[r.ours], "calls/"+strings.TrimPrefix(r.ours, "secretsmanager_"))
	}
	b.Logf("%d secrets + %d versions + %d rotations: apply %.1fs, no-op plan %.1fs",
		benchSecrets, benchSecrets, benchSecrets, apply.Seconds()/n, plan.Seconds()/n)
	b.Logf("Secrets Manager calls per resource on refresh (this provider vs hashicorp/aws):")
	for _, r := range awsRefreshCalls {
		b.Logf("  %-31s %.2f   %-35s %.0f (%s)", r.ours, perResource[r.ours], r.resource, r.calls, r.which)
	}
}

// benchConfig is benchSecrets secrets with a version and a rotation each.
func benchConfig(rotationARN string) string {
	return fmt.Sprintf(`
resource "secretsmanager_secret" "s" {
  count                   = %[1]d
  name                    = "bench/secret-${count.index}"
  recovery_window_in_days = 0
}

resource "secretsmanager_secret_version" "v" {
  count         = %[1]d
  secret_id     = secretsmanager_secret.s[count.index].arn
  secret_string = "value-${count.index}"
}

resource "secretsmanager_secret_rotation" "r" {
  count               = %[1]d
  secret_id           = secretsmanager_secret.s[count.index].arn
  rotation_lambda_arn = %[2]q
  rotate_immediately  = false
  rotation_rules {
    automatically_after_days = 30
  }
  depends_on = [secretsmanager_secret_version.v]
}
`, benchSecrets, rotationARN)
}

// benchRefreshCalls counts the Secrets Manager calls of refresh-only plans. -target also
// refreshes what the target depends on (a version its secret; a rotation its secret and
// version), so each resource type's calls are the difference between two targets. A full
// refresh must cost the sum.
func benchRefreshCalls(b *testing.B, env *testEnv, tf *benchTerraform) map[string]float64 {
	b.Helper()
	count := func(target string) int64 {
		env.resetCalls(b)
		// Not -detailed-exitcode: with -target, Terraform exits 2 even when nothing changed.
		args := []string{"plan", "-input=false", "-refresh-only"}
		if target != "" {
			args = append(args, "-target="+target)
		}
		if tf.run(args...); !strings.Contains(tf.output, "No changes.") {
			b.Fatalf("refresh-only plan %v found changes:\n%s", args, tf.output)
		}
		calls, err := env.smCalls(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		var n int64
		for _, c := range calls {
			n += c
		}
		b.Logf("refresh of %q: %v", cmp.Or(target, "everything"), calls)
		return n
	}
	secrets := count("secretsmanager_secret.s")
	withVersions := count("secretsmanager_secret_version.v")
	withRotations := count("secretsmanager_secret_rotation.r")
	if all := count(""); all != withRotations {
		b.Fatalf("a full refresh made %d calls; the targeted ones add up to %d", all, withRotations)
	}
	return map[string]float64{
		"secretsmanager_secret":          float64(secrets) / benchSecrets,
		"secretsmanager_secret_version":  float64(withVersions-secrets) / benchSecrets,
		"secretsmanager_secret_rotation": float64(withRotations-withVersions) / benchSecrets,
	}
}

// benchTerraform runs the terraform CLI in a working directory, with this package's provider
// served in-process and handed to Terraform through TF_REATTACH_PROVIDERS.
type benchTerraform struct {
	b        *testing.B
	dir      string
	reattach string
	output   string // of the last command
}

func newBenchTerraform(b *testing.B, config string) *benchTerraform {
	b.Helper()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o600); err != nil {
		b.Fatal(err)
	}
	return &benchTerraform{b: b, dir: dir, reattach: serveProviderForReattach(b,
		// The provider's logs follow TF_LOG, as in acceptance tests; off by default.
		tf6server.WithLoggingSink(benchLogT{b}))}
}

// run runs terraform with args and returns its exit code; any code but 0 or 2 (changes
// present, with -detailed-exitcode) fails the benchmark with Terraform's output.
func (t *benchTerraform) run(args ...string) int {
	t.b.Helper()
	cmd := exec.Command("terraform", append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	cmd.Dir = t.dir
	cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+t.reattach)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.output = out.String()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() == 2:
		return 2
	}
	t.b.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return -1
}

// serveProviderForReattach serves the provider over gRPC in this process, as
// terraform-plugin-testing does, and returns the TF_REATTACH_PROVIDERS value for it.
func serveProviderForReattach(b testing.TB, opts ...tf6server.ServeOpt) string {
	b.Helper()
	addr := providerHost() + "/hashicorp/secretsmanager"
	ctx, cancel := context.WithCancel(context.Background())
	configCh := make(chan *plugin.ReattachConfig)
	closeCh := make(chan struct{})
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- tf6server.Serve(addr, providerserver.NewProtocol6(New("bench")()),
			append([]tf6server.ServeOpt{tf6server.WithDebug(ctx, configCh, closeCh),
				tf6server.WithGoPluginLogger(hclog.NewNullLogger())}, opts...)...)
	}()
	var cfg *plugin.ReattachConfig
	select {
	case cfg = <-configCh:
	case err := <-serveErr:
		cancel()
		b.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		cancel()
		b.Fatal("the provider server did not start within 30s")
	}
	b.Cleanup(func() {
		cancel()
		<-closeCh
	})
	reattach, err := json.Marshal(map[string]any{addr: map[string]any{
		"Protocol":        string(cfg.Protocol),
		"ProtocolVersion": cfg.ProtocolVersion,
		"Pid":             cfg.Pid,
		"Test":            cfg.Test,
		"Addr":            map[string]string{"Network": cfg.Addr.Network(), "String": cfg.Addr.String()},
	}})
	if err != nil {
		b.Fatal(err)
	}
	return string(reattach)
}

// benchLogT lets a benchmark be the logging sink's test handle, which wants Parallel.
type benchLogT struct{ *testing.B }

func (benchLogT) Parallel() {}
