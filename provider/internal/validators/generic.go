package validators

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// ExactlyOneBlock requires exactly one block of a list nested block; the framework cannot
// mark a block required. Unlike listvalidator.IsRequired with SizeBetween(1, 1), the
// message shows the block to write (example is its body, e.g. `schedule_expression = "rate(30 days)"`).
func ExactlyOneBlock(example string) validator.List { return exactlyOneBlock{example: example} }

type exactlyOneBlock struct{ example string }

func (exactlyOneBlock) Description(context.Context) string { return "exactly one block" }

func (v exactlyOneBlock) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v exactlyOneBlock) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsUnknown() {
		return
	}
	if n := len(req.ConfigValue.Elements()); n != 1 {
		resp.Diagnostics.AddAttributeError(req.Path, "Exactly one "+req.Path.String()+" block required",
			fmt.Sprintf("Found %d %s blocks; write exactly one, e.g.\n  %s {\n    %s\n  }", n, req.Path, req.Path, v.example))
	}
}

// StringMatches checks a string against a regular expression; want says in words what a
// valid value is, and how to get one ("a Lambda function ARN, e.g. aws_lambda_function.x.arn").
// stringvalidator.RegexMatches does the same check, but its message ("Attribute x must be
// ..., got: ...") has no summary naming the attribute, which users see first in a plan.
func StringMatches(re *regexp.Regexp, want string) validator.String {
	return stringMatches{re: re, want: want}
}

type stringMatches struct {
	re   *regexp.Regexp
	want string
}

func (v stringMatches) Description(context.Context) string { return "must be " + v.want }

func (v stringMatches) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v stringMatches) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if s := req.ConfigValue.ValueString(); !v.re.MatchString(s) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), fmt.Sprintf("%s is %q; it must be %s.", req.Path, s, v.want))
	}
}
