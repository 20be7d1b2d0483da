package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*secretRotationDataSource)(nil)

// NewSecretRotationDataSource is the secretsmanager_secret_rotation data source
// (hashicorp/aws's aws_secretsmanager_secret_rotation data source).
func NewSecretRotationDataSource() datasource.DataSource { return &secretRotationDataSource{} }

// secretRotationDataSource reads a secret's rotation configuration in one DescribeSecret.
type secretRotationDataSource struct {
	c *clients
}

type secretRotationDataSourceModel struct {
	Region            types.String `tfsdk:"region"`
	ID                types.String `tfsdk:"id"`
	SecretID          types.String `tfsdk:"secret_id"`
	RotationEnabled   types.Bool   `tfsdk:"rotation_enabled"`
	RotationLambdaARN types.String `tfsdk:"rotation_lambda_arn"`
	RotationRules     types.List   `tfsdk:"rotation_rules"`
}

var rotationRulesAttrTypes = map[string]attr.Type{
	"automatically_after_days": types.Int64Type,
	"schedule_expression":      types.StringType,
	"duration":                 types.StringType,
}

func (d *secretRotationDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret_rotation"
}

func (d *secretRotationDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The rotation configuration of a secret: whether it rotates, with which Lambda function and on what schedule. One `DescribeSecret` call.",
		Attributes: map[string]schema.Attribute{
			"region":              dataSourceRegionAttribute(),
			"secret_id":           schema.StringAttribute{Required: true, MarkdownDescription: "ARN or name of the secret."},
			"id":                  schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the secret."},
			"rotation_enabled":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether rotation is on."},
			"rotation_lambda_arn": schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the rotation function; null when none is set."},
			"rotation_rules": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The schedule: one element, or none when the secret has no rotation rules.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"automatically_after_days": schema.Int64Attribute{Computed: true, MarkdownDescription: "Days between rotations."},
					"schedule_expression":      schema.StringAttribute{Computed: true, MarkdownDescription: "`rate()` or `cron()` schedule."},
					"duration":                 schema.StringAttribute{Computed: true, MarkdownDescription: "Length of the rotation window, e.g. `3h`."},
				}},
			},
		},
	}
}

func (d *secretRotationDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *secretRotationDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.c.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.c, &resp.State, &resp.Diagnostics)
	var m secretRotationDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	out, err := findRotation(ctx, d.c.SecretsManager, m.SecretID.ValueString())
	switch {
	case isNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("secret_id"), "Secret not found",
			fmt.Sprintf("There is no secret %s in %s (or it is scheduled for deletion). Check secret_id and the region (set region for another one).", m.SecretID.ValueString(), d.c.Region))
		return
	case err != nil:
		resp.Diagnostics.AddError("Cannot read the secret's rotation", fmt.Sprintf("DescribeSecret of %s failed: %v. %s", m.SecretID.ValueString(), err, secretErrorHint(err)))
		return
	}
	m.ID = types.StringValue(aws.ToString(out.ARN))
	f := flattenRotation(out, nil)
	m.RotationEnabled, m.RotationLambdaARN = f.Enabled, f.LambdaARN
	v, diags := types.ListValueFrom(ctx, types.ObjectType{AttrTypes: rotationRulesAttrTypes}, f.Rules)
	resp.Diagnostics.Append(diags...)
	m.RotationRules = v
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
