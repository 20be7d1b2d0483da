// Command fakeaws is a test-only stand-in for the hashicorp/aws Terraform provider.
//
// hashicorp/aws cannot be downloaded on the machines that build this project, yet the
// modules in modules/ use it. fakeaws serves the real provider's recorded schema (v6.47.0,
// embedded from awsschema/testdata/aws-provider-schema.json) over plugin protocol 6, so that with a
// dev_overrides entry for hashicorp/aws:
//
//   - `terraform validate` checks the modules against the real attribute names, types, and
//     required, optional and computed flags;
//   - `terraform test` runs them with mock_provider "aws", where Terraform asks the provider
//     only for its schema and for validation and makes up computed values itself.
//
// It validates what Terraform core leaves to providers (a value set on a computed-only
// attribute, and a few enumerations and ranges the real provider checks), plans like a
// provider that knows nothing (computed values unknown), and refuses to apply or read: it
// never pretends to create infrastructure.
//
// $FAKEAWS_SCHEMA names another schema file to serve instead of the embedded one.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/tools/fakeaws/awsschema"
)

func main() {
	// A missing or broken schema file is reported by every RPC as a diagnostic rather than
	// by exiting: Terraform then shows the reason instead of "plugin exited".
	schemas, err := loadSchemas()
	err2 := tf6server.Serve(awsschema.ProviderAddress, func() tfprotov6.ProviderServer {
		return newServer(schemas, err)
	})
	if err2 != nil {
		fmt.Fprintln(os.Stderr, "fakeaws:", err2)
		os.Exit(1)
	}
}

func loadSchemas() (*awsschema.Schemas, error) {
	return awsschema.Recorded()
}
