package validators

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// check compares a validator's diagnostics with what a case wants: errors or not, and
// text every error detail must contain.
func check(t *testing.T, name string, diags diag.Diagnostics, wantErr bool, wantText string) {
	t.Helper()
	if got := diags.HasError(); got != wantErr {
		t.Errorf("%s: error %t, want %t: %v", name, got, wantErr, diags)
	}
	if wantText == "" {
		return
	}
	for _, d := range diags.Errors() {
		if !strings.Contains(d.Detail(), wantText) {
			t.Errorf("%s: %q does not say %q", name, d.Detail(), wantText)
		}
	}
}

func validateString(v validator.String, s types.String) diag.Diagnostics {
	var resp validator.StringResponse
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("name"), ConfigValue: s}, &resp)
	return resp.Diagnostics
}

func TestSecretName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value          string
		prefix         bool
		errors, warned bool
	}{
		{"orders/prod/db+read=x.y@z_w-v", false, false, false},
		{strings.Repeat("a", 512), false, false, false},
		{strings.Repeat("a", 513), false, true, false},
		{strings.Repeat("a", 486), true, false, false},
		{strings.Repeat("a", 487), true, true, false},
		{"", false, true, false},
		{"db password", false, true, false},
		{"db#1", true, true, false},
		{"héllo", false, true, false},
		{"svc/token-abc123", false, false, true}, // looks like an ARN suffix
		{"svc/token-", true, false, false},
	}
	for _, tc := range tests {
		v := SecretName()
		if tc.prefix {
			v = SecretNamePrefix()
		}
		diags := validateString(v, types.StringValue(tc.value))
		if got := diags.ErrorsCount() > 0; got != tc.errors {
			t.Errorf("%q (prefix %t): errors %t, want %t: %v", tc.value, tc.prefix, got, tc.errors, diags)
		}
		if got := diags.WarningsCount() > 0; got != tc.warned {
			t.Errorf("%q (prefix %t): warning %t, want %t: %v", tc.value, tc.prefix, got, tc.warned, diags)
		}
	}
	if d := validateString(SecretName(), types.StringUnknown()); d.HasError() {
		t.Errorf("unknown name refused: %v", d)
	}
}

func TestRecoveryWindow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		days    int64
		wantErr bool
	}{{0, false}, {7, false}, {30, false}, {1, true}, {6, true}, {31, true}, {-1, true}} {
		var resp validator.Int64Response
		RecoveryWindow().ValidateInt64(t.Context(), validator.Int64Request{Path: path.Root("recovery_window_in_days"), ConfigValue: types.Int64Value(tc.days)}, &resp)
		check(t, "recovery window", resp.Diagnostics, tc.wantErr, "or 0 to delete the secret at once")
	}
}

func tagMap(t *testing.T, m map[string]string) types.Map {
	t.Helper()
	elems := map[string]attr.Value{}
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	out, diags := types.MapValue(types.StringType, elems)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return out
}

func TestSecretTags(t *testing.T) {
	t.Parallel()
	many := map[string]string{}
	for i := range 51 {
		many[strings.Repeat("k", i+1)] = "v"
	}
	tests := []struct {
		name    string
		tags    map[string]string
		wantErr bool
		text    string
	}{
		{"ok", map[string]string{"team": "payments"}, false, ""},
		{"too many", many, true, ""},
		{"reserved key", map[string]string{"AWS:owner": "x"}, true, "AWS reserves"},
		{"long key", map[string]string{strings.Repeat("k", 129): "x"}, true, "longer than 128"},
		{"long value", map[string]string{"k": strings.Repeat("v", 257)}, true, "longer than 256"},
	}
	for _, tc := range tests {
		var resp validator.MapResponse
		SecretTags().ValidateMap(t.Context(), validator.MapRequest{Path: path.Root("tags"), ConfigValue: tagMap(t, tc.tags)}, &resp)
		check(t, tc.name, resp.Diagnostics, tc.wantErr, tc.text)
	}
}

func TestKMSTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tags    map[string]string
		wantErr bool
	}{{map[string]string{"team": "x"}, false}, {map[string]string{"aws:x": "y"}, true}, {map[string]string{"": "y"}, true}} {
		var diags diag.Diagnostics
		for _, v := range KMSTags() {
			var resp validator.MapResponse
			v.ValidateMap(t.Context(), validator.MapRequest{Path: path.Root("tags"), ConfigValue: tagMap(t, tc.tags)}, &resp)
			diags.Append(resp.Diagnostics...)
		}
		check(t, "kms tags", diags, tc.wantErr, "")
	}
}

func TestKMSAliasNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v       validator.String
		value   string
		wantErr bool
		text    string
	}{
		{KMSAliasName(), "alias/app", false, ""},
		{KMSAliasName(), "app", true, `must begin with "alias/", e.g. "alias/app"`},
		{KMSAliasName(), "alias/aws/x", true, "reserves for its managed keys"},
		{KMSAliasName(), "alias/", true, "needs something after"},
		{KMSAliasName(), "alias/a b", true, "only letters, digits"},
		{KMSAliasName(), "alias/" + strings.Repeat("a", 251), true, "at most 256"},
		{KMSAliasNamePrefix(), "alias/", false, ""},
		{KMSAliasNamePrefix(), "alias/" + strings.Repeat("a", 225), true, "at most 230"},
		{KMSAliasLookupName(), "alias/aws/secretsmanager", false, ""},
		{KMSAliasLookupName(), "secretsmanager", true, "write it as alias/<name>"},
		{KMSAliasTarget(), "1234abcd-12ab-34cd-56ef-1234567890ab", false, ""},
		{KMSAliasTarget(), "alias/app", true, "key id or key ARN of the key itself"},
		{KMSAliasTarget(), "arn:aws:kms:us-east-1:123456789012:alias/app", true, ""},
	}
	for _, tc := range tests {
		check(t, tc.value, validateString(tc.v, types.StringValue(tc.value)), tc.wantErr, tc.text)
	}
}

func TestStringMatches(t *testing.T) {
	t.Parallel()
	v := StringMatches(regexp.MustCompile(`^arn:`), "an ARN")
	check(t, "match", validateString(v, types.StringValue("arn:x")), false, "")
	d := validateString(v, types.StringValue("x"))
	check(t, "no match", d, true, `name is "x"; it must be an ARN.`)
	if d.HasError() && d.Errors()[0].Summary() != "Invalid name" {
		t.Errorf("summary %q does not name the attribute", d.Errors()[0].Summary())
	}
}

func TestExactlyOneBlock(t *testing.T) {
	t.Parallel()
	obj := types.ObjectValueMust(map[string]attr.Type{"a": types.StringType}, map[string]attr.Value{"a": types.StringValue("x")})
	for _, tc := range []struct {
		n       int
		wantErr bool
	}{{0, true}, {1, false}, {2, true}} {
		elems := make([]attr.Value, tc.n)
		for i := range elems {
			elems[i] = obj
		}
		var resp validator.ListResponse
		ExactlyOneBlock(`a = "x"`).ValidateList(t.Context(), validator.ListRequest{
			Path: path.Root("rules"), ConfigValue: types.ListValueMust(obj.Type(t.Context()), elems),
		}, &resp)
		check(t, "blocks", resp.Diagnostics, tc.wantErr, "rules {\n    a = \"x\"\n  }")
	}
}

func TestStagingLabels(t *testing.T) {
	t.Parallel()
	set := func(labels ...string) types.Set {
		elems := make([]attr.Value, len(labels))
		for i, l := range labels {
			elems[i] = types.StringValue(l)
		}
		return types.SetValueMust(types.StringType, elems)
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = strings.Repeat("L", i+1)
	}
	for _, tc := range []struct {
		name    string
		set     types.Set
		wantErr bool
		text    string
	}{
		{"current", set("AWSCURRENT"), false, ""},
		{"none", set(), true, "at least one staging label"},
		{"too many", set(many...), true, "at most 20"},
		{"empty label", set(""), true, "1 to 256 characters"},
		{"long label", set(strings.Repeat("x", 257)), true, "1 to 256 characters"},
	} {
		var resp validator.SetResponse
		StagingLabels().ValidateSet(t.Context(), validator.SetRequest{Path: path.Root("version_stages"), ConfigValue: tc.set}, &resp)
		check(t, tc.name, resp.Diagnostics, tc.wantErr, tc.text)
	}
}

func TestKeepEquivalentPolicy(t *testing.T) {
	t.Parallel()
	const state = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	const reformatted = `{"Statement":[{"Action":["secretsmanager:GetSecretValue"],"Effect":"Allow","Resource":"*","Principal":{"AWS":"arn:aws:iam::123456789012:root"}}],"Version":"2012-10-17"}`
	const other = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	for _, tc := range []struct {
		plan, want string
	}{{reformatted, state}, {other, other}} {
		req := planmodifier.StringRequest{StateValue: types.StringValue(state), PlanValue: types.StringValue(tc.plan)}
		resp := planmodifier.StringResponse{PlanValue: req.PlanValue}
		KeepEquivalentPolicy().PlanModifyString(t.Context(), req, &resp)
		if resp.PlanValue.ValueString() != tc.want {
			t.Errorf("planned %s, want %s", resp.PlanValue.ValueString(), tc.want)
		}
	}
}
