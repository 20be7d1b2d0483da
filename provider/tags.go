package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

// tagsAttribute and tagsAllAttribute are the tags of a taggable resource: its own, and those
// merged with the provider's default_tags (what AWS holds).
func tagsAttribute() schema.MapAttribute {
	return schema.MapAttribute{
		Optional:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "Tags of the resource. They override the provider's `default_tags` of the same key.",
	}
}

func tagsAllAttribute() schema.MapAttribute {
	return schema.MapAttribute{
		Computed:            true,
		ElementType:         types.StringType,
		MarkdownDescription: "All tags of the resource: the provider's `default_tags` merged with `tags`.",
		PlanModifiers:       []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
	}
}

// mergedTags is default_tags overlaid with the resource's own tags.
func mergedTags(ctx context.Context, defaults map[string]string, own types.Map) (map[string]string, diag.Diagnostics) {
	out := maps.Clone(defaults)
	if out == nil {
		out = map[string]string{}
	}
	if own.IsNull() || own.IsUnknown() {
		return out, nil
	}
	var m map[string]string
	diags := own.ElementsAs(ctx, &m, false)
	maps.Copy(out, m)
	return out, diags
}

// planTagsAll sets tags_all in the plan from tags and default_tags, so that a change of
// default_tags shows in the plan of every resource it touches. A tag whose value is known
// only after apply (another resource's id) is unknown in tags_all too; the rest are known.
func planTagsAll(ctx context.Context, c *clients, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || c == nil {
		return
	}
	var own types.Map
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("tags"), &own)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if own.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tags_all"), types.MapUnknown(types.StringType))...)
		return
	}
	all := map[string]attr.Value{}
	for k, v := range c.DefaultTags {
		all[k] = types.StringValue(v)
	}
	if !own.IsNull() {
		maps.Copy(all, own.Elements())
	}
	v, diags := types.MapValue(types.StringType, all)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tags_all"), v)...)
}

// ownTags is the part of the tags AWS holds that the resource's configuration accounts for:
// everything but the default tags that the resource does not set itself. With it, a refresh
// keeps `tags` as configured while `tags_all` shows everything.
func ownTags(defaults, all map[string]string, configured types.Map) map[string]string {
	out := map[string]string{}
	var own map[string]string
	if !configured.IsNull() && !configured.IsUnknown() {
		_ = configured.ElementsAs(context.Background(), &own, false)
	}
	for k, v := range all {
		if dv, isDefault := defaults[k]; isDefault && dv == v {
			if _, set := own[k]; !set {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// isAWSTag reports a tag key AWS reserves for itself ("aws:…", e.g. the
// aws:secretsmanager:owningService and aws:rds:primarydbinstancearn tags of a secret RDS
// manages). Users can neither set nor remove such tags, so they are kept out of tags and
// tags_all: a plan never removes them and an update never untags them.
func isAWSTag(key string) bool {
	return validators.IsReservedTagKey(key)
}
