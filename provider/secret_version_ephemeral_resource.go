package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
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

type secretVersionEphemeralModel struct {
	SecretID      types.String `tfsdk:"secret_id"`
	VersionID     types.String `tfsdk:"version_id"`
	VersionStage  types.String `tfsdk:"version_stage"`
	SecretString  types.String `tfsdk:"secret_string"`
	SecretBinary  types.String `tfsdk:"secret_binary"`
	VersionStages types.Set    `tfsdk:"version_stages"`
	CreatedDate   types.String `tfsdk:"created_date"`
	ARN           types.String `tfsdk:"arn"`
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
		Attributes: map[string]schema.Attribute{
			"secret_id": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "ARN or name of the secret.",
			},
			"version_id": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Version to read. Unset: the version holding `version_stage`; then it is the id of the version read.",
			},
			"version_stage": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Staging label of the version to read, e.g. `AWSPREVIOUS`. Defaults to `AWSCURRENT` " +
					"when `version_id` is unset; with both set, the version must hold the label.",
			},
			"secret_string": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "Text value of the version; null for a binary secret.",
			},
			"secret_binary": schema.StringAttribute{
				Computed:            true,
				Sensitive:           true,
				MarkdownDescription: "Binary value of the version, base64-encoded; null for a text secret.",
			},
			"version_stages": schema.SetAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Staging labels the version holds.",
			},
			"created_date": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "When the version was created (RFC 3339).",
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the secret.",
			},
		},
	}
}

func (e *secretVersionEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	c, ok := req.ProviderData.(*clients)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("Expected *clients, got %T. This is a bug in the provider.", req.ProviderData))
		return
	}
	e.c = c
}

func (e *secretVersionEphemeralResource) ValidateConfig(ctx context.Context, req ephemeral.ValidateConfigRequest, resp *ephemeral.ValidateConfigResponse) {
	var m secretVersionEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(svValidateLookup(svLookup{SecretID: m.SecretID, VersionID: m.VersionID, VersionStage: m.VersionStage})...)
}

// Open reads the value. A version's value never changes and nothing is leased, so there is
// nothing to renew or close.
func (e *secretVersionEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m secretVersionEphemeralModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	v, diags := svGetValue(ctx, e.c.SecretsManager, svLookup{SecretID: m.SecretID, VersionID: m.VersionID, VersionStage: m.VersionStage})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ARN = types.StringValue(v.ARN)
	m.VersionID = types.StringValue(v.VersionID)
	m.SecretString = v.SecretString
	m.SecretBinary = v.SecretBinary
	m.VersionStages = v.VersionStages
	m.CreatedDate = types.StringValue(v.CreatedDate)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
