// Package provider implements the secretsmanager Terraform provider.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

var _ provider.Provider = (*secretsManagerProvider)(nil)

// secretsManagerProvider is the provider; resources are added as they are built.
type secretsManagerProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver.Serve expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &secretsManagerProvider{version: version}
	}
}

func (p *secretsManagerProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "secretsmanager"
	resp.Version = p.version
}

func (p *secretsManagerProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Declares AWS Secrets Manager secrets, versions, rotation schedules and policies, and KMS keys.",
	}
}

func (p *secretsManagerProvider) Configure(_ context.Context, _ provider.ConfigureRequest, _ *provider.ConfigureResponse) {
}

func (p *secretsManagerProvider) Resources(_ context.Context) []func() resource.Resource {
	return nil
}

func (p *secretsManagerProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return nil
}
