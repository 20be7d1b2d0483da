package awsschema

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestParseShapes covers what the recorded file does not happen to contain today (nested
// attribute types, set and single blocks), so that a newer recording still loads.
func TestParseShapes(t *testing.T) {
	doc := `{
  "format_version": "1.0",
  "provider_schemas": {
    "registry.terraform.io/hashicorp/aws": {
      "provider": {"version": 0, "block": {"attributes": {"region": {"type": "string", "optional": true}}}},
      "resource_schemas": {
        "aws_thing": {"version": 2, "block": {
          "attributes": {
            "id": {"type": "string", "computed": true},
            "secret_wo": {"type": "string", "optional": true, "write_only": true, "sensitive": true},
            "rules": {"nested_type": {"nesting_mode": "set", "attributes": {
              "port": {"type": "number", "required": true}
            }}, "optional": true}
          },
          "block_types": {
            "tag": {"nesting_mode": "set", "block": {"attributes": {"key": {"type": "string", "required": true}}}},
            "timeouts": {"nesting_mode": "single", "block": {"attributes": {"create": {"type": "string", "optional": true}}}}
          }
        }}
      },
      "data_source_schemas": {},
      "ephemeral_resource_schemas": {}
    }
  }
}`
	s, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Resources["aws_thing"]
	if r == nil || r.Version != 2 {
		t.Fatalf("aws_thing: %+v", r)
	}
	want := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"id":        tftypes.String,
		"secret_wo": tftypes.String,
		"rules":     tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"port": tftypes.Number}}},
		"tag":       tftypes.Set{ElementType: tftypes.Object{AttributeTypes: map[string]tftypes.Type{"key": tftypes.String}}},
		"timeouts":  tftypes.Object{AttributeTypes: map[string]tftypes.Type{"create": tftypes.String}},
	}}
	if got := r.ValueType(); !got.Equal(want) {
		t.Errorf("value type\n got %s\nwant %s", got, want)
	}
	for _, a := range r.Block.Attributes {
		if a.Name == "secret_wo" && (!a.WriteOnly || !a.Sensitive) {
			t.Errorf("secret_wo lost its flags: %+v", a)
		}
	}
	if r.Block.BlockTypes[1].Nesting != tfprotov6.SchemaNestedBlockNestingModeSingle {
		t.Errorf("timeouts nesting: %v", r.Block.BlockTypes[1].Nesting)
	}
}

func TestParseErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`not json`:                 "not a provider schema document",
		`{"provider_schemas": {}}`: "no schema for registry.terraform.io/hashicorp/aws",
		`{"provider_schemas": {"registry.terraform.io/hashicorp/aws": {"resource_schemas": {"aws_x": {"block": {"attributes": {"a": {"type": ["bogus"]}}}}}}}}`:                   "resource aws_x: attribute a",
		`{"provider_schemas": {"registry.terraform.io/hashicorp/aws": {"resource_schemas": {"aws_x": {"block": {"block_types": {"b": {"nesting_mode": "odd", "block": {}}}}}}}}}`: `unknown nesting mode "odd"`,
	} {
		if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", doc, err, want)
		}
	}
}
