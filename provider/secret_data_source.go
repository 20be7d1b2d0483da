package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource                     = (*secretDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*secretDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*secretDataSource)(nil)
)

var secretRotationRulesAttrTypes = map[string]attr.Type{
	"automatically_after_days": types.Int64Type,
	"duration":                 types.StringType,
	"schedule_expression":      types.StringType,
}

// NewSecretDataSource is the secretsmanager_secret data source.
func NewSecretDataSource() datasource.DataSource { return &secretDataSource{} }

type secretDataSource struct {
	client *clients
}

type secretDataSourceModel struct {
	Region            types.String `tfsdk:"region"`
	ID                types.String `tfsdk:"id"`
	ARN               types.String `tfsdk:"arn"`
	Name              types.String `tfsdk:"name"`
	Description       types.String `tfsdk:"description"`
	KmsKeyID          types.String `tfsdk:"kms_key_id"`
	Policy            types.String `tfsdk:"policy"`
	Tags              types.Map    `tfsdk:"tags"`
	Replica           types.List   `tfsdk:"replica"`
	PrimaryRegion     types.String `tfsdk:"primary_region"`
	OwningService     types.String `tfsdk:"owning_service"`
	RotationEnabled   types.Bool   `tfsdk:"rotation_enabled"`
	RotationLambdaARN types.String `tfsdk:"rotation_lambda_arn"`
	RotationRules     types.List   `tfsdk:"rotation_rules"`
	CreatedDate       types.String `tfsdk:"created_date"`
	LastChangedDate   types.String `tfsdk:"last_changed_date"`
	LastAccessedDate  types.String `tfsdk:"last_accessed_date"`
	LastRotatedDate   types.String `tfsdk:"last_rotated_date"`
	NextRotationDate  types.String `tfsdk:"next_rotation_date"`
}

type secretRotationRulesModel struct {
	AutomaticallyAfterDays types.Int64  `tfsdk:"automatically_after_days"`
	Duration               types.String `tfsdk:"duration"`
	ScheduleExpression     types.String `tfsdk:"schedule_expression"`
}

func (d *secretDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (d *secretDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a secret's metadata (never its value: use the `secretsmanager_secret_version` ephemeral resource for that), " +
			"found by `arn` or `name`. Costs a `DescribeSecret` and a `GetResourcePolicy` call. " +
			"A secret scheduled for deletion is an error, with the command to restore it.",
		Attributes: map[string]schema.Attribute{
			"region": dataSourceRegionAttribute(),
			"arn": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "ARN of the secret to read (full, or without the six random characters). Exactly one of `arn` and `name` must be set.",
			},
			"name": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Name of the secret to read. Exactly one of `arn` and `name` must be set.",
			},
			"id":          computed("The full ARN of the secret (also when `arn` was given without its random suffix)."),
			"description": computed("Description of the secret."),
			"kms_key_id":  computed("KMS key that encrypts the secret's values; null for the AWS managed key `aws/secretsmanager`."),
			"policy":      computed("Resource policy of the secret as JSON; null when it has none."),
			"tags": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Tags of the secret.",
			},
			"replica": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Regions the secret is replicated to.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"region":             computed("Region of the replica."),
					"kms_key_id":         computed("KMS key of the replica; null for that region's `aws/secretsmanager`."),
					"status":             computed("Replication status: `InProgress`, `InSync` or `Failed`."),
					"status_message":     computed("Secrets Manager's message about the replication."),
					"last_accessed_date": computed("Date (RFC 3339) the replica was last read, if ever."),
					"arn":                computed(replicaARNDescription),
				}},
			},
			"primary_region": computed("For a secret that takes part in replication, the region of its primary; otherwise null."),
			"owning_service": computed("The AWS service that manages the secret (e.g. `rds` for RDS-managed master passwords), if any."),
			"rotation_enabled": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "Whether automatic rotation is on.",
			},
			"rotation_lambda_arn": computed("ARN of the rotation function, if rotation was ever configured."),
			"rotation_rules": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "Rotation schedule, if rotation was ever configured (at most one element).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"automatically_after_days": schema.Int64Attribute{Computed: true, MarkdownDescription: "Days between rotations."},
					"duration":                 computed("Length of the rotation window, e.g. `3h`."),
					"schedule_expression":      computed("`rate()` or `cron()` expression of the schedule."),
				}},
			},
			"created_date":       computed("When the secret was created (RFC 3339)."),
			"last_changed_date":  computed("When the secret was last changed (RFC 3339)."),
			"last_accessed_date": computed("Day the secret's value was last read (RFC 3339), if ever."),
			"last_rotated_date":  computed("When the secret was last rotated (RFC 3339), if ever."),
			"next_rotation_date": computed("When the next rotation is due (RFC 3339), if rotation is on."),
		},
	}
}

func (d *secretDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("arn"), path.MatchRoot("name")),
	}
}

func (d *secretDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *secretDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.client.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.client, &resp.State, &resp.Diagnostics)
	var m secretDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, attrPath := m.Name.ValueString(), path.Root("name")
	if !m.ARN.IsNull() {
		id, attrPath = m.ARN.ValueString(), path.Root("arn")
	}
	sm := d.client.SecretsManager
	out, err := findSecretByID(ctx, sm, id)
	if nf := scheduledForDeletion(err); nf != nil {
		resp.Diagnostics.AddAttributeError(attrPath, "Secret is scheduled for deletion",
			fmt.Sprintf("The secret %s is scheduled for deletion (deleted date %s) and cannot be used. Restore it with\n\n"+
				"  aws secretsmanager restore-secret --secret-id %s --region %s\n\nor stop referring to it.",
				nf.arn, nf.deletedDate.UTC().Format(time.RFC3339), nf.arn, d.client.Region))
		return
	}
	if isNotFound(err) {
		resp.Diagnostics.AddAttributeError(attrPath, "Secret not found",
			fmt.Sprintf("No secret %q exists in %s. Check the spelling and the provider's region (a secret's ARN names its region).", id, d.client.Region))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the secret", fmt.Sprintf("Secrets Manager DescribeSecret for %s failed: %v. %s", id, err, secretErrorHint(err)))
		return
	}
	pol, err := findSecretPolicy(ctx, sm, aws.ToString(out.ARN))
	if err != nil && !isNotFound(err) {
		resp.Diagnostics.AddError("Cannot read the secret's resource policy",
			fmt.Sprintf("Secrets Manager GetResourcePolicy for %s failed: %v. %s", aws.ToString(out.ARN), err, secretErrorHint(err)))
		return
	}

	f := flattenSecret(out, secretResourceModel{}, nil)
	// A configured arn or name stays as written (Terraform requires it); id is always the full ARN.
	m.ID = f.ARN
	if m.ARN.IsNull() {
		m.ARN = m.ID
	}
	if m.Name.IsNull() {
		m.Name = f.Name
	}
	m.Description, m.KmsKeyID = f.Description, f.KmsKeyID
	m.Policy = types.StringNull()
	if err == nil {
		m.Policy = optionalString(pol.ResourcePolicy)
	}
	var diags diag.Diagnostics
	m.Tags, diags = types.MapValueFrom(ctx, types.StringType, f.Tags)
	resp.Diagnostics.Append(diags...)
	m.Replica, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: secretReplicaAttrTypes}, f.Replicas)
	resp.Diagnostics.Append(diags...)
	m.PrimaryRegion, m.OwningService = f.PrimaryRegion, f.OwningService
	m.RotationEnabled, m.RotationLambdaARN = f.RotationEnabled, f.RotationLambdaARN
	m.RotationRules, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: secretRotationRulesAttrTypes}, flattenSecretRotationRules(out.RotationRules))
	resp.Diagnostics.Append(diags...)
	m.CreatedDate, m.LastChangedDate, m.LastAccessedDate = f.CreatedDate, f.LastChangedDate, f.LastAccessedDate
	m.LastRotatedDate, m.NextRotationDate = f.LastRotatedDate, f.NextRotationDate
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
