package validators

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Secrets Manager's naming rules (CreateSecret, API reference).
const (
	SecretNameMaxLen = 512
	// SecretGeneratedSuffixLen is the length of the unique part added to a name_prefix,
	// as hashicorp/aws: 18 timestamp digits and 8 hex digits.
	SecretGeneratedSuffixLen = 26
	SecretNamePrefixMaxLen   = SecretNameMaxLen - SecretGeneratedSuffixLen
	// SecretMaxTags is the number of tags a secret can have.
	SecretMaxTags = 50
)

var (
	// SecretNameChars matches a name made only of the characters Secrets Manager allows.
	SecretNameChars     = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]*$`)
	secretARNLikeSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)
)

// SecretName checks a secret name with Secrets Manager's rules, and warns about a name
// ending like the random suffix of a secret ARN.
func SecretName() validator.String { return secretName{} }

// SecretNamePrefix checks a name_prefix: the name rules, leaving room for the generated suffix.
func SecretNamePrefix() validator.String { return secretName{prefix: true} }

type secretName struct{ prefix bool }

func (v secretName) Description(context.Context) string {
	return "1 to 512 letters, digits and /_+=.@- characters"
}

func (v secretName) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v secretName) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	attrName, limit := "name", SecretNameMaxLen
	if v.prefix {
		attrName, limit = "name_prefix", SecretNamePrefixMaxLen
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid secret "+attrName,
			fmt.Sprintf("%s is empty; give at least one character, or leave %s out.", attrName, attrName))
	case n > limit:
		msg := fmt.Sprintf("%s is %d characters long; Secrets Manager allows at most %d.", attrName, n, limit)
		if v.prefix {
			msg = fmt.Sprintf("name_prefix is %d characters long; at most %d are allowed, leaving room for the %d-character suffix within the 512-character limit.",
				n, limit, SecretGeneratedSuffixLen)
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid secret "+attrName, msg+" Shorten it.")
	}
	if !v.prefix && secretARNLikeSuffix.MatchString(s) {
		resp.Diagnostics.AddAttributeWarning(req.Path, "Secret name looks like an ARN suffix",
			fmt.Sprintf("name %q ends with a hyphen and six characters, like the random suffix Secrets Manager appends to ARNs; "+
				"partial-ARN lookups of this secret may find the wrong one. Consider another ending.", s))
	}
	if !SecretNameChars.MatchString(s) {
		var bad []string
		for _, r := range s {
			if !SecretNameChars.MatchString(string(r)) && !slices.Contains(bad, string(r)) {
				bad = append(bad, string(r))
			}
		}
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid secret "+attrName,
			fmt.Sprintf("%s %q contains %q, which Secrets Manager does not allow. Use only ASCII letters, digits and the characters / _ + = . @ -",
				attrName, s, strings.Join(bad, "")))
	}
}

// RecoveryWindow accepts 0 (delete at once) or 7 to 30 days. int64validator.Any of OneOf
// and Between would accept the same values but could not say what 0 means.
func RecoveryWindow() validator.Int64 { return recoveryWindow{} }

type recoveryWindow struct{}

func (recoveryWindow) Description(context.Context) string { return "0, or 7 to 30" }

func (v recoveryWindow) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (recoveryWindow) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d := req.ConfigValue.ValueInt64(); d != 0 && (d < 7 || d > 30) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid recovery window",
			fmt.Sprintf("recovery_window_in_days is %d; use a number of days from 7 to 30, or 0 to delete the secret at once without recovery.", d))
	}
}

// SecretTags applies Secrets Manager's tag rules: at most 50 tags, keys of 1 to 128
// characters not beginning with aws:, values of at most 256 characters. One validator
// rather than mapvalidator's three, so that every message names the tag and the fix.
func SecretTags() validator.Map { return secretTags{} }

type secretTags struct{}

func (secretTags) Description(context.Context) string {
	return "at most 50 tags; keys 1-128 characters not starting with aws:, values up to 256 characters"
}

func (v secretTags) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (secretTags) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) > SecretMaxTags {
		resp.Diagnostics.AddAttributeError(req.Path, "Too many tags",
			fmt.Sprintf("tags has %d entries; a secret can have at most %d (including the provider's default_tags). Remove some.", len(elems), SecretMaxTags))
	}
	keys := make([]string, 0, len(elems))
	for k := range elems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case utf8.RuneCountInString(k) > 128:
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid tag key", fmt.Sprintf("Tag key %q is longer than 128 characters; shorten it.", k))
		case IsReservedTagKey(k):
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid tag key",
				fmt.Sprintf("Tag key %q starts with aws:, which AWS reserves for its own tags; rename it.", k))
		}
		if s, ok := elems[k].(types.String); ok && !s.IsUnknown() && utf8.RuneCountInString(s.ValueString()) > 256 {
			resp.Diagnostics.AddAttributeError(req.Path.AtMapKey(k), "Invalid tag value", fmt.Sprintf("The value of tag %q is longer than 256 characters; shorten it.", k))
		}
	}
}

// IsReservedTagKey reports a tag key AWS reserves for itself ("aws:…", any case).
func IsReservedTagKey(key string) bool {
	return len(key) >= 4 && strings.EqualFold(key[:4], "aws:")
}
