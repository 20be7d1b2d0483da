package provider

import (
	"fmt"

	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
)

// ephemeralAttributes gives an ephemeral resource the attributes of the data source that
// reads the same thing, so that both are declared once. The attribute structs of the two
// schema packages have the same fields, so each converts as it is. Other kinds are a
// programming error that every test loading the schema catches.
func ephemeralAttributes(in map[string]dsschema.Attribute) map[string]schema.Attribute {
	out := make(map[string]schema.Attribute, len(in))
	for name, a := range in {
		switch a := a.(type) {
		case dsschema.StringAttribute:
			out[name] = schema.StringAttribute(a)
		case dsschema.BoolAttribute:
			out[name] = schema.BoolAttribute(a)
		case dsschema.Int64Attribute:
			out[name] = schema.Int64Attribute(a)
		case dsschema.SetAttribute:
			out[name] = schema.SetAttribute(a)
		default:
			panic(fmt.Sprintf("ephemeralAttributes: %s is a %T; add its conversion", name, a))
		}
	}
	return out
}
