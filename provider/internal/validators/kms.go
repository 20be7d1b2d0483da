package validators

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// KMS alias name rules (CreateAlias, API reference).
const (
	KMSAliasPrefix         = "alias/"
	KMSReservedAliasPrefix = "alias/aws/"
	KMSAliasMaxLen         = 256
	// KMSAliasSuffixLen is the length of the unique part added to an alias name_prefix.
	KMSAliasSuffixLen = 26
	// KMSMaxTags is the number of tags a KMS key can have.
	KMSMaxTags = 50
)

var kmsAliasChars = regexp.MustCompile(`^[a-zA-Z0-9/_-]*$`)

// KMSAliasName applies KMS's alias name rules to the name of an alias this provider creates.
func KMSAliasName() validator.String { return kmsAliasName{} }

// KMSAliasNamePrefix applies the alias name rules to a name_prefix, leaving room for the suffix.
func KMSAliasNamePrefix() validator.String { return kmsAliasName{prefix: true} }

type kmsAliasName struct{ prefix bool }

func (v kmsAliasName) Description(context.Context) string {
	return "must begin with \"alias/\" but not \"alias/aws/\", and contain only letters, digits, /, _ and -"
}

func (v kmsAliasName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v kmsAliasName) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for _, msg := range kmsAliasNameProblems(req.ConfigValue.ValueString(), v.prefix) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid KMS alias name", msg)
	}
}

func kmsAliasNameProblems(n string, prefix bool) []string {
	what, maxLen := "name", KMSAliasMaxLen
	if prefix {
		what, maxLen = "name_prefix", KMSAliasMaxLen-KMSAliasSuffixLen
	}
	var out []string
	switch {
	case !strings.HasPrefix(n, KMSAliasPrefix):
		out = append(out, fmt.Sprintf("%s %q must begin with \"alias/\", e.g. \"alias/%s\".", what, n, strings.TrimLeft(n, "/")))
	case strings.HasPrefix(n, KMSReservedAliasPrefix):
		out = append(out, fmt.Sprintf("%s %q begins with \"alias/aws/\", which AWS reserves for its managed keys; choose a name such as \"alias/%s\".",
			what, n, strings.TrimPrefix(n, KMSReservedAliasPrefix)))
	case n == KMSAliasPrefix && !prefix:
		out = append(out, "name needs something after \"alias/\", e.g. \"alias/my-secrets\".")
	}
	if !kmsAliasChars.MatchString(n) {
		out = append(out, fmt.Sprintf("%s %q may contain only letters, digits, /, _ and -; remove the other characters.", what, n))
	}
	if len(n) > maxLen {
		out = append(out, fmt.Sprintf("%s is %d characters long; shorten it to at most %d.", what, len(n), maxLen))
	}
	return out
}

// KMSAliasLookupName accepts any alias name to look up, the AWS managed ones
// (alias/aws/...) too.
func KMSAliasLookupName() validator.String { return kmsAliasLookupName{} }

type kmsAliasLookupName struct{}

func (kmsAliasLookupName) Description(context.Context) string {
	return "an alias name beginning with alias/"
}

func (v kmsAliasLookupName) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (kmsAliasLookupName) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := req.ConfigValue.ValueString(); len(n) <= len(KMSAliasPrefix) || !strings.HasPrefix(n, KMSAliasPrefix) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid alias name", fmt.Sprintf("%q is not an alias name; write it as alias/<name>, e.g. alias/aws/secretsmanager.", n))
	}
}

// KMSAliasTarget refuses an alias as the target of an alias: KMS aliases point at keys only.
func KMSAliasTarget() validator.String { return kmsAliasTarget{} }

type kmsAliasTarget struct{}

func (kmsAliasTarget) Description(context.Context) string {
	return "must be a key id or key ARN, not an alias"
}

func (v kmsAliasTarget) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (kmsAliasTarget) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if t := req.ConfigValue.ValueString(); strings.HasPrefix(t, KMSAliasPrefix) || strings.Contains(t, ":alias/") {
		resp.Diagnostics.AddAttributeError(req.Path, "An alias cannot point at an alias",
			fmt.Sprintf("target_key_id is %q; give the key id or key ARN of the key itself (e.g. secretsmanager_kms_key.x.key_id).", t))
	}
}

// KMSTags checks tags against KMS's rules (TagResource, API reference): at most 50, keys
// of 1 to 128 characters not beginning with aws:, values of at most 256 characters.
func KMSTags() []validator.Map {
	return []validator.Map{
		mapvalidator.SizeAtMost(KMSMaxTags),
		mapvalidator.KeysAre(
			stringvalidator.LengthBetween(1, 128),
			TagKeyNotReserved(),
		),
		mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256)),
	}
}

// TagKeyNotReserved refuses a tag key beginning with "aws:", which AWS keeps for itself.
func TagKeyNotReserved() validator.String { return tagKeyNotReserved{} }

type tagKeyNotReserved struct{}

func (tagKeyNotReserved) Description(context.Context) string {
	return "tag keys must not begin with \"aws:\""
}

func (v tagKeyNotReserved) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (tagKeyNotReserved) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if k := req.ConfigValue.ValueString(); IsReservedTagKey(k) {
		resp.Diagnostics.AddAttributeError(req.Path, "Reserved tag key",
			fmt.Sprintf("Tag key %q begins with \"aws:\", which AWS reserves for its own tags; rename the tag.", k))
	}
}
