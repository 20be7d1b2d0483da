// Package provider implements the secretsmanager Terraform provider.
package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ provider.Provider                       = (*secretsManagerProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*secretsManagerProvider)(nil)
)

// secretsManagerProvider declares secrets, their versions, policies, replicas and rotation,
// and KMS keys.
type secretsManagerProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver.Serve expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &secretsManagerProvider{version: version}
	}
}

// providerModel is the provider block. Nested settings are blocks, as in hashicorp/aws, so
// configurations move across unchanged.
type providerModel struct {
	Region                    types.String       `tfsdk:"region"`
	Profile                   types.String       `tfsdk:"profile"`
	AccessKey                 types.String       `tfsdk:"access_key"`
	SecretKey                 types.String       `tfsdk:"secret_key"`
	Token                     types.String       `tfsdk:"token"`
	MaxRetries                types.Int64        `tfsdk:"max_retries"`
	SkipCredentialsValidation types.Bool         `tfsdk:"skip_credentials_validation"`
	SkipRequestingAccountID   types.Bool         `tfsdk:"skip_requesting_account_id"`
	AssumeRole                []assumeRoleModel  `tfsdk:"assume_role"`
	Endpoints                 []endpointsModel   `tfsdk:"endpoints"`
	DefaultTags               []defaultTagsModel `tfsdk:"default_tags"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	ExternalID  types.String `tfsdk:"external_id"`
	Duration    types.String `tfsdk:"duration"`
}

type endpointsModel struct {
	SecretsManager types.String `tfsdk:"secretsmanager"`
	KMS            types.String `tfsdk:"kms"`
	STS            types.String `tfsdk:"sts"`
	RDS            types.String `tfsdk:"rds"`
}

type defaultTagsModel struct {
	Tags types.Map `tfsdk:"tags"`
}

func (p *secretsManagerProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "secretsmanager"
	resp.Version = p.version
}

func (p *secretsManagerProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Declares AWS Secrets Manager secrets, their versions (write-only too), resource policies, " +
			"replica regions and rotation schedules, and KMS keys and aliases. Credentials and region come from the " +
			"usual AWS environment variables and shared files unless set here.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "AWS region. Defaults to `AWS_REGION`, `AWS_DEFAULT_REGION` or the profile's region.",
			},
			"profile": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Named profile of the shared configuration and credentials files. Defaults to `AWS_PROFILE`.",
			},
			"access_key": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Static access key id. Prefer the environment or a profile.",
			},
			"secret_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Static secret access key; required with `access_key`.",
			},
			"token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Session token for temporary static credentials.",
			},
			"max_retries": schema.Int64Attribute{
				Optional:            true,
				MarkdownDescription: "Maximum attempts of a throttled or failed AWS call (default 25, as hashicorp/aws).",
			},
			"skip_credentials_validation": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Do not call STS GetCallerIdentity at configuration to check the credentials.",
			},
			"skip_requesting_account_id": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Do not look up the account id (implied by `skip_credentials_validation`).",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.ListNestedBlock{
				MarkdownDescription: "Role to assume with STS before any other call.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"role_arn":     schema.StringAttribute{Optional: true, MarkdownDescription: "ARN of the role to assume."},
					"session_name": schema.StringAttribute{Optional: true, MarkdownDescription: "Session name (default `terraform-provider-secretsmanager`)."},
					"external_id":  schema.StringAttribute{Optional: true, MarkdownDescription: "External id the role's trust policy requires."},
					"duration":     schema.StringAttribute{Optional: true, MarkdownDescription: "Session length as a Go duration, 15m to 12h (default 1h)."},
				}},
			},
			"endpoints": schema.ListNestedBlock{
				MarkdownDescription: "Custom service endpoints, e.g. the local emulator (`http://127.0.0.1:4566`).",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"secretsmanager": schema.StringAttribute{Optional: true, MarkdownDescription: "Secrets Manager endpoint URL."},
					"kms":            schema.StringAttribute{Optional: true, MarkdownDescription: "KMS endpoint URL."},
					"sts":            schema.StringAttribute{Optional: true, MarkdownDescription: "STS endpoint URL."},
					"rds":            schema.StringAttribute{Optional: true, MarkdownDescription: "RDS endpoint URL."},
				}},
			},
			"default_tags": schema.ListNestedBlock{
				MarkdownDescription: "Tags added to every taggable resource; a resource's own `tags` win. The merged set is `tags_all`.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Tags to add."},
				}},
			},
		},
	}
}

func (p *secretsManagerProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, diags := newClients(ctx, m, p.version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.ResourceData = c
	resp.DataSourceData = c
	resp.EphemeralResourceData = c
}

func (p *secretsManagerProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewSecretResource,
		NewSecretRotationResource,
		NewSecretPolicyResource,
		NewKMSKeyResource,
		NewKMSAliasResource,
		NewSecretVersionResource,
	}
}

func (p *secretsManagerProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewSecretDataSource,
		NewSecretsDataSource,
		NewRandomPasswordDataSource,
		NewKMSKeyDataSource,
		NewSecretVersionDataSource,
	}
}

func (p *secretsManagerProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewRandomPasswordEphemeralResource,
		NewSecretVersionEphemeralResource,
	}
}
