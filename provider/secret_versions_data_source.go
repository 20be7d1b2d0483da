package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*secretVersionsDataSource)(nil)

// NewSecretVersionsDataSource is the secretsmanager_secret_versions data source
// (hashicorp/aws's aws_secretsmanager_secret_versions).
func NewSecretVersionsDataSource() datasource.DataSource { return &secretVersionsDataSource{} }

// secretVersionsDataSource lists a secret's versions (ListSecretVersionIds, every page); it
// reads no value.
type secretVersionsDataSource struct {
	c *clients
}

type secretVersionsDataSourceModel struct {
	Region            types.String `tfsdk:"region"`
	ID                types.String `tfsdk:"id"`
	SecretID          types.String `tfsdk:"secret_id"`
	IncludeDeprecated types.Bool   `tfsdk:"include_deprecated"`
	ARN               types.String `tfsdk:"arn"`
	SecretARN         types.String `tfsdk:"secret_arn"`
	Name              types.String `tfsdk:"name"`
	Versions          types.List   `tfsdk:"versions"`
}

var secretVersionsEntryAttrTypes = map[string]attr.Type{
	"version_id":         types.StringType,
	"version_stages":     types.ListType{ElemType: types.StringType},
	"created_time":       types.StringType,
	"last_accessed_date": types.StringType,
}

func (d *secretVersionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_versions"
}

func (d *secretVersionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the versions of a secret, newest first, with their staging labels (`ListSecretVersionIds`, " +
			"every page). It reads no secret value; use `secretsmanager_secret_version` for that.",
		Attributes: map[string]schema.Attribute{
			"region":    dataSourceRegionAttribute(),
			"id":        computed("ARN of the secret."),
			"secret_id": schema.StringAttribute{Required: true, MarkdownDescription: "ARN or name of the secret."},
			"include_deprecated": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Also list deprecated versions: those without a staging label, which Secrets Manager " +
					"may remove once a secret has more than 100 versions. Default `false`.",
			},
			"arn":        computed("ARN of the secret (as `secret_arn`)."),
			"secret_arn": computed("ARN of the secret."),
			"name":       computed("Name of the secret."),
			"versions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The versions, newest first.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"version_id": computed("Id of the version."),
					"version_stages": schema.ListAttribute{Computed: true, ElementType: types.StringType,
						MarkdownDescription: "Staging labels the version holds, e.g. `AWSCURRENT`; empty for a deprecated version."},
					"created_time":       computed("When the version was created (RFC 3339)."),
					"last_accessed_date": computed("When the version was last read (RFC 3339; AWS keeps only the day); null if never."),
				}},
			},
		},
	}
}

func (d *secretVersionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *secretVersionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.c.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.c, &resp.State, &resp.Diagnostics)
	var m secretVersionsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := m.SecretID.ValueString()
	pages := secretsmanager.NewListSecretVersionIdsPaginator(d.c.SecretsManager, &secretsmanager.ListSecretVersionIdsInput{
		SecretId: aws.String(id), IncludeDeprecated: aws.Bool(m.IncludeDeprecated.ValueBool()),
	})
	stamp := func(t *time.Time) types.String {
		if t == nil {
			return types.StringNull()
		}
		return types.StringValue(t.UTC().Format(time.RFC3339))
	}
	versions := []attr.Value{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if isNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("secret_id"), "Secret not found",
				fmt.Sprintf("There is no secret %s in %s. Check secret_id and the region (set region for another one).", id, d.c.Region))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Cannot list the secret's versions", fmt.Sprintf("ListSecretVersionIds of %s failed: %v. %s", id, err, secretErrorHint(err)))
			return
		}
		m.ARN, m.Name = types.StringValue(aws.ToString(page.ARN)), types.StringValue(aws.ToString(page.Name))
		for _, v := range page.Versions {
			stages, diags := types.ListValueFrom(ctx, types.StringType, append([]string{}, v.VersionStages...))
			resp.Diagnostics.Append(diags...)
			obj, diags := types.ObjectValue(secretVersionsEntryAttrTypes, map[string]attr.Value{
				"version_id":         types.StringValue(aws.ToString(v.VersionId)),
				"version_stages":     stages,
				"created_time":       stamp(v.CreatedDate),
				"last_accessed_date": stamp(v.LastAccessedDate),
			})
			resp.Diagnostics.Append(diags...)
			versions = append(versions, obj)
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: secretVersionsEntryAttrTypes}, versions)
	resp.Diagnostics.Append(diags...)
	m.Versions, m.SecretARN, m.ID = list, m.ARN, m.ARN
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
