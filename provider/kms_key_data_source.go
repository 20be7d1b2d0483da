package provider

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = (*kmsKeyDataSource)(nil)

// NewKMSKeyDataSource is the secretsmanager_kms_key data source.
func NewKMSKeyDataSource() datasource.DataSource { return &kmsKeyDataSource{} }

// kmsKeyDataSource describes a KMS key found by id, ARN, alias name or alias ARN, in one
// DescribeKey call.
type kmsKeyDataSource struct {
	c *clients
}

type kmsKeyDataSourceModel struct {
	Region       types.String `tfsdk:"region"`
	ID           types.String `tfsdk:"id"`
	KeyID        types.String `tfsdk:"key_id"`
	ARN          types.String `tfsdk:"arn"`
	Description  types.String `tfsdk:"description"`
	KeyState     types.String `tfsdk:"key_state"`
	Enabled      types.Bool   `tfsdk:"enabled"`
	KeyUsage     types.String `tfsdk:"key_usage"`
	KeySpec      types.String `tfsdk:"key_spec"`
	MultiRegion  types.Bool   `tfsdk:"multi_region"`
	CreationDate types.String `tfsdk:"creation_date"`
	DeletionDate types.String `tfsdk:"deletion_date"`
	KeyManager   types.String `tfsdk:"key_manager"`
	Origin       types.String `tfsdk:"origin"`
	// As hashicorp/aws's aws_kms_key data source names them.
	CustomKeyStoreID    types.String          `tfsdk:"custom_key_store_id"`
	CloudHSMClusterID   types.String          `tfsdk:"cloud_hsm_cluster_id"`
	XksKeyConfiguration []xksKeyConfiguration `tfsdk:"xks_key_configuration"`
}

type xksKeyConfiguration struct {
	ID types.String `tfsdk:"id"`
}

func (d *kmsKeyDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_kms_key"
}

func (d *kmsKeyDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Looks up a KMS key in its region by key id, key ARN, alias name or alias ARN, " +
			"e.g. to check that the key a secret uses is enabled. One API call (DescribeKey).",
		Attributes: map[string]schema.Attribute{
			"region": dataSourceRegionAttribute(),
			"key_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The key to describe: a key id (`1234abcd-…`), key ARN, alias name (`alias/my-key`; " +
					"`alias/aws/secretsmanager` is Secrets Manager's AWS managed key) or alias ARN. " +
					"After reading it holds what was given; `id` holds the key id.",
				Validators: []validator.String{stringvalidator.LengthBetween(1, 2048)},
			},
			"id":            schema.StringAttribute{Computed: true, MarkdownDescription: "Key id of the key found (never an alias)."},
			"arn":           schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the key."},
			"description":   schema.StringAttribute{Computed: true, MarkdownDescription: "Description of the key."},
			"key_state":     schema.StringAttribute{Computed: true, MarkdownDescription: "State: `Enabled`, `Disabled`, `PendingDeletion`, `PendingReplicaDeletion`, `PendingImport`, `Creating`, `Unavailable` or `Updating`."},
			"enabled":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the key can be used now (`key_state` is `Enabled`)."},
			"key_usage":     schema.StringAttribute{Computed: true, MarkdownDescription: "What the key is for, e.g. `ENCRYPT_DECRYPT` (the only usage Secrets Manager accepts)."},
			"key_spec":      schema.StringAttribute{Computed: true, MarkdownDescription: "Key type, e.g. `SYMMETRIC_DEFAULT` (the only type Secrets Manager accepts)."},
			"multi_region":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether it is a multi-Region key (primary or replica)."},
			"creation_date": schema.StringAttribute{Computed: true, MarkdownDescription: "When the key was created, RFC 3339."},
			"deletion_date": schema.StringAttribute{Computed: true, MarkdownDescription: "When the key will be deleted, RFC 3339, if it is pending deletion; else null."},
			"key_manager":   schema.StringAttribute{Computed: true, MarkdownDescription: "`CUSTOMER` for a customer managed key, `AWS` for an AWS managed key such as `aws/secretsmanager`."},
			"origin":        schema.StringAttribute{Computed: true, MarkdownDescription: "Where the key material is: `AWS_KMS`, `EXTERNAL` (imported), `AWS_CLOUDHSM` or `EXTERNAL_KEY_STORE`."},
			"custom_key_store_id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Id of the custom key store (AWS CloudHSM or external key store) holding the key; null for other keys."},
			"cloud_hsm_cluster_id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "For a key in an AWS CloudHSM key store: the CloudHSM cluster; else null."},
			"xks_key_configuration": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "For a key in an external key store: one element whose `id` is the key in the external key manager; else empty.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Id of the key in the external key manager."},
				}},
			},
		},
	}
}

func (d *kmsKeyDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

func (d *kmsKeyDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	d = d.regional(d.c.forObject(ctx, req.Config))
	defer setStateRegion(ctx, d.c, &resp.State, &resp.Diagnostics)
	var m kmsKeyDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// DescribeKey itself, not findKMSKeyByID: the data source reports keys pending deletion
	// too, with their key_state and deletion_date.
	out, err := d.c.KMS.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(m.KeyID.ValueString())})
	if err != nil {
		detail := kmsErrorDetail("DescribeKey", err)
		if isNotFound(err) {
			detail = fmt.Sprintf("No KMS key %q in region %s: %v. Check the key id, ARN or alias name (aliases begin with alias/), "+
				"and that the region (set region for another one) is the key's.", m.KeyID.ValueString(), d.c.Region, err)
		}
		resp.Diagnostics.AddAttributeError(path.Root("key_id"), "Cannot read the KMS key", detail)
		return
	}
	f := flattenKMSKey(out.KeyMetadata)
	m.ID, m.ARN, m.Description, m.KeyState, m.Enabled = f.KeyID, f.ARN, f.Description, f.KeyState, f.Enabled
	m.KeyUsage, m.KeySpec, m.MultiRegion, m.KeyManager = f.KeyUsage, f.KeySpec, f.MultiRegion, f.KeyManager
	m.CreationDate, m.DeletionDate = f.CreationDate, f.DeletionDate
	md := out.KeyMetadata
	m.Origin, m.CloudHSMClusterID = types.StringValue(string(md.Origin)), optionalString(md.CloudHsmClusterId)
	var xksKey types.String
	m.CustomKeyStoreID, xksKey = kmsKeyCustomStoreFlat(md)
	m.XksKeyConfiguration = []xksKeyConfiguration{}
	if !xksKey.IsNull() {
		m.XksKeyConfiguration = append(m.XksKeyConfiguration, xksKeyConfiguration{ID: xksKey})
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
