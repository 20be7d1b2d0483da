package main

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/tools/fakeaws/awsschema"
)

var (
	loadOnce sync.Once
	loaded   *awsschema.Schemas
	loadErr  error
)

// recorded loads the embedded recorded schema: the tests check the stand-in against what it
// will actually serve.
func recorded(t *testing.T) *server {
	t.Helper()
	loadOnce.Do(func() {
		loaded, loadErr = awsschema.Recorded()
	})
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return newServer(loaded, nil)
}

// config builds a configuration object of a schema: the given attribute and block values,
// null for everything else.
func config(t *testing.T, b *tfprotov6.SchemaBlock, set map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	typ := b.ValueType().(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := set[name]; ok {
			vals[name] = v
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	for name := range set {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("no attribute or block %q in the schema", name)
		}
	}
	return tftypes.NewValue(typ, vals)
}

func dynamic(t *testing.T, sch *tfprotov6.Schema, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(sch.ValueType(), v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func nestedBlock(t *testing.T, b *tfprotov6.SchemaBlock, name string) *tfprotov6.SchemaNestedBlock {
	t.Helper()
	for _, nb := range b.BlockTypes {
		if nb.TypeName == name {
			return nb
		}
	}
	t.Fatalf("no block %s", name)
	return nil
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func validateResource(t *testing.T, s *server, typeName string, v tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	resp, err := s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{
		TypeName: typeName, Config: dynamic(t, s.schemas.Resources[typeName], v)})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// TestRecordedSchemaLoads checks the conversion of the real file: the types the modules use,
// with their flags and nesting, as `terraform providers schema -json` printed them.
func TestRecordedSchemaLoads(t *testing.T) {
	s := recorded(t)
	for _, name := range []string{"aws_lambda_function", "aws_lambda_permission", "aws_iam_role", "aws_iam_role_policy",
		"aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_security_group", "aws_vpc_security_group_egress_rule"} {
		if s.schemas.Resources[name] == nil {
			t.Errorf("resource %s missing", name)
		}
	}
	for _, name := range []string{"aws_caller_identity", "aws_partition", "aws_region"} {
		if s.schemas.DataSources[name] == nil {
			t.Errorf("data source %s missing", name)
		}
	}
	fn := s.schemas.Resources["aws_lambda_function"].Block
	attrs := map[string]*tfprotov6.SchemaAttribute{}
	for _, a := range fn.Attributes {
		attrs[a.Name] = a
	}
	if a := attrs["function_name"]; a == nil || !a.Required {
		t.Errorf("function_name: %+v, want required", a)
	}
	if a := attrs["arn"]; a == nil || !a.Computed || a.Optional {
		t.Errorf("arn: %+v, want computed only", a)
	}
	if a := attrs["architectures"]; a == nil || !a.Type.Equal(tftypes.List{ElementType: tftypes.String}) {
		t.Errorf("architectures: %+v, want list(string)", a)
	}
	vpc := nestedBlock(t, fn, "vpc_config")
	if vpc.Nesting != tfprotov6.SchemaNestedBlockNestingModeList || vpc.MaxItems != 1 {
		t.Errorf("vpc_config: nesting %v max %d, want list of at most 1", vpc.Nesting, vpc.MaxItems)
	}

	resp, err := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("GetProviderSchema: %v %v", err, resp.Diagnostics)
	}
	if len(resp.ResourceSchemas) != len(s.schemas.Resources) || resp.Provider == nil {
		t.Errorf("GetProviderSchema serves %d resources, want %d", len(resp.ResourceSchemas), len(s.schemas.Resources))
	}
}

// TestValidateRefusesComputedOnlyAttributes: Terraform core accepts a value on a
// computed-only attribute; the real provider refuses it, so the stand-in must.
func TestValidateRefusesComputedOnlyAttributes(t *testing.T) {
	s := recorded(t)
	role := s.schemas.Resources["aws_iam_role"].Block

	ok := config(t, role, map[string]tftypes.Value{
		"assume_role_policy": str(`{"Version":"2012-10-17","Statement":[]}`),
		"name":               str("rotator"), // optional and computed: may be set
	})
	if d := validateResource(t, s, "aws_iam_role", ok); len(d) > 0 {
		t.Fatalf("valid role refused: %v", d[0])
	}

	for _, v := range []tftypes.Value{str("arn:aws:iam::123456789012:role/x"), tftypes.NewValue(tftypes.String, tftypes.UnknownValue)} {
		bad := config(t, role, map[string]tftypes.Value{
			"assume_role_policy": str(`{}`),
			"arn":                v,
		})
		d := validateResource(t, s, "aws_iam_role", bad)
		if len(d) != 1 || d[0].Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(d[0].Detail, `"arn"`) ||
			!d[0].Attribute.Equal(tftypes.NewAttributePath().WithAttributeName("arn")) {
			t.Errorf("arn = %v: diagnostics %+v, want one error on arn", v, d)
		}
	}

	// In a nested block: aws_lambda_function's vpc_config.vpc_id is computed only.
	fn := s.schemas.Resources["aws_lambda_function"].Block
	vpcBlock := nestedBlock(t, fn, "vpc_config")
	vpcType := vpcBlock.ValueType().(tftypes.List)
	vpc := config(t, vpcBlock.Block, map[string]tftypes.Value{
		"subnet_ids":         tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str("subnet-1")}),
		"security_group_ids": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str("sg-1")}),
		"vpc_id":             str("vpc-1"),
	})
	bad := config(t, fn, map[string]tftypes.Value{
		"function_name": str("f"),
		"role":          str("arn:aws:iam::123456789012:role/r"),
		"vpc_config":    tftypes.NewValue(vpcType, []tftypes.Value{vpc}),
	})
	d := validateResource(t, s, "aws_lambda_function", bad)
	want := tftypes.NewAttributePath().WithAttributeName("vpc_config").WithElementKeyInt(0).WithAttributeName("vpc_id")
	if len(d) != 1 || !d[0].Attribute.Equal(want) {
		t.Errorf("vpc_config[0].vpc_id set: diagnostics %+v, want one error there", d)
	}
}

// TestValidateChecksValues covers the few value checks the real provider makes and the
// stand-in mirrors.
func TestValidateChecksValues(t *testing.T) {
	s := recorded(t)
	lg := s.schemas.Resources["aws_cloudwatch_log_group"].Block
	num := func(n int) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	if d := validateResource(t, s, "aws_cloudwatch_log_group", config(t, lg, map[string]tftypes.Value{"retention_in_days": num(30)})); len(d) > 0 {
		t.Errorf("retention 30 refused: %v", d[0])
	}
	if d := validateResource(t, s, "aws_cloudwatch_log_group", config(t, lg, map[string]tftypes.Value{"retention_in_days": num(10)})); len(d) != 1 {
		t.Errorf("retention 10: %v, want one error", d)
	}

	fn := s.schemas.Resources["aws_lambda_function"].Block
	arch := func(a string) tftypes.Value {
		return config(t, fn, map[string]tftypes.Value{
			"function_name": str("f"),
			"role":          str("r"),
			"architectures": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str(a)}),
		})
	}
	if d := validateResource(t, s, "aws_lambda_function", arch("arm64")); len(d) > 0 {
		t.Errorf("arm64 refused: %v", d[0])
	}
	if d := validateResource(t, s, "aws_lambda_function", arch("aarch64")); len(d) != 1 || !strings.Contains(d[0].Detail, "arm64") {
		t.Errorf("aarch64: %v, want an error naming the allowed values", d)
	}

	pol := s.schemas.Resources["aws_iam_role_policy"].Block
	if d := validateResource(t, s, "aws_iam_role_policy", config(t, pol, map[string]tftypes.Value{
		"role": str("r"), "policy": str("{not json"),
	})); len(d) != 1 {
		t.Errorf("policy that is not JSON: %v, want one error", d)
	}
}

// TestPlanMarksComputedUnknown: a create plan leaves configured values alone and makes
// every unset computed attribute unknown, in nested blocks too; updates keep prior values;
// destroys plan null.
func TestPlanMarksComputedUnknown(t *testing.T) {
	s := recorded(t)
	sch := s.schemas.Resources["aws_lambda_function"]
	vpcBlock := nestedBlock(t, sch.Block, "vpc_config")
	vpc := config(t, vpcBlock.Block, map[string]tftypes.Value{
		"subnet_ids":         tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str("subnet-1")}),
		"security_group_ids": tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{str("sg-1")}),
	})
	proposed := config(t, sch.Block, map[string]tftypes.Value{
		"function_name": str("f"),
		"role":          str("r"),
		"vpc_config":    tftypes.NewValue(vpcBlock.ValueType(), []tftypes.Value{vpc}),
	})
	null := tftypes.NewValue(sch.ValueType(), nil)
	resp, err := s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "aws_lambda_function", PriorState: dynamic(t, sch, null),
		ProposedNewState: dynamic(t, sch, proposed), Config: dynamic(t, sch, proposed)})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("plan: %v %v", err, resp.Diagnostics)
	}
	planned, err := resp.PlannedState.Unmarshal(sch.ValueType())
	if err != nil {
		t.Fatal(err)
	}
	get := func(p *tftypes.AttributePath) tftypes.Value {
		t.Helper()
		v, _, err := tftypes.WalkAttributePath(planned, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return v.(tftypes.Value)
	}
	for _, name := range []string{"arn", "invoke_arn", "architectures", "version"} {
		if v := get(tftypes.NewAttributePath().WithAttributeName(name)); v.IsKnown() {
			t.Errorf("%s = %v, want unknown", name, v)
		}
	}
	if v := get(tftypes.NewAttributePath().WithAttributeName("function_name")); !v.Equal(str("f")) {
		t.Errorf("function_name = %v, want the configured value", v)
	}
	if v := get(tftypes.NewAttributePath().WithAttributeName("description")); !v.IsNull() {
		t.Errorf("description = %v, want null (optional, not computed)", v)
	}
	if v := get(tftypes.NewAttributePath().WithAttributeName("vpc_config").WithElementKeyInt(0).WithAttributeName("vpc_id")); v.IsKnown() {
		t.Errorf("vpc_config[0].vpc_id = %v, want unknown", v)
	}

	// Destroy.
	resp, err = s.PlanResourceChange(context.Background(), &tfprotov6.PlanResourceChangeRequest{
		TypeName: "aws_lambda_function", PriorState: dynamic(t, sch, proposed),
		ProposedNewState: dynamic(t, sch, null), Config: dynamic(t, sch, null)})
	if err != nil || len(resp.Diagnostics) > 0 {
		t.Fatalf("destroy plan: %v %v", err, resp.Diagnostics)
	}
	if v, _ := resp.PlannedState.Unmarshal(sch.ValueType()); !v.IsNull() {
		t.Errorf("destroy planned %v, want null", v)
	}
}

// TestRefusesWhatNeedsAWS: the stand-in never pretends to create or read anything.
func TestRefusesWhatNeedsAWS(t *testing.T) {
	s := recorded(t)
	sch := s.schemas.Resources["aws_iam_role"]
	v := config(t, sch.Block, map[string]tftypes.Value{"assume_role_policy": str("{}")})
	apply, _ := s.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName: "aws_iam_role", PlannedState: dynamic(t, sch, v), Config: dynamic(t, sch, v)})
	if len(apply.Diagnostics) != 1 || !strings.Contains(apply.Diagnostics[0].Detail, "mock_provider") {
		t.Errorf("apply: %+v, want an error pointing to mock_provider", apply.Diagnostics)
	}
	read, _ := s.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{TypeName: "aws_caller_identity"})
	if len(read.Diagnostics) != 1 {
		t.Errorf("read data source: %+v, want an error", read.Diagnostics)
	}
	unknown, _ := s.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{TypeName: "aws_s3_bucket"})
	if len(unknown.Diagnostics) != 1 || !strings.Contains(unknown.Diagnostics[0].Summary, "aws_s3_bucket") {
		t.Errorf("unknown type: %+v, want an error naming it", unknown.Diagnostics)
	}
}

// TestBadSchemaFileIsReported: a $FAKEAWS_SCHEMA naming a missing file is reported by every
// answer, rather than the plugin dying with a bare exit status; unset, the embedded recording
// is served.
func TestBadSchemaFileIsReported(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	t.Setenv(awsschema.EnvSchemaFile, missing)
	_, err := awsschema.Recorded()
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Recorded with %s=%s: %v, want an error naming the file", awsschema.EnvSchemaFile, missing, err)
	}
	s := newServer(nil, err)
	resp, _ := s.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if len(resp.Diagnostics) != 1 || !strings.Contains(resp.Diagnostics[0].Detail, "nope.json") {
		t.Errorf("GetProviderSchema without a schema: %+v", resp.Diagnostics)
	}

	t.Setenv(awsschema.EnvSchemaFile, "")
	got, err := awsschema.Recorded()
	if err != nil {
		t.Fatalf("embedded schema: %v", err)
	}
	if _, ok := got.Resources["aws_lambda_function"]; !ok {
		t.Errorf("embedded schema has no aws_lambda_function resource")
	}
}
