package provider

import (
	"context"
	"maps"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The expand layer: Terraform values as AWS API input.

// secretSDKReplicas is the replica blocks as CreateSecret and ReplicateSecretToRegions take them.
func secretSDKReplicas(reps []secretReplicaModel) []smtypes.ReplicaRegionType {
	var out []smtypes.ReplicaRegionType
	for _, r := range reps {
		rr := smtypes.ReplicaRegionType{Region: aws.String(r.Region.ValueString())}
		if k := r.KmsKeyID.ValueString(); k != "" {
			rr.KmsKeyId = aws.String(k)
		}
		out = append(out, rr)
	}
	return out
}

// secretSDKTags is tags in key order, as the API takes them.
func secretSDKTags(m map[string]string) []smtypes.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []smtypes.Tag
	for _, k := range keys {
		out = append(out, smtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// kmsTags is tags as CreateKey and TagResource take them.
func kmsTags(m map[string]string) []kmstypes.Tag {
	keys := slices.Sorted(maps.Keys(m))
	out := make([]kmstypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, kmstypes.Tag{TagKey: aws.String(k), TagValue: aws.String(m[k])})
	}
	return out
}

// svStrings is the known labels of a set of staging labels.
func svStrings(ctx context.Context, s types.Set) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	_ = s.ElementsAs(ctx, &out, false)
	slices.Sort(out)
	return out
}
