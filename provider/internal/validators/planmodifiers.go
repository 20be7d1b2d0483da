package validators

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/iampolicy"
)

// PoliciesEquivalent compares two policy documents in canonical form (formatting, key
// order, "x" versus ["x"] do not count); a document that does not parse is equal only to
// the same text.
func PoliciesEquivalent(a, b string) bool {
	if a == b {
		return true
	}
	ca, errA := iampolicy.Canonical(a)
	cb, errB := iampolicy.Canonical(b)
	return errA == nil && errB == nil && ca == cb
}

// KeepEquivalentPolicy is the one plan modifier of every policy attribute: when the planned
// document says what the one in state says in other words, the plan keeps the state's
// text, so a reformatted policy never shows a diff. Terraform accepts the prior state's
// value as a planned value; semantic equality alone does not cover this, as the framework
// applies it to values read from AWS only.
func KeepEquivalentPolicy() planmodifier.String { return keepEquivalentPolicy{} }

type keepEquivalentPolicy struct{}

func (keepEquivalentPolicy) Description(context.Context) string {
	return "keeps the current policy when the configured one is equivalent"
}

func (m keepEquivalentPolicy) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (keepEquivalentPolicy) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if PoliciesEquivalent(req.StateValue.ValueString(), req.PlanValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

// AlwaysTrue plans the attribute as true on create and update: for an attribute the
// resource exists to keep true (rotation_enabled), so a refresh that found it false shows
// as a change that apply reverts.
func AlwaysTrue(description string) planmodifier.Bool { return alwaysTrue{description: description} }

type alwaysTrue struct{ description string }

func (m alwaysTrue) Description(context.Context) string { return m.description }

func (m alwaysTrue) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (alwaysTrue) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	resp.PlanValue = types.BoolValue(true)
}

// KeepGeneratedName keeps a name the provider generated (the name attribute left unset)
// across plans while the prefix attribute (name_prefix) is unset or still begins the name,
// and leaves it unknown, to be generated again, otherwise.
func KeepGeneratedName(prefixAttribute string) planmodifier.String {
	return keepGeneratedName{prefix: path.Root(prefixAttribute)}
}

type keepGeneratedName struct{ prefix path.Path }

func (m keepGeneratedName) Description(context.Context) string {
	return "keeps the generated name while " + m.prefix.String() + " does not change"
}

func (m keepGeneratedName) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (m keepGeneratedName) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if !req.ConfigValue.IsNull() || req.StateValue.IsNull() {
		return
	}
	var prefix types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, m.prefix, &prefix)...)
	if prefix.IsUnknown() {
		return
	}
	if prefix.IsNull() || strings.HasPrefix(req.StateValue.ValueString(), prefix.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

// RequiresReplaceUnlessPrefixOf is the plan modifier of a name_prefix attribute: a new
// prefix replaces the resource unless the current name (nameAttribute) already begins with it.
func RequiresReplaceUnlessPrefixOf(nameAttribute string) planmodifier.String {
	const desc = "Replaces the resource unless its current name already begins with the new prefix."
	name := path.Root(nameAttribute)
	return stringplanmodifier.RequiresReplaceIf(
		func(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
			var current types.String
			resp.Diagnostics.Append(req.State.GetAttribute(ctx, name, &current)...)
			resp.RequiresReplace = req.PlanValue.IsUnknown() || !strings.HasPrefix(current.ValueString(), req.PlanValue.ValueString())
		}, desc, desc)
}
