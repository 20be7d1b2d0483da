package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var (
	_ datasource.DataSourceWithConfigure      = (*secretVersionDataSource)(nil)
	_ datasource.DataSourceWithValidateConfig = (*secretVersionDataSource)(nil)
)

// NewSecretVersionDataSource returns the secretsmanager_secret_version data source.
func NewSecretVersionDataSource() datasource.DataSource { return &secretVersionDataSource{} }

type secretVersionDataSource struct {
	c *clients
}

// secretVersionReadModel is what the data source and the ephemeral resource share: which
// version to read, and what was read.
type secretVersionReadModel struct {
	Region        types.String `tfsdk:"region"`
	SecretID      types.String `tfsdk:"secret_id"`
	VersionID     types.String `tfsdk:"version_id"`
	VersionStage  types.String `tfsdk:"version_stage"`
	SecretString  types.String `tfsdk:"secret_string"`
	SecretBinary  types.String `tfsdk:"secret_binary"`
	VersionStages types.Set    `tfsdk:"version_stages"`
	CreatedDate   types.String `tfsdk:"created_date"`
	ARN           types.String `tfsdk:"arn"`
	SecretARN     types.String `tfsdk:"secret_arn"`
}

type secretVersionDataModel struct {
	ID types.String `tfsdk:"id"`
	secretVersionReadModel
}

func (d *secretVersionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_version"
}

func (d *secretVersionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := secretVersionReadAttributes("Binary value of the version, base64-encoded (use `base64decode()`); null for a text secret.")
	attrs["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "`<secret ARN>|<version id>`.",
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the value of one version of a secret: the one holding `version_stage` (default " +
			"`AWSCURRENT`), or `version_id`. The value is stored in state (sensitive); to keep it out of state, " +
			"use the `secretsmanager_secret_version` ephemeral resource instead. One GetSecretValue call.",
		Attributes: attrs,
	}
}

// secretVersionReadAttributes are the attributes of secretVersionReadModel, for the data
// source and (converted) the ephemeral resource.
func secretVersionReadAttributes(binaryDescription string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"region": dataSourceRegionAttribute(),
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
			MarkdownDescription: binaryDescription,
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
		"secret_arn": schema.StringAttribute{
			Computed:            true,
			MarkdownDescription: "ARN of the secret, as `arn` (the name hashicorp/aws v6 also uses).",
		},
	}
}

func (d *secretVersionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *secretVersionDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m secretVersionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(m.validate()...)
}

func (d *secretVersionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.c.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.c, &resp.State, &resp.Diagnostics)
	var m secretVersionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(m.read(ctx, d.c.SecretsManager)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(m.ARN.ValueString() + svIDSeparator + m.VersionID.ValueString())
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// validate checks the arguments that choose a version, at plan time.
func (m *secretVersionReadModel) validate() diag.Diagnostics {
	var diags diag.Diagnostics
	if !m.SecretID.IsNull() && !m.SecretID.IsUnknown() && m.SecretID.ValueString() == "" {
		diags.AddAttributeError(path.Root("secret_id"), "Empty secret_id", "Set secret_id to the ARN or name of the secret.")
	}
	if v := m.VersionStage; !v.IsNull() && !v.IsUnknown() && (v.ValueString() == "" || len(v.ValueString()) > svMaxStageLength) {
		diags.AddAttributeError(path.Root("version_stage"), "Invalid version_stage",
			fmt.Sprintf("Staging labels are 1 to %d characters, e.g. AWSCURRENT or AWSPREVIOUS; remove version_stage to read AWSCURRENT.", svMaxStageLength))
	}
	if v := m.VersionID; !v.IsNull() && !v.IsUnknown() && (len(v.ValueString()) < 32 || len(v.ValueString()) > 64) {
		diags.AddAttributeError(path.Root("version_id"), "Invalid version_id",
			fmt.Sprintf("Version ids are 32 to 64 characters (a UUID); %q is not one. Copy it from a version_id attribute or ListSecretVersionIds.", v.ValueString()))
	}
	return diags
}

// read fills in the version that the configured arguments choose, with a single
// GetSecretValue call. The value goes to the model only; it is never logged.
func (m *secretVersionReadModel) read(ctx context.Context, c *secretsmanager.Client) diag.Diagnostics {
	var diags diag.Diagnostics
	secretID := m.SecretID.ValueString()
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)}
	if !m.VersionID.IsNull() && !m.VersionID.IsUnknown() {
		in.VersionId = aws.String(m.VersionID.ValueString())
	}
	if !m.VersionStage.IsNull() && !m.VersionStage.IsUnknown() {
		in.VersionStage = aws.String(m.VersionStage.ValueString())
	}
	tflog.Debug(ctx, "reading secret version", map[string]any{"secret_id": secretID, "version_id": aws.ToString(in.VersionId), "version_stage": aws.ToString(in.VersionStage)})
	out, err := c.GetSecretValue(ctx, in)
	if err != nil {
		detail := svErrorDetail("GetSecretValue", secretID, err)
		var nf *smtypes.ResourceNotFoundException
		if errors.As(err, &nf) && (in.VersionId != nil || in.VersionStage != nil) {
			detail += fmt.Sprintf(" No version matches version_id %q / version_stage %q: check them against ListSecretVersionIds.",
				aws.ToString(in.VersionId), aws.ToString(in.VersionStage))
		}
		diags.AddAttributeError(path.Root("secret_id"), "Cannot read the secret value", detail)
		return diags
	}
	m.ARN = types.StringValue(aws.ToString(out.ARN))
	m.SecretARN = m.ARN
	m.VersionID = types.StringValue(aws.ToString(out.VersionId))
	m.SecretString = types.StringPointerValue(out.SecretString)
	m.SecretBinary = types.StringNull()
	if out.SecretBinary != nil {
		m.SecretBinary = types.StringValue(base64.StdEncoding.EncodeToString(out.SecretBinary))
	}
	m.VersionStages = svSet(out.VersionStages)
	m.CreatedDate = types.StringValue("")
	if out.CreatedDate != nil {
		m.CreatedDate = types.StringValue(out.CreatedDate.UTC().Format(time.RFC3339))
	}
	return diags
}
