package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// validateConfig checks what Terraform core leaves to the provider. Core checks types,
// required attributes and unknown names against the schema, but accepts a value on an
// attribute that is computed only (e.g. `arn = "..."` in an aws_iam_role): the real provider
// refuses that, so the stand-in must too, or a module that can never be applied would pass.
// It also applies the few value checks in `checks` that the real provider makes.
func validateConfig(typeName string, sch *tfprotov6.Schema, config *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	if sch == nil || sch.Block == nil || config == nil {
		return nil
	}
	v, err := config.Unmarshal(sch.ValueType())
	if err != nil {
		return []*tfprotov6.Diagnostic{errorDiag("fakeaws: cannot decode the configuration", err.Error())}
	}
	w := &walker{typeName: typeName}
	w.block(tftypes.NewAttributePath(), "", sch.Block, v)
	return w.diags
}

type walker struct {
	typeName string
	diags    []*tfprotov6.Diagnostic
}

func (w *walker) errorAt(path *tftypes.AttributePath, summary, detail string) {
	w.diags = append(w.diags, &tfprotov6.Diagnostic{
		Severity: tfprotov6.DiagnosticSeverityError, Summary: summary, Detail: detail, Attribute: path})
}

// block walks one object of a block. name is the dotted path without indexes, the key of
// `checks`.
func (w *walker) block(path *tftypes.AttributePath, name string, b *tfprotov6.SchemaBlock, v tftypes.Value) {
	if v.IsNull() || !v.IsKnown() {
		return
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return
	}
	for _, a := range b.Attributes {
		w.attribute(path.WithAttributeName(a.Name), join(name, a.Name), a, m[a.Name])
	}
	for _, nb := range b.BlockTypes {
		bv := m[nb.TypeName]
		bpath := path.WithAttributeName(nb.TypeName)
		bname := join(name, nb.TypeName)
		for _, e := range elements(bpath, bv) {
			w.block(e.path, bname, nb.Block, e.v)
		}
	}
}

func (w *walker) attribute(path *tftypes.AttributePath, name string, a *tfprotov6.SchemaAttribute, v tftypes.Value) {
	if v.IsNull() {
		return
	}
	if a.Computed && !a.Optional && !a.Required {
		w.errorAt(path, "Value for unconfigurable attribute",
			fmt.Sprintf("Can't configure a value for %q: its value will be decided automatically based on the result of applying this configuration.", name))
		return
	}
	if a.NestedType != nil {
		nested := &tfprotov6.SchemaBlock{Attributes: a.NestedType.Attributes}
		for _, e := range elements(path, v) {
			w.block(e.path, name, nested, e.v)
		}
		return
	}
	if !v.IsFullyKnown() {
		return
	}
	if check := checks[w.typeName+"."+name]; check != nil {
		if problem := check(v); problem != "" {
			w.errorAt(path, "Invalid value for "+name, problem)
		}
	}
}

type element struct {
	path *tftypes.AttributePath
	v    tftypes.Value
}

// elements lists the objects of a block or nested attribute value, whatever its nesting.
func elements(path *tftypes.AttributePath, v tftypes.Value) []element {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	switch {
	case v.Type().Is(tftypes.List{}), v.Type().Is(tftypes.Set{}):
		var l []tftypes.Value
		if v.As(&l) != nil {
			return nil
		}
		out := make([]element, 0, len(l))
		for i, e := range l {
			p := path.WithElementKeyInt(i)
			if v.Type().Is(tftypes.Set{}) {
				p = path.WithElementKeyValue(e)
			}
			out = append(out, element{p, e})
		}
		return out
	case v.Type().Is(tftypes.Map{}):
		var m map[string]tftypes.Value
		if v.As(&m) != nil {
			return nil
		}
		out := make([]element, 0, len(m))
		for k, e := range m {
			out = append(out, element{path.WithElementKeyString(k), e})
		}
		return out
	}
	return []element{{path, v}}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// unknownComputed marks every null computed attribute of a new object unknown, in nested
// blocks too, as a provider does that learns those values only when it creates the object.
func unknownComputed(b *tfprotov6.SchemaBlock, v tftypes.Value) (tftypes.Value, error) {
	if v.IsNull() || !v.IsKnown() {
		return v, nil
	}
	var m map[string]tftypes.Value
	if err := v.As(&m); err != nil {
		return v, err
	}
	for _, a := range b.Attributes {
		if a.Computed && m[a.Name].IsNull() {
			m[a.Name] = tftypes.NewValue(a.ValueType(), tftypes.UnknownValue)
		}
	}
	for _, nb := range b.BlockTypes {
		bv := m[nb.TypeName]
		if bv.IsNull() || !bv.IsKnown() {
			continue
		}
		switch {
		case bv.Type().Is(tftypes.List{}), bv.Type().Is(tftypes.Set{}):
			var l []tftypes.Value
			if err := bv.As(&l); err != nil {
				return v, err
			}
			for i := range l {
				nv, err := unknownComputed(nb.Block, l[i])
				if err != nil {
					return v, err
				}
				l[i] = nv
			}
			m[nb.TypeName] = tftypes.NewValue(bv.Type(), l)
		case bv.Type().Is(tftypes.Map{}):
			var mm map[string]tftypes.Value
			if err := bv.As(&mm); err != nil {
				return v, err
			}
			for k := range mm {
				nv, err := unknownComputed(nb.Block, mm[k])
				if err != nil {
					return v, err
				}
				mm[k] = nv
			}
			m[nb.TypeName] = tftypes.NewValue(bv.Type(), mm)
		default:
			nv, err := unknownComputed(nb.Block, bv)
			if err != nil {
				return v, err
			}
			m[nb.TypeName] = nv
		}
	}
	return tftypes.NewValue(v.Type(), m), nil
}

// check returns what is wrong with a known, non-null value, or "".
type check func(tftypes.Value) string

// checks mirror a few validations of hashicorp/aws v6 that catch real mistakes in modules
// (an architecture or log retention AWS does not accept, a policy that is not JSON). They are
// keyed by "<type>.<attribute path without indexes>"; data sources are prefixed "data.".
// Only checks the real provider makes belong here: the stand-in must not be stricter.
var checks = map[string]check{
	"aws_lambda_function.architectures":                        listOf(oneOf("x86_64", "arm64")),
	"aws_lambda_function.memory_size":                          intRange(128, 32768),
	"aws_lambda_function.package_type":                         oneOf("Zip", "Image"),
	"aws_lambda_function.logging_config.log_format":            oneOf("JSON", "Text"),
	"aws_lambda_function.logging_config.application_log_level": oneOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"),
	"aws_lambda_function.logging_config.system_log_level":      oneOf("DEBUG", "INFO", "WARN"),
	"aws_lambda_function.tracing_config.mode":                  oneOf("PassThrough", "Active"),
	"aws_lambda_permission.action":                             matches(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`),
	"aws_lambda_permission.source_account":                     matches(`^\d{12}$`),
	"aws_cloudwatch_log_group.retention_in_days": intIn(0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
		731, 1096, 1827, 2192, 2557, 2922, 3288, 3653),
	"aws_cloudwatch_metric_alarm.comparison_operator": oneOf("GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
		"LessThanThreshold", "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
		"LessThanLowerThreshold", "GreaterThanUpperThreshold"),
	"aws_cloudwatch_metric_alarm.statistic":          oneOf("SampleCount", "Average", "Sum", "Minimum", "Maximum"),
	"aws_cloudwatch_metric_alarm.treat_missing_data": oneOf("missing", "ignore", "breaching", "notBreaching"),
	"aws_iam_role.assume_role_policy":                jsonDocument,
	"aws_iam_role_policy.policy":                     jsonDocument,
	"aws_iam_policy.policy":                          jsonDocument,
	"aws_vpc_security_group_egress_rule.ip_protocol": notEmpty,
}

func oneOf(allowed ...string) check {
	return func(v tftypes.Value) string {
		var s string
		if v.As(&s) != nil {
			return ""
		}
		if slices.Contains(allowed, s) {
			return ""
		}
		return fmt.Sprintf("expected one of %s, got %q", strings.Join(allowed, ", "), s)
	}
}

func listOf(each check) check {
	return func(v tftypes.Value) string {
		var l []tftypes.Value
		if v.As(&l) != nil {
			return ""
		}
		for _, e := range l {
			if p := each(e); p != "" {
				return p
			}
		}
		return ""
	}
}

func number(v tftypes.Value) (int64, bool) {
	var f big.Float
	if v.As(&f) != nil {
		return 0, false
	}
	i, acc := f.Int64()
	return i, acc == big.Exact
}

func intRange(lo, hi int64) check {
	return func(v tftypes.Value) string {
		n, ok := number(v)
		if ok && n >= lo && n <= hi {
			return ""
		}
		return fmt.Sprintf("expected a whole number from %d to %d", lo, hi)
	}
}

func intIn(allowed ...int64) check {
	return func(v tftypes.Value) string {
		n, ok := number(v)
		if ok && slices.Contains(allowed, n) {
			return ""
		}
		return fmt.Sprintf("expected one of %v", allowed)
	}
}

func matches(pattern string) check {
	re := regexp.MustCompile(pattern)
	return func(v tftypes.Value) string {
		var s string
		if v.As(&s) != nil || re.MatchString(s) {
			return ""
		}
		return fmt.Sprintf("%q does not match %s", s, pattern)
	}
}

func jsonDocument(v tftypes.Value) string {
	var s string
	if v.As(&s) != nil {
		return ""
	}
	if !json.Valid([]byte(s)) {
		return "invalid JSON"
	}
	return ""
}

func notEmpty(v tftypes.Value) string {
	var s string
	if v.As(&s) == nil && s == "" {
		return "must not be empty"
	}
	return ""
}
