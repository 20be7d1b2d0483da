package secretcache_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// goCmd runs the go command in this module, offline: everything it needs is in the module
// cache once the module is built.
func goCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// The library is its own module so that an application importing it does not inherit the
// provider's dependencies: its module graph holds the AWS SDK and nothing of Terraform, gRPC
// or the database and SSH drivers of the rotators.
func TestModuleGraphHoldsOnlyTheAWSSDK(t *testing.T) {
	graph := goCmd(t, "mod", "graph")
	forbidden := []string{"terraform-plugin-", "google.golang.org/grpc", "github.com/lib/pq", "github.com/go-sql-driver/", "github.com/pkg/sftp", "github.com/hashicorp/"}
	for _, line := range strings.Split(strings.TrimSpace(graph), "\n") {
		for _, f := range forbidden {
			if strings.Contains(line, f) {
				t.Errorf("module graph edge %q: %s must not be a dependency of the secretcache module", line, f)
			}
		}
	}
	if !strings.Contains(graph, "github.com/aws/aws-sdk-go-v2/service/secretsmanager@") {
		t.Fatalf("go mod graph does not list the Secrets Manager client; is this the secretcache module?\n%s", graph)
	}

	// The library package itself needs only the Secrets Manager client and smithy (not even
	// the SDK's config loading, which the agent uses).
	for _, pkg := range strings.Fields(goCmd(t, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")) {
		ok := strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/") || strings.HasPrefix(pkg, "github.com/aws/smithy-go") ||
			strings.HasPrefix(pkg, "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache")
		if !ok || strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/config") {
			t.Errorf("the library imports %s", pkg)
		}
	}
}
