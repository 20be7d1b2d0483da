// Package awsschema loads the recorded schema of the hashicorp/aws provider (v6.47.0, the
// output of `terraform providers schema -json` for the resources the modules may use, kept
// in testdata/aws-provider-schema.json and embedded in the binary) and turns it into
// terraform-plugin-go schemas, so that the fakeaws stand-in can serve exactly what the real
// provider serves.
//
// hashicorp/aws cannot be downloaded on the machines that build this project; the recorded
// schema lets `terraform validate` and `terraform test` (with mock_provider "aws") check the
// modules against the real attribute names, types and required/computed flags.
package awsschema

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// ProviderAddress is the provider the recorded schema belongs to.
const ProviderAddress = "registry.terraform.io/hashicorp/aws"

// EnvSchemaFile names another schema file to serve instead of the embedded one (for example
// one recorded from a newer hashicorp/aws release).
const EnvSchemaFile = "FAKEAWS_SCHEMA"

// recorded is testdata/aws-provider-schema.json; see testdata/README.md for its source.
//
//go:embed testdata/aws-provider-schema.json
var recorded []byte

// Recorded returns the schema the stand-in serves: the file named by $FAKEAWS_SCHEMA when
// it is set, else the embedded recording. It reads nothing else from disk.
func Recorded() (*Schemas, error) {
	if p := os.Getenv(EnvSchemaFile); p != "" {
		return Load(p)
	}
	return Parse(recorded)
}

// Schemas is the provider's schema in terraform-plugin-go form.
type Schemas struct {
	Provider           *tfprotov6.Schema
	Resources          map[string]*tfprotov6.Schema
	DataSources        map[string]*tfprotov6.Schema
	EphemeralResources map[string]*tfprotov6.Schema
}

// Load reads and converts the schema file at path.
func Load(path string) (*Schemas, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// The JSON shapes of `terraform providers schema -json`.
type jsonFile struct {
	FormatVersion   string                         `json:"format_version"`
	ProviderSchemas map[string]*jsonProviderSchema `json:"provider_schemas"`
}

type jsonProviderSchema struct {
	Provider           *jsonSchema            `json:"provider"`
	Resources          map[string]*jsonSchema `json:"resource_schemas"`
	DataSources        map[string]*jsonSchema `json:"data_source_schemas"`
	EphemeralResources map[string]*jsonSchema `json:"ephemeral_resource_schemas"`
}

type jsonSchema struct {
	Version int64      `json:"version"`
	Block   *jsonBlock `json:"block"`
}

type jsonBlock struct {
	Attributes      map[string]*jsonAttribute   `json:"attributes"`
	BlockTypes      map[string]*jsonNestedBlock `json:"block_types"`
	Description     string                      `json:"description"`
	DescriptionKind string                      `json:"description_kind"`
	Deprecated      bool                        `json:"deprecated"`
}

type jsonAttribute struct {
	Type            json.RawMessage `json:"type"`
	NestedType      *jsonNestedType `json:"nested_type"`
	Description     string          `json:"description"`
	DescriptionKind string          `json:"description_kind"`
	Required        bool            `json:"required"`
	Optional        bool            `json:"optional"`
	Computed        bool            `json:"computed"`
	Sensitive       bool            `json:"sensitive"`
	WriteOnly       bool            `json:"write_only"`
	Deprecated      bool            `json:"deprecated"`
}

type jsonNestedType struct {
	Attributes  map[string]*jsonAttribute `json:"attributes"`
	NestingMode string                    `json:"nesting_mode"`
}

type jsonNestedBlock struct {
	Block       *jsonBlock `json:"block"`
	NestingMode string     `json:"nesting_mode"`
	MinItems    int64      `json:"min_items"`
	MaxItems    int64      `json:"max_items"`
}

// Parse converts the JSON document of `terraform providers schema -json` for hashicorp/aws.
func Parse(data []byte) (*Schemas, error) {
	var f jsonFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a provider schema document: %w", err)
	}
	ps := f.ProviderSchemas[ProviderAddress]
	if ps == nil {
		return nil, fmt.Errorf("no schema for %s in the document", ProviderAddress)
	}
	out := &Schemas{
		Resources:          map[string]*tfprotov6.Schema{},
		DataSources:        map[string]*tfprotov6.Schema{},
		EphemeralResources: map[string]*tfprotov6.Schema{},
	}
	var err error
	if out.Provider, err = convertSchema(ps.Provider); err != nil {
		return nil, fmt.Errorf("provider: %w", err)
	}
	for _, set := range []struct {
		kind string
		in   map[string]*jsonSchema
		out  map[string]*tfprotov6.Schema
	}{
		{"resource", ps.Resources, out.Resources},
		{"data source", ps.DataSources, out.DataSources},
		{"ephemeral resource", ps.EphemeralResources, out.EphemeralResources},
	} {
		for name, js := range set.in {
			s, err := convertSchema(js)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", set.kind, name, err)
			}
			set.out[name] = s
		}
	}
	return out, nil
}

func convertSchema(js *jsonSchema) (*tfprotov6.Schema, error) {
	if js == nil || js.Block == nil {
		// A provider without configuration still has an (empty) block.
		return &tfprotov6.Schema{Block: &tfprotov6.SchemaBlock{}}, nil
	}
	b, err := convertBlock(js.Block)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.Schema{Version: js.Version, Block: b}, nil
}

func convertBlock(jb *jsonBlock) (*tfprotov6.SchemaBlock, error) {
	b := &tfprotov6.SchemaBlock{
		Description:     jb.Description,
		DescriptionKind: descriptionKind(jb.DescriptionKind),
		Deprecated:      jb.Deprecated,
	}
	// Sorted, so that the schema served is the same on every start.
	for _, name := range sortedKeys(jb.Attributes) {
		a, err := convertAttribute(name, jb.Attributes[name])
		if err != nil {
			return nil, err
		}
		b.Attributes = append(b.Attributes, a)
	}
	for _, name := range sortedKeys(jb.BlockTypes) {
		nb := jb.BlockTypes[name]
		if nb.Block == nil {
			return nil, fmt.Errorf("block %s: no block", name)
		}
		inner, err := convertBlock(nb.Block)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		mode, err := blockNesting(nb.NestingMode)
		if err != nil {
			return nil, fmt.Errorf("block %s: %w", name, err)
		}
		b.BlockTypes = append(b.BlockTypes, &tfprotov6.SchemaNestedBlock{
			TypeName: name,
			Block:    inner,
			Nesting:  mode,
			MinItems: nb.MinItems,
			MaxItems: nb.MaxItems,
		})
	}
	return b, nil
}

func convertAttribute(name string, ja *jsonAttribute) (*tfprotov6.SchemaAttribute, error) {
	a := &tfprotov6.SchemaAttribute{
		Name:            name,
		Description:     ja.Description,
		DescriptionKind: descriptionKind(ja.DescriptionKind),
		Required:        ja.Required,
		Optional:        ja.Optional,
		Computed:        ja.Computed,
		Sensitive:       ja.Sensitive,
		WriteOnly:       ja.WriteOnly,
		Deprecated:      ja.Deprecated,
	}
	switch {
	case ja.NestedType != nil:
		obj := &tfprotov6.SchemaObject{}
		switch ja.NestedType.NestingMode {
		case "single":
			obj.Nesting = tfprotov6.SchemaObjectNestingModeSingle
		case "list":
			obj.Nesting = tfprotov6.SchemaObjectNestingModeList
		case "set":
			obj.Nesting = tfprotov6.SchemaObjectNestingModeSet
		case "map":
			obj.Nesting = tfprotov6.SchemaObjectNestingModeMap
		default:
			return nil, fmt.Errorf("attribute %s: unknown nesting mode %q", name, ja.NestedType.NestingMode)
		}
		for _, n := range sortedKeys(ja.NestedType.Attributes) {
			na, err := convertAttribute(n, ja.NestedType.Attributes[n])
			if err != nil {
				return nil, fmt.Errorf("attribute %s: %w", name, err)
			}
			obj.Attributes = append(obj.Attributes, na)
		}
		a.NestedType = obj
	case len(ja.Type) > 0:
		t, err := tftypes.ParseJSONType(ja.Type)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: type %s: %w", name, ja.Type, err)
		}
		a.Type = t
	default:
		return nil, errors.New("attribute " + name + ": neither type nor nested_type")
	}
	return a, nil
}

func blockNesting(mode string) (tfprotov6.SchemaNestedBlockNestingMode, error) {
	switch mode {
	case "single":
		return tfprotov6.SchemaNestedBlockNestingModeSingle, nil
	case "list":
		return tfprotov6.SchemaNestedBlockNestingModeList, nil
	case "set":
		return tfprotov6.SchemaNestedBlockNestingModeSet, nil
	case "map":
		return tfprotov6.SchemaNestedBlockNestingModeMap, nil
	case "group":
		return tfprotov6.SchemaNestedBlockNestingModeGroup, nil
	}
	return tfprotov6.SchemaNestedBlockNestingModeInvalid, fmt.Errorf("unknown nesting mode %q", mode)
}

func descriptionKind(k string) tfprotov6.StringKind {
	if k == "markdown" {
		return tfprotov6.StringKindMarkdown
	}
	return tfprotov6.StringKindPlain
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
