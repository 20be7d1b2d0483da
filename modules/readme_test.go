package modules_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var update = flag.Bool("update", false, "rewrite the generated Inputs and Outputs tables of the modules' READMEs from variables.tf and outputs.tf")

// The generated tables sit between these markers; everything else in a README is written
// by hand.
const (
	beginInputs  = "<!-- BEGIN INPUTS: generated from variables.tf by `go test ./modules -run TestREADMETables -update`; do not edit -->"
	endInputs    = "<!-- END INPUTS -->"
	beginOutputs = "<!-- BEGIN OUTPUTS: generated from outputs.tf by `go test ./modules -run TestREADMETables -update`; do not edit -->"
	endOutputs   = "<!-- END OUTPUTS -->"
)

// TestREADMETables checks that each module's README lists exactly its variables (name,
// description, type, default, whether required) and outputs, as variables.tf and outputs.tf
// declare them. With -update it rewrites the tables instead.
func TestREADMETables(t *testing.T) {
	for _, m := range moduleDirs(t) {
		t.Run(m, func(t *testing.T) {
			cfg := parseModule(t, m)
			path := filepath.Join(m, "README.md")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			readme := string(data)
			got := readme
			for _, sec := range []struct{ begin, end, table string }{
				{beginInputs, endInputs, inputsTable(cfg.variables)},
				{beginOutputs, endOutputs, outputsTable(cfg.outputs)},
			} {
				got, err = replaceBetween(got, sec.begin, sec.end, sec.table)
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
			}
			if got == readme {
				return
			}
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("rewrote the tables of %s", path)
				return
			}
			t.Errorf("%s: the Inputs or Outputs table does not match variables.tf and outputs.tf; run `go test ./modules -run TestREADMETables -update`.\n%s",
				path, firstDifference(readme, got))
		})
	}
}

func replaceBetween(s, begin, end, body string) (string, error) {
	i := strings.Index(s, begin)
	j := strings.Index(s, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("missing the markers %q ... %q", begin, end)
	}
	return s[:i+len(begin)] + "\n" + body + s[j:], nil
}

func firstDifference(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d\n  on disk:   %s\n  generated: %s", i+1, x, y)
		}
	}
	return ""
}

type variable struct {
	Name        string
	Description string
	Type        string
	Default     string // rendered; "" when required
	Required    bool
	Sensitive   bool
	Ephemeral   bool
}

type output struct {
	Name        string
	Description string
	Sensitive   bool
}

type moduleConfig struct {
	variables       []variable
	outputs         []output
	providerBlocks  []string
	requiredVersion string
}

// parseModule reads the module's .tf files with HCL's own parser, as Terraform does.
func parseModule(t *testing.T, dir string) moduleConfig {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no .tf files", dir)
	}
	p := hclparse.NewParser()
	var cfg moduleConfig
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", f, diags.Error())
		}
		src := file.Bytes
		for _, b := range file.Body.(*hclsyntax.Body).Blocks {
			switch b.Type {
			case "variable":
				v := variable{Name: b.Labels[0], Required: true}
				for name, a := range b.Body.Attributes {
					switch name {
					case "description":
						v.Description = stringValue(t, f, a)
					case "type":
						v.Type = renderType(a.Expr, src)
					case "default":
						v.Required = false
						v.Default = renderDefault(a.Expr, src)
					case "sensitive":
						v.Sensitive = boolValue(t, f, a)
					case "ephemeral":
						v.Ephemeral = boolValue(t, f, a)
					}
				}
				cfg.variables = append(cfg.variables, v)
			case "output":
				o := output{Name: b.Labels[0]}
				for name, a := range b.Body.Attributes {
					switch name {
					case "description":
						o.Description = stringValue(t, f, a)
					case "sensitive":
						o.Sensitive = boolValue(t, f, a)
					}
				}
				cfg.outputs = append(cfg.outputs, o)
			case "provider":
				cfg.providerBlocks = append(cfg.providerBlocks, b.Labels[0])
			case "terraform":
				if a, ok := b.Body.Attributes["required_version"]; ok {
					cfg.requiredVersion = stringValue(t, f, a)
				}
			}
		}
	}
	// Tables in name order, as readers look names up.
	sort.Slice(cfg.variables, func(i, j int) bool {
		// Required inputs first: they are what a user must write.
		if cfg.variables[i].Required != cfg.variables[j].Required {
			return cfg.variables[i].Required
		}
		return cfg.variables[i].Name < cfg.variables[j].Name
	})
	sort.Slice(cfg.outputs, func(i, j int) bool { return cfg.outputs[i].Name < cfg.outputs[j].Name })
	return cfg
}

func stringValue(t *testing.T, file string, a *hclsyntax.Attribute) string {
	t.Helper()
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.String || v.IsNull() {
		t.Fatalf("%s:%d: %s must be a literal string", file, a.SrcRange.Start.Line, a.Name)
	}
	return strings.TrimSpace(v.AsString())
}

func boolValue(t *testing.T, file string, a *hclsyntax.Attribute) bool {
	t.Helper()
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.Type() != cty.Bool || v.IsNull() {
		t.Fatalf("%s:%d: %s must be a literal bool", file, a.SrcRange.Start.Line, a.Name)
	}
	return v.True()
}

// renderType writes a type constraint on one line: object attributes separated by commas.
func renderType(e hclsyntax.Expression, src []byte) string {
	switch e := e.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		return e.Traversal.RootName()
	case *hclsyntax.FunctionCallExpr:
		args := make([]string, len(e.Args))
		for i, a := range e.Args {
			if e.Name == "optional" && i == 1 {
				args[i] = renderDefault(a, src) // optional(type, default)
			} else {
				args[i] = renderType(a, src)
			}
		}
		return e.Name + "(" + strings.Join(args, ", ") + ")"
	case *hclsyntax.ObjectConsExpr:
		items := make([]string, len(e.Items))
		for i, it := range e.Items {
			items[i] = hcl.ExprAsKeyword(it.KeyExpr) + " = " + renderType(it.ValueExpr, src)
		}
		return "{ " + strings.Join(items, ", ") + " }"
	}
	return collapse(string(e.Range().SliceBytes(src)))
}

// renderDefault writes a default value on one line, in HCL syntax.
func renderDefault(e hclsyntax.Expression, src []byte) string {
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		return collapse(string(e.Range().SliceBytes(src)))
	}
	return renderValue(v)
}

func renderValue(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return strconv.Quote(v.AsString())
	case ty == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case ty == cty.Bool:
		return strconv.FormatBool(v.True())
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		var items []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			items = append(items, renderValue(e))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case ty.IsMapType() || ty.IsObjectType():
		var items []string
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			items = append(items, k.AsString()+" = "+renderValue(e))
		}
		if len(items) == 0 {
			return "{}"
		}
		return "{ " + strings.Join(items, ", ") + " }"
	}
	return v.GoString()
}

var spaces = regexp.MustCompile(`\s+`)

func collapse(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

// cell makes text safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(collapse(s), "|", `\|`) }

func code(s string) string { return "`" + cell(s) + "`" }

func inputsTable(vars []variable) string {
	var b strings.Builder
	b.WriteString("| Name | Description | Type | Default | Required |\n")
	b.WriteString("|------|-------------|------|---------|:--------:|\n")
	for _, v := range vars {
		desc := v.Description
		var flags []string
		if v.Sensitive {
			flags = append(flags, "sensitive")
		}
		if v.Ephemeral {
			flags = append(flags, "ephemeral")
		}
		if len(flags) > 0 {
			desc = "(" + strings.Join(flags, ", ") + ") " + desc
		}
		def, req := "n/a", "yes"
		if !v.Required {
			def, req = code(v.Default), "no"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", code(v.Name), cell(desc), code(v.Type), def, req)
	}
	return b.String()
}

func outputsTable(outs []output) string {
	var b strings.Builder
	b.WriteString("| Name | Description |\n")
	b.WriteString("|------|-------------|\n")
	for _, o := range outs {
		desc := o.Description
		if o.Sensitive {
			desc = "(sensitive) " + desc
		}
		fmt.Fprintf(&b, "| %s | %s |\n", code(o.Name), cell(desc))
	}
	return b.String()
}
