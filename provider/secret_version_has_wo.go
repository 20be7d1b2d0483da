package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// has_secret_string_wo of hashicorp/aws v6: whether the version's value came from the
// write-only secret_string_wo, so that a configuration (or a policy check on the plan) can
// tell a value kept out of state from one in it. AWS does not know how a value was written, so
// it is decided from the configuration at plan time.

func hasSecretStringWOAttribute() schema.BoolAttribute {
	return schema.BoolAttribute{
		Computed: true,
		MarkdownDescription: "`true` when the value was written from `secret_string_wo` (so it is not in state), `false` " +
			"when it was written from another argument. Null after an import (AWS does not record how a value was " +
			"written) until the next apply that changes this resource.",
	}
}

// planHasSecretStringWO plans has_secret_string_wo from the configuration. It keeps a null
// (an imported version) while nothing else changes, so that the plan after an import is empty.
func planHasSecretStringWO(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	var wo types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("secret_string_wo"), &wo)...)
	want := types.BoolValue(!wo.IsNull())
	at := path.Root("has_secret_string_wo")
	if !req.State.Raw.IsNull() {
		var prior types.Bool
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, at, &prior)...)
		if prior.Equal(want) {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, at, prior)...)
			return
		}
		if prior.IsNull() {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, at, prior)...)
			if resp.Plan.Raw.Equal(req.State.Raw) && len(resp.RequiresReplace) == 0 {
				return // nothing else changes: keep the import's null rather than plan an update for it
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, at, want)...)
}
