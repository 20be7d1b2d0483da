package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Staging label limits of PutSecretValue and UpdateSecretVersionStage.
const (
	MaxStagesPerVersion = 20
	MaxStageLength      = 256
)

// StagingLabels checks a set of staging labels: at least one (a version without labels is
// deprecated and AWS may delete it), at most 20, each of 1 to 256 characters.
func StagingLabels() validator.Set { return stagingLabels{} }

type stagingLabels struct{}

func (stagingLabels) Description(context.Context) string {
	return fmt.Sprintf("1 to %d staging labels of 1 to %d characters", MaxStagesPerVersion, MaxStageLength)
}

func (v stagingLabels) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (stagingLabels) ValidateSet(_ context.Context, req validator.SetRequest, resp *validator.SetResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Empty version_stages",
			"A version needs at least one staging label, or AWS treats it as deprecated and may delete it. Remove version_stages "+
				"to get AWSCURRENT, or list the labels this version must hold.")
		return
	}
	if len(elems) > MaxStagesPerVersion {
		resp.Diagnostics.AddAttributeError(req.Path, "Too many staging labels",
			fmt.Sprintf("version_stages has %d labels; a version holds at most %d.", len(elems), MaxStagesPerVersion))
	}
	for _, e := range elems {
		s, ok := e.(types.String)
		if !ok || s.IsUnknown() {
			continue
		}
		if s.IsNull() || s.ValueString() == "" || len(s.ValueString()) > MaxStageLength {
			resp.Diagnostics.AddAttributeError(req.Path, "Invalid staging label",
				fmt.Sprintf("Staging labels are 1 to %d characters; fix %q in version_stages.", MaxStageLength, s.ValueString()))
		}
	}
}
