// Package provider implements the secretsmanager Terraform provider.
package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
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
	// propagation is the retry budget for policies naming principals IAM does not know yet
	// (zero: hashicorp/aws's two minutes); tests shorten it.
	propagation propagationRetry
}

// New returns a constructor for the provider, as providerserver.Serve expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &secretsManagerProvider{version: version}
	}
}

// providerModel is the provider block. Nested settings are blocks, as in hashicorp/aws; the
// hashicorp/aws settings this provider does not implement are declared too, in
// unsupportedSettings, so that setting one fails with a clear message.
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
	IgnoreTags                []ignoreTagsModel  `tfsdk:"ignore_tags"`
	AllowedAccountIDs         types.Set          `tfsdk:"allowed_account_ids"`
	ForbiddenAccountIDs       types.Set          `tfsdk:"forbidden_account_ids"`
	SharedConfigFiles         types.List         `tfsdk:"shared_config_files"`
	SharedCredentialsFiles    types.List         `tfsdk:"shared_credentials_files"`
	WebIdentity               []webIdentityModel `tfsdk:"assume_role_with_web_identity"`
	unsupportedSettings
}

type ignoreTagsModel struct {
	Keys        types.Set `tfsdk:"keys"`
	KeyPrefixes types.Set `tfsdk:"key_prefixes"`
}

type webIdentityModel struct {
	RoleARN              types.String `tfsdk:"role_arn"`
	SessionName          types.String `tfsdk:"session_name"`
	WebIdentityToken     types.String `tfsdk:"web_identity_token"`
	WebIdentityTokenFile types.String `tfsdk:"web_identity_token_file"`
	Duration             types.String `tfsdk:"duration"`
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
			// The hashicorp/aws settings this provider lacks: declared so that Configure can
			// say so clearly rather than Terraform's "Unsupported argument".
			"custom_ca_bundle":                   unsupportedAttribute(types.StringType),
			"ec2_metadata_service_endpoint":      unsupportedAttribute(types.StringType),
			"ec2_metadata_service_endpoint_mode": unsupportedAttribute(types.StringType),
			"http_proxy":                         unsupportedAttribute(types.StringType),
			"https_proxy":                        unsupportedAttribute(types.StringType),
			"no_proxy":                           unsupportedAttribute(types.StringType),
			"insecure":                           unsupportedAttribute(types.BoolType),
			"retry_mode":                         unsupportedAttribute(types.StringType),
			"s3_use_path_style":                  unsupportedAttribute(types.BoolType),
			"skip_metadata_api_check":            unsupportedAttribute(types.StringType),
			"skip_region_validation":             unsupportedAttribute(types.BoolType),
			"sts_region":                         unsupportedAttribute(types.StringType),
			"token_bucket_rate_limiter_capacity": unsupportedAttribute(types.Int64Type),
			"use_dualstack_endpoint":             unsupportedAttribute(types.BoolType),
			"use_fips_endpoint":                  unsupportedAttribute(types.BoolType),
			"user_agent":                         unsupportedAttribute(types.ListType{ElemType: types.StringType}),
			"skip_requesting_account_id": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Do not look up the account id (implied by `skip_credentials_validation`).",
			},
			"allowed_account_ids": schema.SetAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Refuse to run unless the credentials belong to one of these accounts. Conflicts with `forbidden_account_ids`; " +
					"needs the account id, so not with `skip_requesting_account_id`.",
			},
			"forbidden_account_ids": schema.SetAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Refuse to run when the credentials belong to one of these accounts. Conflicts with `allowed_account_ids`.",
			},
			"shared_config_files": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Shared configuration files to read instead of `~/.aws/config` (`AWS_CONFIG_FILE`).",
			},
			"shared_credentials_files": schema.ListAttribute{
				Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Shared credentials files to read instead of `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`).",
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
			"ignore_tags": schema.ListNestedBlock{
				MarkdownDescription: "Tags that every resource leaves alone: they are kept out of `tags` and `tags_all`, so tags that other " +
					"tools set never show as a change and are never removed. As in hashicorp/aws.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"keys":         schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Tag keys to ignore."},
					"key_prefixes": schema.SetAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Ignore tag keys beginning with any of these."},
				}},
			},
			"assume_role_with_web_identity": schema.ListNestedBlock{
				MarkdownDescription: "Role to assume with an OIDC web identity token (STS AssumeRoleWithWebIdentity), e.g. in CI. " +
					"With `assume_role` too, this role is assumed first and then used to assume that one.",
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"role_arn":                schema.StringAttribute{Optional: true, MarkdownDescription: "ARN of the role to assume (`AWS_ROLE_ARN`)."},
					"session_name":            schema.StringAttribute{Optional: true, MarkdownDescription: "Session name (default `terraform-provider-secretsmanager`)."},
					"web_identity_token":      schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "The OIDC token. Conflicts with `web_identity_token_file`."},
					"web_identity_token_file": schema.StringAttribute{Optional: true, MarkdownDescription: "File holding the OIDC token, read at every refresh (`AWS_WEB_IDENTITY_TOKEN_FILE`)."},
					"duration":                schema.StringAttribute{Optional: true, MarkdownDescription: "Session length as a Go duration, 15m to 12h (default 1h)."},
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
	resp.Diagnostics.Append(checkUnsupported(m.unsupportedSettings)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, diags := newClients(ctx, m, p.version)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	c.Propagation = p.propagation
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
		NewKMSAliasDataSource,
		NewSecretRotationDataSource,
		NewSecretVersionDataSource,
		NewSecretVersionsDataSource,
	}
}

func (p *secretsManagerProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewRandomPasswordEphemeralResource,
		NewSecretVersionEphemeralResource,
	}
}

// unsupportedSettings are the hashicorp/aws provider settings this provider does not
// implement. Each is declared, optional, so that a provider block copied from hashicorp/aws
// gets a message naming the setting and what to do, not "Unsupported argument".
type unsupportedSettings struct {
	CustomCABundle                 types.String `tfsdk:"custom_ca_bundle"`
	EC2MetadataServiceEndpoint     types.String `tfsdk:"ec2_metadata_service_endpoint"`
	EC2MetadataServiceEndpointMode types.String `tfsdk:"ec2_metadata_service_endpoint_mode"`
	HTTPProxy                      types.String `tfsdk:"http_proxy"`
	HTTPSProxy                     types.String `tfsdk:"https_proxy"`
	NoProxy                        types.String `tfsdk:"no_proxy"`
	Insecure                       types.Bool   `tfsdk:"insecure"`
	RetryMode                      types.String `tfsdk:"retry_mode"`
	S3UsePathStyle                 types.Bool   `tfsdk:"s3_use_path_style"`
	SkipMetadataAPICheck           types.String `tfsdk:"skip_metadata_api_check"`
	SkipRegionValidation           types.Bool   `tfsdk:"skip_region_validation"`
	STSRegion                      types.String `tfsdk:"sts_region"`
	TokenBucketRateLimiterCapacity types.Int64  `tfsdk:"token_bucket_rate_limiter_capacity"`
	UseDualstackEndpoint           types.Bool   `tfsdk:"use_dualstack_endpoint"`
	UseFIPSEndpoint                types.Bool   `tfsdk:"use_fips_endpoint"`
	UserAgent                      types.List   `tfsdk:"user_agent"`
}

// unsupportedHints says, per setting, what to do instead.
var unsupportedHints = map[string]string{
	"custom_ca_bundle":                   "set AWS_CA_BUNDLE in the environment instead",
	"ec2_metadata_service_endpoint":      "set AWS_EC2_METADATA_SERVICE_ENDPOINT in the environment instead",
	"ec2_metadata_service_endpoint_mode": "set AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE in the environment instead",
	"http_proxy":                         "set HTTP_PROXY in the environment instead",
	"https_proxy":                        "set HTTPS_PROXY in the environment instead",
	"no_proxy":                           "set NO_PROXY in the environment instead",
	"insecure":                           "remove it: this provider always verifies TLS certificates",
	"retry_mode":                         "set AWS_RETRY_MODE in the environment instead; max_retries is supported",
	"s3_use_path_style":                  "remove it: this provider does not call S3",
	"skip_metadata_api_check":            "set AWS_EC2_METADATA_DISABLED=true in the environment instead",
	"skip_region_validation":             "remove it: this provider does not check region names",
	"sts_region":                         "remove it: STS is called in the provider's region (or at endpoints.sts)",
	"token_bucket_rate_limiter_capacity": "remove it: this provider uses the AWS SDK's default client-side rate limit",
	"use_dualstack_endpoint":             "set AWS_USE_DUALSTACK_ENDPOINT=true in the environment instead",
	"use_fips_endpoint":                  "set AWS_USE_FIPS_ENDPOINT=true in the environment instead",
	"user_agent":                         "remove it, or set TF_APPEND_USER_AGENT in the environment",
}

func unsupportedAttribute(t attr.Type) schema.Attribute {
	const doc = "A hashicorp/aws setting this provider does not support: setting it is an error that says what to do instead."
	switch t {
	case types.StringType:
		return schema.StringAttribute{Optional: true, MarkdownDescription: doc}
	case types.BoolType:
		return schema.BoolAttribute{Optional: true, MarkdownDescription: doc}
	case types.Int64Type:
		return schema.Int64Attribute{Optional: true, MarkdownDescription: doc}
	default:
		return schema.ListAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: doc}
	}
}

// checkUnsupported reports every unsupported setting the provider block sets.
func checkUnsupported(u unsupportedSettings) diag.Diagnostics {
	var diags diag.Diagnostics
	set := map[string]bool{
		"custom_ca_bundle": !u.CustomCABundle.IsNull(), "ec2_metadata_service_endpoint": !u.EC2MetadataServiceEndpoint.IsNull(),
		"ec2_metadata_service_endpoint_mode": !u.EC2MetadataServiceEndpointMode.IsNull(), "http_proxy": !u.HTTPProxy.IsNull(),
		"https_proxy": !u.HTTPSProxy.IsNull(), "no_proxy": !u.NoProxy.IsNull(), "insecure": !u.Insecure.IsNull(),
		"retry_mode": !u.RetryMode.IsNull(), "s3_use_path_style": !u.S3UsePathStyle.IsNull(),
		"skip_metadata_api_check": !u.SkipMetadataAPICheck.IsNull(), "skip_region_validation": !u.SkipRegionValidation.IsNull(),
		"sts_region": !u.STSRegion.IsNull(), "token_bucket_rate_limiter_capacity": !u.TokenBucketRateLimiterCapacity.IsNull(),
		"use_dualstack_endpoint": !u.UseDualstackEndpoint.IsNull(), "use_fips_endpoint": !u.UseFIPSEndpoint.IsNull(),
		"user_agent": !u.UserAgent.IsNull(),
	}
	names := slices.Sorted(maps.Keys(set))
	for _, name := range names {
		if set[name] {
			diags.AddAttributeError(path.Root(name), "Unsupported hashicorp/aws provider setting",
				fmt.Sprintf("%s is a setting of the hashicorp/aws provider that this provider does not support: %s.", name, unsupportedHints[name]))
		}
	}
	return diags
}
