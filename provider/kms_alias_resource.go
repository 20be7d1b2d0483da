package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = (*kmsAliasResource)(nil)
	_ resource.ResourceWithImportState = (*kmsAliasResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*kmsAliasResource)(nil)
)

// Alias name rules (CreateAlias, API reference).
const (
	kmsAliasPrefix    = validators.KMSAliasPrefix
	kmsAliasSuffixLen = validators.KMSAliasSuffixLen
	// kmsDefaultAliasNamePrefix starts the name chosen when neither name nor name_prefix is set.
	kmsDefaultAliasNamePrefix = "alias/terraform-"
)

// NewKMSAliasResource is the secretsmanager_kms_alias resource.
func NewKMSAliasResource() resource.Resource { return &kmsAliasResource{} }

// kmsAliasResource is a friendly name for a KMS key. Its refresh is one DescribeKey call on
// the alias name, which answers with the target key; KMS has no GetAlias, and ListAliases
// would page through every alias of the account.
type kmsAliasResource struct {
	c *clients
}

type kmsAliasModel struct {
	Region       types.String `tfsdk:"region"`
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	NamePrefix   types.String `tfsdk:"name_prefix"`
	TargetKeyID  types.String `tfsdk:"target_key_id"`
	ARN          types.String `tfsdk:"arn"`
	TargetKeyARN types.String `tfsdk:"target_key_arn"`
}

func (r *kmsAliasResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_kms_alias"
}

func (r *kmsAliasResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An alias of a KMS key (`alias/…`). Point a secret's `kms_key_id` at the alias to swap keys " +
			"without touching the secret's configuration. Changing `target_key_id` moves the alias in place. " +
			"Refresh makes one API call (DescribeKey on the alias).",
		Attributes: map[string]schema.Attribute{
			"region": resourceRegionAttribute(),
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The alias name, as `name`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Alias name: `alias/` then letters, digits, `/`, `_` or `-`, at most 256 characters in all. " +
					"Names beginning with `alias/aws/` are reserved for AWS managed keys. Conflicts with `name_prefix`; " +
					"when neither is set, a unique name beginning with `alias/terraform-` is chosen. Changing it replaces the alias.",
				Validators: []validator.String{
					validators.KMSAliasName(),
					stringvalidator.ConflictsWith(path.MatchRoot("name_prefix")),
				},
				PlanModifiers: []planmodifier.String{validators.KeepGeneratedName("name_prefix"), stringplanmodifier.RequiresReplace()},
			},
			"name_prefix": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Make a unique name beginning with this prefix (which itself begins with `alias/`, not `alias/aws/`). " +
					"Conflicts with `name`. Changing it replaces the alias, unless the current name already begins with it.",
				Validators:    []validator.String{validators.KMSAliasNamePrefix()},
				PlanModifiers: []planmodifier.String{validators.RequiresReplaceUnlessPrefixOf("name")},
			},
			"target_key_id": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Key the alias points at: a key id or key ARN of a customer managed key in the alias's region " +
					"(not another alias). Changing it moves the alias in place; the new key must have the same `key_spec` and " +
					"`key_usage` as the old one.",
				Validators: []validator.String{validators.KMSAliasTarget()},
			},
			"arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the alias; usable wherever a key ARN is, e.g. a secret's `kms_key_id`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"target_key_arn": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "ARN of the key the alias points at.",
			},
		},
	}
}

func (r *kmsAliasResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.c = providerClients(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan shows no change when target_key_id switches between the id and the ARN of the
// key the alias already points at, and marks target_key_arn unknown when the target moves.
func (r *kmsAliasResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	defer planRegion(ctx, r.c, req, resp)
	r = r.regional(r.c.forPlan(ctx, req))
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state kmsAliasModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || plan.TargetKeyID.IsUnknown() {
		return
	}
	if kmsSameKey(plan.TargetKeyID.ValueString(), state.TargetKeyID.ValueString(), state.TargetKeyARN.ValueString()) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("target_key_id"), state.TargetKeyID)...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("target_key_arn"), state.TargetKeyARN)...)
	}
}

func (r *kmsAliasResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan kmsAliasModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	if plan.Name.IsUnknown() || plan.Name.IsNull() {
		prefix := kmsDefaultAliasNamePrefix
		if !plan.NamePrefix.IsNull() {
			prefix = plan.NamePrefix.ValueString()
		}
		name = prefix + kmsUniqueSuffix()
	}
	_, err := r.c.KMS.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(plan.TargetKeyID.ValueString())})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Cannot create the KMS alias", fmt.Sprintf("Alias %s: %s", name, kmsErrorDetail("CreateAlias", err)))
		return
	}
	plan.Name, plan.ID = types.StringValue(name), types.StringValue(name)
	state, found, err := r.read(ctx, plan)
	if err != nil || !found {
		if err == nil {
			err = fmt.Errorf("alias not found right after CreateAlias")
		}
		resp.Diagnostics.AddError("Cannot read the new KMS alias", fmt.Sprintf("Alias %s was created: %s", name, kmsErrorDetail("DescribeKey", err)))
		// Keep what exists in the state, so that it is managed (and destroyed) by Terraform.
		plan.ARN, plan.TargetKeyARN = types.StringNull(), types.StringNull()
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

// read describes the alias's key by the alias name: one call gives the target key id and ARN,
// and the alias ARN follows from the key ARN's partition, region and account.
func (r *kmsAliasResource) read(ctx context.Context, m kmsAliasModel) (kmsAliasModel, bool, error) {
	name := m.Name.ValueString()
	if name == "" {
		name = m.ID.ValueString()
	}
	md, err := findAliasByName(ctx, r.c.KMS, name)
	if isNotFound(err) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	m = flattenAlias(m, name, md)
	return m, true, nil
}

func (r *kmsAliasResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var prior kmsAliasModel
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state, found, err := r.read(ctx, prior)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the KMS alias", fmt.Sprintf("Alias %s: %s", prior.ID.ValueString(), kmsErrorDetail("DescribeKey", err)))
		return
	}
	if !found {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *kmsAliasResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r = r.regional(r.c.forObject(ctx, req.Plan))
	defer setStateRegion(ctx, r.c, &resp.State, &resp.Diagnostics)
	var plan, state kmsAliasModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := state.Name.ValueString()
	if !kmsSameKey(plan.TargetKeyID.ValueString(), state.TargetKeyID.ValueString(), state.TargetKeyARN.ValueString()) {
		if _, err := r.c.KMS.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String(name), TargetKeyId: aws.String(plan.TargetKeyID.ValueString())}); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("target_key_id"), "Cannot move the KMS alias",
				fmt.Sprintf("Alias %s: %s", name, kmsErrorDetail("UpdateAlias", err)))
			return
		}
	}
	plan.Name, plan.ID = state.Name, state.ID
	newState, found, err := r.read(ctx, plan)
	if err != nil || !found {
		if err == nil {
			err = fmt.Errorf("alias not found")
		}
		resp.Diagnostics.AddError("Cannot read the KMS alias", fmt.Sprintf("Alias %s: %s", name, kmsErrorDetail("DescribeKey", err)))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, newState)...)
}

func (r *kmsAliasResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	r = r.regional(r.c.forObject(ctx, req.State))
	var state kmsAliasModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, err := r.c.KMS.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String(state.Name.ValueString())})
	if err != nil && !isNotFound(err) {
		resp.Diagnostics.AddError("Cannot delete the KMS alias", fmt.Sprintf("Alias %s: %s", state.Name.ValueString(), kmsErrorDetail("DeleteAlias", err)))
	}
}

// ImportState takes the alias name (alias/…) or the alias ARN.
func (r *kmsAliasResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	bare, rc := r.c.importTarget(ctx, req.ID, resp)
	req.ID, r = bare, r.regional(rc)
	name := req.ID
	if a, err := arn.Parse(name); err == nil && a.Service == "kms" && strings.HasPrefix(a.Resource, kmsAliasPrefix) {
		name = a.Resource
	}
	if !strings.HasPrefix(name, kmsAliasPrefix) {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("%q is not an alias name; import with the name, e.g. alias/my-secrets, or the alias ARN.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	// A name made from name_prefix gets its prefix back, so that the configuration that
	// made it plans no change after the import.
	if p, ok := kmsAliasPrefixFromName(name); ok {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name_prefix"), p)...)
	}
}
