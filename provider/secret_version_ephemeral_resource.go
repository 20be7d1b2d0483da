package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
)

var (
	_ ephemeral.EphemeralResourceWithConfigure      = (*secretVersionEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*secretVersionEphemeralResource)(nil)
)

// NewSecretVersionEphemeralResource returns the secretsmanager_secret_version ephemeral resource.
func NewSecretVersionEphemeralResource() ephemeral.EphemeralResource {
	return &secretVersionEphemeralResource{}
}

type secretVersionEphemeralResource struct {
	c *clients
}

func (e *secretVersionEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_version"
}

func (e *secretVersionEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the value of one version of a secret without it ever reaching the plan or the state " +
			"(Terraform 1.10 or later; write-only arguments need 1.11). Use it for provider configuration, " +
			"write-only arguments such as `secret_string_wo` or a database's `password_wo`, and other ephemeral " +
			"contexts. It reads the version holding `version_stage` (default `AWSCURRENT`), or `version_id`, " +
			"with one GetSecretValue call each time Terraform opens it.",
		Attributes: ephemeralAttributes(secretVersionReadAttributes("Binary value of the version, base64-encoded; null for a text secret.")),
	}
}

func (e *secretVersionEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (e *secretVersionEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m secretVersionReadModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(m.validate()...)
}

// Open reads the value. A version's value never changes and nothing is leased, so there is
// nothing to renew or close.
func (e *secretVersionEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	e = e.regional(e.c.forObject(ctx, req.Config))
	defer setResultRegion(ctx, e.c, resp)
	var m secretVersionReadModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(m.read(ctx, e.c.SecretsManager)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
