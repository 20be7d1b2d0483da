package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*secretsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*secretsDataSource)(nil)
)

// secretsFilterKeys are the keys ListSecrets accepts.
var secretsFilterKeys = []string{"all", "description", "name", "owning-service", "primary-region", "tag-key", "tag-value"}

// secretsFilterValue is ListSecrets' pattern for a filter value; a leading ! negates it.
var secretsFilterValue = regexp.MustCompile(`^!?[a-zA-Z0-9 :_@/+=.\-!]*$`)

// NewSecretsDataSource is the secretsmanager_secrets data source.
func NewSecretsDataSource() datasource.DataSource { return &secretsDataSource{} }

type secretsDataSource struct {
	client *clients
}

type secretsDataSourceModel struct {
	Region                 types.String         `tfsdk:"region"`
	ID                     types.String         `tfsdk:"id"`
	Filter                 []secretsFilterModel `tfsdk:"filter"`
	IncludePlannedDeletion types.Bool           `tfsdk:"include_planned_deletion"`
	ARNs                   types.List           `tfsdk:"arns"`
	Names                  types.List           `tfsdk:"names"`
}

type secretsFilterModel struct {
	Name   types.String `tfsdk:"name"`
	Values types.List   `tfsdk:"values"`
}

func (d *secretsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secrets"
}

func (d *secretsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the secrets of one region (`region`, else the provider's) that match every `filter` (ListSecrets, all pages). " +
			"`names` is sorted and `arns[i]` is the ARN of `names[i]`.",
		Attributes: map[string]schema.Attribute{
			"region": dataSourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The region that was searched.",
			},
			"include_planned_deletion": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Also list secrets scheduled for deletion. Default `false`.",
			},
			"arns": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "ARNs of the matching secrets, in the order of `names`.",
			},
			"names": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Names of the matching secrets, sorted.",
			},
		},
		Blocks: map[string]schema.Block{
			"filter": schema.ListNestedBlock{
				MarkdownDescription: "A ListSecrets filter; a secret must match every filter (at most 10). Within a filter a secret " +
					"matches when it matches any of the values; a value starting with `!` excludes instead. `name`, `tag-key`, `tag-value`, " +
					"`primary-region` and `owning-service` are case-sensitive prefix matches; `description` and `all` match words " +
					"(each word of the value must begin a word of the description, or of any of those attributes), ignoring case.",
				Validators: []validator.List{listvalidator.SizeAtMost(10)},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{
						Required:            true,
						MarkdownDescription: "What to match: `name`, `description`, `tag-key`, `tag-value`, `primary-region`, `owning-service` or `all`.",
						Validators:          []validator.String{stringvalidator.OneOf(secretsFilterKeys...)},
					},
					"values": schema.ListAttribute{
						Required: true, ElementType: types.StringType,
						MarkdownDescription: "1 to 10 values, each up to 512 letters, digits, spaces and `:_@/+=.-!`; prefix a value with `!` to exclude matches.",
						Validators: []validator.List{
							listvalidator.SizeBetween(1, 10),
							listvalidator.ValueStringsAre(
								stringvalidator.LengthAtMost(512),
								stringvalidator.RegexMatches(secretsFilterValue, "may only contain letters, digits, spaces and :_@/+=.-! (a leading ! negates)"),
							),
						},
					},
				}},
			},
		},
	}
}

func (d *secretsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *secretsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.client.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.client, &resp.State, &resp.Diagnostics)
	var m secretsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	in := &secretsmanager.ListSecretsInput{MaxResults: aws.Int32(100)}
	if m.IncludePlannedDeletion.ValueBool() {
		in.IncludePlannedDeletion = aws.Bool(true)
	}
	for _, f := range m.Filter {
		var values []string
		resp.Diagnostics.Append(f.Values.ElementsAs(ctx, &values, false)...)
		in.Filters = append(in.Filters, smtypes.Filter{Key: smtypes.FilterNameStringType(f.Name.ValueString()), Values: values})
	}
	if resp.Diagnostics.HasError() {
		return
	}

	type entry struct{ name, arn string }
	var found []entry
	p := secretsmanager.NewListSecretsPaginator(d.client.SecretsManager, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			resp.Diagnostics.AddError("Cannot list secrets",
				fmt.Sprintf("Secrets Manager ListSecrets failed after %d secrets: %v. %s", len(found), err, secretErrorHint(err)))
			return
		}
		for _, s := range page.SecretList {
			found = append(found, entry{aws.ToString(s.Name), aws.ToString(s.ARN)})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
	names := make([]string, 0, len(found))
	arns := make([]string, 0, len(found))
	for _, e := range found {
		names = append(names, e.name)
		arns = append(arns, e.arn)
	}
	var diags diag.Diagnostics
	m.Names, diags = types.ListValueFrom(ctx, types.StringType, names)
	resp.Diagnostics.Append(diags...)
	m.ARNs, diags = types.ListValueFrom(ctx, types.StringType, arns)
	resp.Diagnostics.Append(diags...)
	m.ID = types.StringValue(d.client.Region)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
