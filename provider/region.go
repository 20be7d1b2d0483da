package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Per-object region, as hashicorp/aws v6 has it ("enhanced region support"): every resource,
// data source and ephemeral resource has an optional, computed `region` that defaults to the
// provider's; its API calls go to that region. On a resource a changed region means another
// object, so it replaces; a region removed from the configuration keeps the one in state.
// Imports take ID@REGION, and an ARN names its own region.

// regionName is an AWS region name such as eu-west-1.
var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

var regionValidators = []validator.String{stringvalidator.RegexMatches(regionName, "must be an AWS region name such as eu-west-1")}

const regionDescription = "Region where this object is managed, e.g. `eu-west-1`. Defaults to the provider's `region`."

func resourceRegionAttribute() rschema.StringAttribute {
	return rschema.StringAttribute{
		Optional: true,
		Computed: true,
		MarkdownDescription: regionDescription + " Changing it replaces the resource (removing it keeps the region in state). " +
			"To import an object of another region, append `@REGION` to the import ID; an ARN names its region itself.",
		Validators: regionValidators,
	}
}

func dataSourceRegionAttribute() dschema.StringAttribute {
	return dschema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: regionDescription, Validators: regionValidators}
}

// regionCache holds the clients of the regions other than the provider's, shared by every copy
// of one provider's clients.
type regionCache struct {
	mu sync.Mutex
	m  map[string]*clients
}

// in returns the clients whose API calls go to region ("" is c's own region).
func (c *clients) in(region string) *clients {
	if c == nil || region == "" || region == c.Region {
		return c
	}
	build := func() *clients {
		rc := *c
		rc.Region = region
		rc.SecretsManager = secretsmanager.New(c.SecretsManager.Options(), func(o *secretsmanager.Options) { o.Region = region })
		rc.KMS = kms.New(c.KMS.Options(), func(o *kms.Options) { o.Region = region })
		return &rc
	}
	if c.regions == nil {
		return build()
	}
	c.regions.mu.Lock()
	defer c.regions.mu.Unlock()
	if rc, ok := c.regions.m[region]; ok {
		return rc
	}
	rc := build()
	if c.regions.m == nil {
		c.regions.m = map[string]*clients{}
	}
	c.regions.m[region] = rc
	return rc
}

// attributeGetter is a plan, state or configuration.
type attributeGetter interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}

// regionOf is the region attribute of a plan, state or configuration, "" when null, unknown
// or absent.
func regionOf(ctx context.Context, src attributeGetter) string {
	var v types.String
	if diags := src.GetAttribute(ctx, path.Root("region"), &v); diags.HasError() {
		return ""
	}
	return v.ValueString()
}

// forObject returns the clients for the region a plan, state or configuration names (the
// provider's when it names none, e.g. a state written before the attribute existed).
func (c *clients) forObject(ctx context.Context, src attributeGetter) *clients {
	return c.in(regionOf(ctx, src))
}

// setStateRegion records the region c serves in a state that holds an object.
func setStateRegion(ctx context.Context, c *clients, st *tfsdk.State, diags *diag.Diagnostics) {
	if c == nil || st.Raw.IsNull() {
		return
	}
	diags.Append(st.SetAttribute(ctx, path.Root("region"), c.Region)...)
}

// plannedRegion is the region a resource plan manages the object in: the configured one, else
// the one in state, else the provider's. ok is false while it cannot be known: a configured
// value that is unknown (then unknownConfig), or a provider not configured yet.
func plannedRegion(ctx context.Context, c *clients, req resource.ModifyPlanRequest) (region string, ok, unknownConfig bool) {
	var cfg types.String
	if !req.Config.Raw.IsNull() {
		if req.Config.GetAttribute(ctx, path.Root("region"), &cfg).HasError() {
			return "", false, false
		}
		if cfg.IsUnknown() {
			return "", false, true
		}
	}
	if !cfg.IsNull() {
		return cfg.ValueString(), true, false
	}
	if !req.State.Raw.IsNull() {
		if prior := regionOf(ctx, req.State); prior != "" {
			return prior, true, false
		}
	}
	if c == nil {
		return "", false, false
	}
	return c.Region, true, false
}

// forPlan returns the clients of the region a plan manages its object in (for the calls
// ModifyPlan makes).
func (c *clients) forPlan(ctx context.Context, req resource.ModifyPlanRequest) *clients {
	if req.Plan.Raw.IsNull() {
		return c.forObject(ctx, req.State)
	}
	region, _, _ := plannedRegion(ctx, c, req)
	return c.in(region)
}

// planRegion puts the region in the plan and replaces the object when it changes. A resource's
// ModifyPlan defers it, so that it applies to the plan the rest of ModifyPlan wrote.
func planRegion(ctx context.Context, c *clients, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	region, ok, unknownConfig := plannedRegion(ctx, c, req)
	if ok {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("region"), region)...)
	}
	if req.State.Raw.IsNull() {
		return
	}
	// A state without a region was written in the provider's region.
	prior := regionOf(ctx, req.State)
	if prior == "" && c != nil {
		prior = c.Region
	}
	if unknownConfig || (ok && prior != "" && region != prior) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("region"))
	}
}

// importTarget splits an import ID into the object's own ID and its region (splitImportID),
// records the region in the imported state and returns the clients of that region.
func (c *clients) importTarget(ctx context.Context, id string, resp *resource.ImportStateResponse) (string, *clients) {
	id, region, err := splitImportID(id)
	if err != nil {
		resp.Diagnostics.AddError("Conflicting import regions", err.Error())
		return id, c
	}
	c = c.in(region)
	if c != nil {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("region"), c.Region)...)
	}
	return id, c
}

// splitImportID reads "ID@REGION", or the region of an ARN ("arn:PARTITION:SERVICE:REGION:…");
// region is "" when the ID names none. A suffix that is not a region name is part of the ID
// (secret names may hold "@"): "a@b@eu-west-1" is "a@b" in eu-west-1.
func splitImportID(id string) (bare, region string, err error) {
	if i := strings.LastIndex(id, "@"); i >= 0 && regionName.MatchString(id[i+1:]) {
		id, region = id[:i], id[i+1:]
	}
	if parts := strings.SplitN(id, ":", 5); len(parts) == 5 && parts[0] == "arn" && parts[3] != "" {
		if region != "" && region != parts[3] {
			return id, "", fmt.Errorf("the import ID is an ARN of region %s but ends in @%s. Drop the @%s suffix: an ARN names its region", parts[3], region, region)
		}
		region = parts[3]
	}
	return id, region, nil
}

// The copies of each resource, data source and ephemeral resource serving one object's region.

func (r *secretResource) regional(c *clients) *secretResource { cp := *r; cp.client = c; return &cp }
func (r *secretVersionResource) regional(c *clients) *secretVersionResource {
	cp := *r
	cp.c = c
	return &cp
}
func (r *secretRotationResource) regional(c *clients) *secretRotationResource {
	cp := *r
	cp.c = c
	return &cp
}
func (r *secretPolicyResource) regional(c *clients) *secretPolicyResource {
	cp := *r
	cp.c = c
	return &cp
}
func (r *kmsKeyResource) regional(c *clients) *kmsKeyResource     { cp := *r; cp.c = c; return &cp }
func (r *kmsAliasResource) regional(c *clients) *kmsAliasResource { cp := *r; cp.c = c; return &cp }

func (d *secretDataSource) regional(c *clients) *secretDataSource {
	cp := *d
	cp.client = c
	return &cp
}
func (d *secretsDataSource) regional(c *clients) *secretsDataSource {
	cp := *d
	cp.client = c
	return &cp
}
func (d *secretVersionDataSource) regional(c *clients) *secretVersionDataSource {
	cp := *d
	cp.c = c
	return &cp
}
func (d *secretRotationDataSource) regional(c *clients) *secretRotationDataSource {
	cp := *d
	cp.c = c
	return &cp
}
func (d *kmsKeyDataSource) regional(c *clients) *kmsKeyDataSource     { cp := *d; cp.c = c; return &cp }
func (d *kmsAliasDataSource) regional(c *clients) *kmsAliasDataSource { cp := *d; cp.c = c; return &cp }
func (d *randomPasswordDataSource) regional(c *clients) *randomPasswordDataSource {
	cp := *d
	cp.c = c
	return &cp
}
func (e *secretVersionEphemeralResource) regional(c *clients) *secretVersionEphemeralResource {
	cp := *e
	cp.c = c
	return &cp
}
func (e *randomPasswordEphemeralResource) regional(c *clients) *randomPasswordEphemeralResource {
	cp := *e
	cp.c = c
	return &cp
}

// setResultRegion records the region c serves in an ephemeral resource's result.
func setResultRegion(ctx context.Context, c *clients, resp *ephemeral.OpenResponse) {
	if c == nil || resp.Result.Raw.IsNull() {
		return
	}
	resp.Diagnostics.Append(resp.Result.SetAttribute(ctx, path.Root("region"), c.Region)...)
}
func (d *secretVersionsDataSource) regional(c *clients) *secretVersionsDataSource {
	cp := *d
	cp.c = c
	return &cp
}
