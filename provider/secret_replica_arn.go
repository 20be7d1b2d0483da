package provider

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A replica's ARN (hashicorp/aws issue 21682 asks for it): DescribeSecret reports a replica's
// region and status only, but AWS documents that "the ARN for a replicated secret is the same
// as the primary secret except for the Region" (Secrets Manager user guide, "Replicate
// secrets across Regions"), so it is made from the primary's ARN.

const replicaARNDescription = "ARN of the replica secret: the primary's ARN with the replica's region, e.g. for a " +
	"policy or an application in that region."

func replicaARNAttribute() schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: replicaARNDescription}
}

// replicaARN is the ARN of the replica in region of the secret whose ARN is primary
// (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX); "" if primary is not an ARN.
func replicaARN(primary, region string) string {
	parts := strings.SplitN(primary, ":", 5)
	if len(parts) != 5 || parts[0] != "arn" || region == "" {
		return ""
	}
	parts[3] = region
	return strings.Join(parts, ":")
}

// plannedReplicaARN is the planned ARN of a new replica: known once the primary's ARN is.
func plannedReplicaARN(primary, region types.String) types.String {
	if primary.IsNull() || primary.IsUnknown() || region.IsNull() || region.IsUnknown() {
		return types.StringUnknown()
	}
	if arn := replicaARN(primary.ValueString(), region.ValueString()); arn != "" {
		return types.StringValue(arn)
	}
	return types.StringUnknown()
}
