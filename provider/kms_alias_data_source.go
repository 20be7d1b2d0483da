package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

var _ datasource.DataSourceWithConfigure = (*kmsAliasDataSource)(nil)

// NewKMSAliasDataSource is the secretsmanager_kms_alias data source (hashicorp/aws's
// aws_kms_alias data source).
func NewKMSAliasDataSource() datasource.DataSource { return &kmsAliasDataSource{} }

// kmsAliasDataSource finds the key an alias points to, in one DescribeKey call.
type kmsAliasDataSource struct {
	c *clients
}

type kmsAliasDataSourceModel struct {
	Region       types.String `tfsdk:"region"`
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	ARN          types.String `tfsdk:"arn"`
	TargetKeyID  types.String `tfsdk:"target_key_id"`
	TargetKeyARN types.String `tfsdk:"target_key_arn"`
}

func (d *kmsAliasDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_kms_alias"
}

func (d *kmsAliasDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A KMS alias and the key it points to, e.g. to use `alias/aws/secretsmanager` or a team's key by name. One `DescribeKey` call.",
		Attributes: map[string]schema.Attribute{
			"region": dataSourceRegionAttribute(),
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Alias name, beginning with `alias/`.",
				Validators:          []validator.String{validators.KMSAliasLookupName()},
			},
			"id":             schema.StringAttribute{Computed: true, MarkdownDescription: "The alias name."},
			"arn":            schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the alias."},
			"target_key_id":  schema.StringAttribute{Computed: true, MarkdownDescription: "Id of the key the alias points to."},
			"target_key_arn": schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the key the alias points to."},
		},
	}
}

func (d *kmsAliasDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *kmsAliasDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.c.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.c, &resp.State, &resp.Diagnostics)
	var cfg kmsAliasDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m, found, err := (&kmsAliasResource{c: d.c}).read(ctx, kmsAliasModel{Name: cfg.Name})
	switch {
	case err != nil:
		resp.Diagnostics.AddError("Cannot read the KMS alias", fmt.Sprintf("Alias %s: %s", cfg.Name.ValueString(), kmsErrorDetail("DescribeKey", err)))
		return
	case !found:
		resp.Diagnostics.AddAttributeError(path.Root("name"), "KMS alias not found",
			fmt.Sprintf("There is no alias %s in %s. Check the name (aws kms list-aliases) and the region (set region for another one).", cfg.Name.ValueString(), d.c.Region))
		return
	}
	out := kmsAliasDataSourceModel{ID: m.Name, Name: m.Name, ARN: m.ARN, TargetKeyID: m.TargetKeyID, TargetKeyARN: m.TargetKeyARN}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
