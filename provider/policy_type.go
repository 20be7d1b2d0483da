package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/iampolicy"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/provider/internal/validators"
)

// policyType is a string attribute holding an IAM policy document. Two documents that differ
// only in formatting, key order, or ["x"] versus "x" are semantically equal, so AWS's
// re-serialisation of a policy never shows as a diff.
type policyType struct {
	basetypes.StringType
}

var (
	_ basetypes.StringTypable                    = policyType{}
	_ basetypes.StringValuableWithSemanticEquals = policyValue{}
	_ xattr.ValidateableAttribute                = policyValue{}
)

func (t policyType) Equal(o attr.Type) bool {
	_, ok := o.(policyType)
	return ok
}

func (t policyType) String() string { return "policyType" }

func (t policyType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return policyValue{StringValue: in}, nil
}

func (t policyType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	sv, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return policyValue{StringValue: sv}, nil
}

func (t policyType) ValueType(context.Context) attr.Value { return policyValue{} }

// policyValue is a value of policyType.
type policyValue struct {
	basetypes.StringValue
}

// newPolicyValue wraps a policy read from AWS.
func newPolicyValue(s string) policyValue {
	return policyValue{StringValue: basetypes.NewStringValue(s)}
}

func (v policyValue) Equal(o attr.Value) bool {
	other, ok := o.(policyValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v policyValue) Type(context.Context) attr.Type { return policyType{} }

func (v policyValue) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := newValuable.(policyValue)
	if !ok {
		return false, nil
	}
	return policiesEquivalent(v.ValueString(), other.ValueString()), nil
}

// policiesEquivalent tells whether two policy documents say the same (see
// validators.PoliciesEquivalent, which the policy plan modifier shares).
func policiesEquivalent(a, b string) bool { return validators.PoliciesEquivalent(a, b) }

// ValidateAttribute reports malformed policies at plan time, with the checks Secrets Manager
// applies, rather than at apply time from AWS.
func (v policyValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	findings, _ := iampolicy.Check(v.ValueString())
	for _, f := range findings {
		if f.CheckName != iampolicy.SyntaxCheck {
			continue
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid policy document", f.ErrorMessage+
			" Write the document with jsonencode() to get valid JSON, and give every statement an Effect "+
			"(Allow or Deny), a Principal, an Action and a Resource.")
	}
}
