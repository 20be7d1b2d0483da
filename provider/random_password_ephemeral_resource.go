package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ ephemeral.EphemeralResource                   = (*randomPasswordEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*randomPasswordEphemeralResource)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*randomPasswordEphemeralResource)(nil)
)

// NewRandomPasswordEphemeralResource is the constructor of the secretsmanager_random_password
// ephemeral resource.
func NewRandomPasswordEphemeralResource() ephemeral.EphemeralResource {
	return &randomPasswordEphemeralResource{}
}

// randomPasswordEphemeralResource generates a password that Terraform never writes to plan or
// state: it exists for the length of one plan or apply.
type randomPasswordEphemeralResource struct {
	c *clients
}

type randomPasswordEphemeralModel struct {
	randomPasswordOptions
	RandomPassword types.String `tfsdk:"random_password"`
}

func (e *randomPasswordEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_random_password"
}

func (e *randomPasswordEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	attrs := ephemeralAttributes(randomPasswordAttributes())
	attrs["random_password"] = schema.StringAttribute{
		Computed:            true,
		Sensitive:           true,
		MarkdownDescription: randomPasswordDescription + " Never stored in plan or state.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Generates a random password with Secrets Manager `GetRandomPassword` that is never written to " +
			"the Terraform plan or state. Pass it to a write-only argument, such as `secret_string_wo` of " +
			"`secretsmanager_secret_version` (with `secret_string_wo_version` to say when to store a new one), or to a " +
			"provider configuration. A new password is generated on every plan and apply; only what the write-only " +
			"argument stored persists, in Secrets Manager. Requires Terraform 1.10 or later (write-only arguments: 1.11).",
		Attributes: attrs,
	}
}

func (e *randomPasswordEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (e *randomPasswordEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	resp.Diagnostics.Append(validateRandomPasswordConfig(ctx, req.Config)...)
}

func (e *randomPasswordEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	e = e.regional(e.c.forObject(ctx, req.Config))
	defer setResultRegion(ctx, e.c, resp)
	var m randomPasswordEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	pw, diags := generateRandomPassword(ctx, e.c, m.randomPasswordOptions)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.RandomPassword = types.StringValue(pw)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
