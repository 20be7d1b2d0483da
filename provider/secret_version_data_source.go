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

type secretVersionDataModel struct {
	ID            types.String `tfsdk:"id"`
	SecretID      types.String `tfsdk:"secret_id"`
	VersionID     types.String `tfsdk:"version_id"`
	VersionStage  types.String `tfsdk:"version_stage"`
	SecretString  types.String `tfsdk:"secret_string"`
	SecretBinary  types.String `tfsdk:"secret_binary"`
	VersionStages types.Set    `tfsdk:"version_stages"`
	CreatedDate   types.String `tfsdk:"created_date"`
	ARN           types.String `tfsdk:"arn"`
}

// svLookup is what the data source and the ephemeral resource share: which version to read.
type svLookup struct {
	SecretID, VersionID, VersionStage types.String
}

// svValue is one version read with GetSecretValue.
type svValue struct {
	ARN, VersionID, CreatedDate string
	SecretString, SecretBinary  types.String
	VersionStages               types.Set
}

func (d *secretVersionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_version"
}

func (d *secretVersionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the value of one version of a secret: the one holding `version_stage` (default " +
			"`AWSCURRENT`), or `version_id`. The value is stored in state (sensitive); to keep it out of state, " +
			"use the `secretsmanager_secret_version` ephemeral resource instead. One GetSecretValue call.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`<secret ARN>|<version id>`.",
			},
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
				MarkdownDescription: "Binary value of the version, base64-encoded (use `base64decode()`); null for a text secret.",
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

func (d *secretVersionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	c, ok := req.ProviderData.(*clients)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", fmt.Sprintf("Expected *clients, got %T. This is a bug in the provider.", req.ProviderData))
		return
	}
	d.c = c
}

func (d *secretVersionDataSource) ValidateConfig(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m secretVersionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(svValidateLookup(svLookup{SecretID: m.SecretID, VersionID: m.VersionID, VersionStage: m.VersionStage})...)
}

func (d *secretVersionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m secretVersionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	v, diags := svGetValue(ctx, d.c.SecretsManager, svLookup{SecretID: m.SecretID, VersionID: m.VersionID, VersionStage: m.VersionStage})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.ID = types.StringValue(v.ARN + svIDSeparator + v.VersionID)
	m.ARN = types.StringValue(v.ARN)
	m.VersionID = types.StringValue(v.VersionID)
	m.SecretString = v.SecretString
	m.SecretBinary = v.SecretBinary
	m.VersionStages = v.VersionStages
	m.CreatedDate = types.StringValue(v.CreatedDate)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// svValidateLookup checks the arguments that choose a version, at plan time.
func svValidateLookup(l svLookup) diag.Diagnostics {
	var diags diag.Diagnostics
	if !l.SecretID.IsNull() && !l.SecretID.IsUnknown() && l.SecretID.ValueString() == "" {
		diags.AddAttributeError(path.Root("secret_id"), "Empty secret_id", "Set secret_id to the ARN or name of the secret.")
	}
	if v := l.VersionStage; !v.IsNull() && !v.IsUnknown() && (v.ValueString() == "" || len(v.ValueString()) > svMaxStageLength) {
		diags.AddAttributeError(path.Root("version_stage"), "Invalid version_stage",
			fmt.Sprintf("Staging labels are 1 to %d characters, e.g. AWSCURRENT or AWSPREVIOUS; remove version_stage to read AWSCURRENT.", svMaxStageLength))
	}
	if v := l.VersionID; !v.IsNull() && !v.IsUnknown() && (len(v.ValueString()) < 32 || len(v.ValueString()) > 64) {
		diags.AddAttributeError(path.Root("version_id"), "Invalid version_id",
			fmt.Sprintf("Version ids are 32 to 64 characters (a UUID); %q is not one. Copy it from a version_id attribute or ListSecretVersionIds.", v.ValueString()))
	}
	return diags
}

// svGetValue reads one version with a single GetSecretValue call. The value is returned to the
// caller only; it is never logged.
func svGetValue(ctx context.Context, c *secretsmanager.Client, l svLookup) (*svValue, diag.Diagnostics) {
	var diags diag.Diagnostics
	secretID := l.SecretID.ValueString()
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)}
	if !l.VersionID.IsNull() && !l.VersionID.IsUnknown() {
		in.VersionId = aws.String(l.VersionID.ValueString())
	}
	if !l.VersionStage.IsNull() && !l.VersionStage.IsUnknown() {
		in.VersionStage = aws.String(l.VersionStage.ValueString())
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
		return nil, diags
	}
	v := &svValue{
		ARN:           aws.ToString(out.ARN),
		VersionID:     aws.ToString(out.VersionId),
		SecretString:  types.StringPointerValue(out.SecretString),
		SecretBinary:  types.StringNull(),
		VersionStages: svSet(out.VersionStages),
	}
	if out.SecretBinary != nil {
		v.SecretBinary = types.StringValue(base64.StdEncoding.EncodeToString(out.SecretBinary))
	}
	if out.CreatedDate != nil {
		v.CreatedDate = out.CreatedDate.UTC().Format(time.RFC3339)
	}
	return v, diags
}
