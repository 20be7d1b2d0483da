package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The flatten layer: AWS answers as Terraform values, one function per object, shared by
// the resource and the data source of that object. prior is the resource's state; a data
// source passes the zero model. What AWS does not report, or reports in another spelling
// than the user's, is kept from prior.

// secretFlat is what DescribeSecret says of a secret.
type secretFlat struct {
	ARN, Name, Description, KmsKeyID types.String
	// Tags are all the tags AWS holds.
	Tags     map[string]string
	Replicas []secretReplicaModel

	PrimaryRegion, OwningService                   types.String
	RotationEnabled                                types.Bool
	RotationLambdaARN                              types.String
	CreatedDate, LastChangedDate, LastAccessedDate types.String
	LastRotatedDate, NextRotationDate              types.String
}

// flattenSecret converts a DescribeSecret answer. From prior it keeps an explicitly empty
// description and the user's spelling of kms_key_id (the key's ARN, id or alias) when it
// names the key AWS reports; the AWS managed key is null.
func flattenSecret(out *secretsmanager.DescribeSecretOutput, prior secretResourceModel, priorReplicas []secretReplicaModel) secretFlat {
	f := secretFlat{
		ARN:               types.StringValue(aws.ToString(out.ARN)),
		Name:              types.StringValue(aws.ToString(out.Name)),
		KmsKeyID:          secretKMSFromAWS(aws.ToString(out.KmsKeyId), prior.KmsKeyID),
		Tags:              map[string]string{},
		PrimaryRegion:     optionalString(out.PrimaryRegion),
		OwningService:     optionalString(out.OwningService),
		RotationEnabled:   types.BoolValue(aws.ToBool(out.RotationEnabled)),
		RotationLambdaARN: optionalString(out.RotationLambdaARN),
		CreatedDate:       secretTimeValue(out.CreatedDate),
		LastChangedDate:   secretTimeValue(out.LastChangedDate),
		LastAccessedDate:  secretTimeValue(out.LastAccessedDate),
		LastRotatedDate:   secretTimeValue(out.LastRotatedDate),
		NextRotationDate:  secretTimeValue(out.NextRotationDate),
	}
	switch d := aws.ToString(out.Description); {
	case d != "":
		f.Description = types.StringValue(d)
	case prior.Description.ValueString() == "" && !prior.Description.IsNull() && !prior.Description.IsUnknown():
		f.Description = prior.Description // an explicit empty description, as configured
	default:
		f.Description = types.StringNull()
	}
	for _, t := range out.Tags {
		f.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	f.Replicas = flattenReplicas(out.ReplicationStatus, priorReplicas)
	for i := range f.Replicas {
		f.Replicas[i].ARN = types.StringValue(replicaARN(aws.ToString(out.ARN), f.Replicas[i].Region.ValueString()))
	}
	return f
}

// flattenReplicas converts a secret's replication status; a replica's kms_key_id keeps the
// prior spelling of the same key, as the secret's does.
func flattenReplicas(in []smtypes.ReplicationStatusType, prior []secretReplicaModel) []secretReplicaModel {
	priorKMS := map[string]types.String{}
	for _, p := range prior {
		priorKMS[p.Region.ValueString()] = p.KmsKeyID
	}
	out := make([]secretReplicaModel, 0, len(in))
	for _, rs := range in {
		region := aws.ToString(rs.Region)
		kmsKey, ok := priorKMS[region]
		if !ok {
			kmsKey = types.StringNull()
		}
		out = append(out, secretReplicaModel{
			Region:           types.StringValue(region),
			KmsKeyID:         secretKMSFromAWS(aws.ToString(rs.KmsKeyId), kmsKey),
			Status:           types.StringValue(string(rs.Status)),
			StatusMessage:    types.StringValue(aws.ToString(rs.StatusMessage)),
			LastAccessedDate: secretTimeValue(rs.LastAccessedDate),
		})
	}
	return out
}

// flattenSecretRotationRules is the rotation schedule as DescribeSecret reports it, for the
// secret data source; the rotation resource and data source use rotationRulesFromAWS,
// which keeps the configured form of a rate(N days) schedule.
func flattenSecretRotationRules(rr *smtypes.RotationRulesType) []secretRotationRulesModel {
	if rr == nil {
		return []secretRotationRulesModel{}
	}
	m := secretRotationRulesModel{
		AutomaticallyAfterDays: types.Int64PointerValue(rr.AutomaticallyAfterDays),
		Duration:               optionalString(rr.Duration),
		ScheduleExpression:     optionalString(rr.ScheduleExpression),
	}
	return []secretRotationRulesModel{m}
}

// rotationFlat is a secret's rotation configuration, as DescribeSecret reports it.
type rotationFlat struct {
	Enabled   types.Bool
	LambdaARN types.String
	Rules     []rotationRulesModel
}

// flattenRotation converts the rotation part of a DescribeSecret answer, for the rotation
// resource (prior is its rotation_rules) and data source (nil).
func flattenRotation(out *secretsmanager.DescribeSecretOutput, prior []rotationRulesModel) rotationFlat {
	return rotationFlat{
		Enabled:   types.BoolValue(aws.ToBool(out.RotationEnabled)),
		LambdaARN: optionalString(out.RotationLambdaARN),
		Rules:     rotationRulesFromAWS(out.RotationRules, prior),
	}
}

// rotationRulesFromAWS converts the rules DescribeSecret reports, keeping the form the
// configuration used: AWS may report a rate(N days) schedule with AutomaticallyAfterDays
// filled in as well, which must not show as a change.
func rotationRulesFromAWS(in *smtypes.RotationRulesType, prior []rotationRulesModel) []rotationRulesModel {
	if in == nil {
		return nil
	}
	var m rotationRulesModel
	days, expr := aws.ToInt64(in.AutomaticallyAfterDays), aws.ToString(in.ScheduleExpression)
	var priorDays types.Int64
	if len(prior) == 1 {
		priorDays = prior[0].AutomaticallyAfterDays
	}
	switch {
	case valueKnown(priorDays) && days == priorDays.ValueInt64() && (expr == "" || expr == fmt.Sprintf("rate(%d days)", days) || (days == 1 && expr == "rate(1 day)")):
		m.AutomaticallyAfterDays, m.ScheduleExpression = types.Int64Value(days), types.StringNull()
	case expr != "":
		m.AutomaticallyAfterDays, m.ScheduleExpression = types.Int64Null(), types.StringValue(expr)
	case days != 0:
		m.AutomaticallyAfterDays, m.ScheduleExpression = types.Int64Value(days), types.StringNull()
	default:
		m.AutomaticallyAfterDays, m.ScheduleExpression = types.Int64Null(), types.StringNull()
	}
	m.Duration = optionalString(in.Duration)
	return []rotationRulesModel{m}
}

// flattenPolicy is a policy document read from AWS: null when there is none, and prior's
// text when it says the same in other words, so that a reformatted policy shows no diff.
func flattenPolicy(doc string, prior policyValue) policyValue {
	switch {
	case doc == "":
		return policyValue{StringValue: types.StringNull()}
	case !prior.IsNull() && !prior.IsUnknown() && policiesEquivalent(prior.ValueString(), doc):
		return prior
	}
	return newPolicyValue(doc)
}

// flattenTags splits the tags AWS holds (all, without ignored ones) into tags, the
// resource's own (those it configures, and any that are not default tags), and tags_all.
// tags is null when empty and not configured, so that a configuration without tags matches.
func flattenTags(ctx context.Context, defaults, all map[string]string, configured types.Map) (tags, tagsAll types.Map, diags diag.Diagnostics) {
	own := ownTags(defaults, all, configured)
	tags = types.MapNull(types.StringType)
	if len(own) > 0 || (!configured.IsNull() && !configured.IsUnknown()) {
		v, d := types.MapValueFrom(ctx, types.StringType, own)
		diags.Append(d...)
		tags = v
	}
	tagsAll, d := types.MapValueFrom(ctx, types.StringType, all)
	diags.Append(d...)
	return tags, tagsAll, diags
}

// flattenVersion sets what ListSecretVersionIds says of a version on the version model:
// its id, the secret's ARN and its staging labels (none for a version AWS deleted).
func flattenVersion(m *secretVersionModel, secretARN, versionID string, entry *smtypes.SecretVersionsListEntry) {
	m.ARN = types.StringValue(secretARN)
	m.ID = types.StringValue(secretARN + svIDSeparator + versionID)
	if entry == nil {
		m.VersionStages = types.SetValueMust(types.StringType, nil)
		return
	}
	m.VersionStages = svSet(entry.VersionStages)
}

// kmsKeyFlat is what DescribeKey says of a KMS key.
type kmsKeyFlat struct {
	KeyID, ARN, Description, KeyUsage, KeySpec, KeyState, KeyManager types.String
	Enabled, MultiRegion                                             types.Bool
	CreationDate, DeletionDate                                       types.String
}

// flattenKMSKey converts a key's metadata, for the KMS key resource and data source.
func flattenKMSKey(md *kmstypes.KeyMetadata) kmsKeyFlat {
	return kmsKeyFlat{
		KeyID:        types.StringValue(aws.ToString(md.KeyId)),
		ARN:          types.StringValue(aws.ToString(md.Arn)),
		Description:  types.StringValue(aws.ToString(md.Description)),
		KeyUsage:     types.StringValue(string(md.KeyUsage)),
		KeySpec:      types.StringValue(string(md.KeySpec)),
		KeyState:     types.StringValue(string(md.KeyState)),
		KeyManager:   types.StringValue(string(md.KeyManager)),
		Enabled:      types.BoolValue(md.Enabled),
		MultiRegion:  types.BoolValue(aws.ToBool(md.MultiRegion)),
		CreationDate: secretTimeValue(md.CreationDate),
		DeletionDate: secretTimeValue(md.DeletionDate),
	}
}

// flattenAlias sets the alias and its target key on the alias model, for the alias resource
// and data source. The alias ARN follows from the key ARN's partition, region and account.
// target_key_id keeps prior's spelling (key id or key ARN) while it names the same key.
func flattenAlias(m kmsAliasModel, name string, md *kmstypes.KeyMetadata) kmsAliasModel {
	keyID, keyARN := aws.ToString(md.KeyId), aws.ToString(md.Arn)
	m.ID, m.Name = types.StringValue(name), types.StringValue(name)
	if !kmsSameKey(m.TargetKeyID.ValueString(), keyID, keyARN) {
		m.TargetKeyID = types.StringValue(keyID)
	}
	m.TargetKeyARN = types.StringValue(keyARN)
	if a, err := arn.Parse(keyARN); err == nil {
		a.Resource = name
		m.ARN = types.StringValue(a.String())
	}
	return m
}

// secretTimeValue is a timestamp as RFC 3339 text; absent is null.
func secretTimeValue(t *time.Time) types.String {
	if t == nil || t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// secretKMSKeyShort reduces the ways of naming a KMS key that we can relate without calling
// KMS: an ARN to its key id or alias name.
func secretKMSKeyShort(s string) string {
	if strings.HasPrefix(s, "arn:") {
		if i := strings.Index(s, ":key/"); i >= 0 {
			return s[i+len(":key/"):]
		}
		if i := strings.Index(s, ":alias/"); i >= 0 {
			return s[i+1:]
		}
	}
	return s
}

func secretIsDefaultKMSKey(s string) bool {
	return s == "" || secretKMSKeyShort(s) == secretDefaultKMSAlias
}

// secretKMSKeysMatch compares two kms_key_id values; null and the default key match.
func secretKMSKeysMatch(a, b types.String) bool {
	as, bs := a.ValueString(), b.ValueString()
	if secretIsDefaultKMSKey(as) && secretIsDefaultKMSKey(bs) {
		return true
	}
	return secretKMSKeyShort(as) == secretKMSKeyShort(bs)
}

// secretKMSFromAWS is the kms_key_id to store for the key AWS reports: the prior spelling
// when it names the same key, null for the AWS managed key.
func secretKMSFromAWS(fromAWS string, prior types.String) types.String {
	if !prior.IsNull() && !prior.IsUnknown() && secretKMSKeysMatch(prior, types.StringValue(fromAWS)) {
		return prior
	}
	if secretIsDefaultKMSKey(fromAWS) {
		return types.StringNull()
	}
	return types.StringValue(fromAWS)
}

// kmsSameKey tells whether ref (a key id or key ARN) names the key whose id or ARN is known.
func kmsSameKey(ref, keyID, keyARN string) bool {
	if ref == "" {
		return false
	}
	idFromARN := ""
	if a, err := arn.Parse(keyARN); err == nil {
		idFromARN = strings.TrimPrefix(a.Resource, "key/")
	}
	return ref == keyID || ref == keyARN || (idFromARN != "" && ref == idFromARN)
}

// svSet is a set of staging labels; never null.
func svSet(in []string) types.Set {
	vals := make([]attr.Value, 0, len(in))
	for _, s := range in {
		vals = append(vals, types.StringValue(s))
	}
	return types.SetValueMust(types.StringType, vals)
}
