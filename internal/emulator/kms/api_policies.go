package kms

import (
	"slices"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- policies ----

type kmsKeyPolicyInput struct {
	KeyID                          *string `json:"KeyId"`
	PolicyName                     *string `json:"PolicyName"`
	Policy                         *string `json:"Policy"`
	BypassPolicyLockoutSafetyCheck bool    `json:"BypassPolicyLockoutSafetyCheck"`
}

func (s *Service) kmsGetKeyPolicy(region string, in *kmsKeyPolicyInput) (any, error) {
	k, err := s.findKey(region, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	if in.PolicyName != nil && *in.PolicyName != "default" {
		return nil, newError("NotFoundException", "No such policy exists")
	}
	return struct {
		Policy     string `json:"Policy"`
		PolicyName string `json:"PolicyName"`
	}{k.Policy, "default"}, nil
}

func (s *Service) kmsPutKeyPolicy(region string, in *kmsKeyPolicyInput) (any, error) {
	if in.Policy == nil {
		return nil, validationError("policy", "Member must not be null", nil)
	}
	if in.PolicyName != nil && *in.PolicyName != "default" {
		return nil, newError("UnsupportedOperationException", "Only default policy is supported")
	}
	if err := checkKeyPolicy(*in.Policy); err != nil {
		return nil, err
	}
	k, err := s.managedKey(region, in.KeyID, "PutKeyPolicy")
	if err != nil {
		return nil, err
	}
	k.Policy = *in.Policy
	return empty{}, nil
}

func (s *Service) kmsListKeyPolicies(region string, in *kmsKeyIDInput) (any, error) {
	if _, err := s.findKey(region, in.KeyID, false); err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string `json:"PolicyNames"`
		Truncated   bool     `json:"Truncated"`
	}{[]string{"default"}, false}, nil
}

type kmsUpdateKeyDescriptionInput struct {
	KeyID       *string `json:"KeyId"`
	Description *string `json:"Description"`
}

func (s *Service) kmsUpdateKeyDescription(region string, in *kmsUpdateKeyDescriptionInput) (any, error) {
	if in.Description == nil {
		return nil, validationError("description", "Member must not be null", nil)
	}
	if len(*in.Description) > maxKMSDescriptionLen {
		return nil, validationError("description", "Member must have length less than or equal to 8192", nil)
	}
	k, err := s.managedKey(region, in.KeyID, "UpdateKeyDescription")
	if err != nil {
		return nil, err
	}
	k.Description = *in.Description
	return empty{}, nil
}

// ---- aliases ----

type kmsAliasInput struct {
	AliasName   *string `json:"AliasName"`
	TargetKeyID *string `json:"TargetKeyId"`
}

// checkAliasName validates the name an operation creates, moves or deletes.
func checkAliasName(name *string) error {
	if name == nil {
		return validationError("aliasName", "Member must not be null", nil)
	}
	n := *name
	if len(n) < 1 || len(n) > 256 {
		return validationError("aliasName", "Member must have length between 1 and 256", n)
	}
	if !strings.HasPrefix(n, "alias/") {
		return newError("ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if !aliasPattern.MatchString(n) {
		return validationError("aliasName", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$", n)
	}
	if strings.Contains(n, ":") || n == "alias/" {
		return newError("InvalidAliasNameException", "%s is not a valid alias name.", n)
	}
	if strings.HasPrefix(n, reservedAliasPrefix) {
		return newError("NotAuthorizedException", "Alias names that begin with alias/aws/ are reserved for AWS managed keys.")
	}
	return nil
}

// aliasTarget finds the key an alias may point at: by key id or ARN, customer managed, not
// pending deletion.
func (s *Service) aliasTarget(region string, id *string, action string) (*kmsKey, error) {
	if id != nil && (strings.HasPrefix(*id, "alias/") || strings.Contains(*id, ":alias/")) {
		return nil, newError("ValidationException", "Aliases must refer to keys. Not aliases")
	}
	if err := checkKeyIDMember("targetKeyId", id); err != nil {
		return nil, err
	}
	return s.managedKey(region, id, action)
}

func (s *Service) kmsCreateAlias(region string, in *kmsAliasInput) (any, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	reg := s.kmsRegion(region)
	s.kmsExpire()
	if reg.Aliases[*in.AliasName] != nil {
		return nil, newError("AlreadyExistsException", "An alias with the name %s already exists", s.aliasARN(region, *in.AliasName))
	}
	k, err := s.aliasTarget(region, in.TargetKeyID, "CreateAlias")
	if err != nil {
		return nil, err
	}
	now := s.now()
	reg.Aliases[*in.AliasName] = &kmsAlias{Name: *in.AliasName, TargetKeyID: k.ID, Created: now, Updated: now}
	return empty{}, nil
}

func (s *Service) kmsUpdateAlias(region string, in *kmsAliasInput) (any, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	reg := s.kmsRegion(region)
	s.kmsExpire()
	a := reg.Aliases[*in.AliasName]
	if a == nil {
		return nil, newError("NotFoundException", "Alias %s is not found.", s.aliasARN(region, *in.AliasName))
	}
	k, err := s.aliasTarget(region, in.TargetKeyID, "UpdateAlias")
	if err != nil {
		return nil, err
	}
	// The new key must be of the same type and usage as the old one (UpdateAlias, API reference).
	if old := reg.Keys[a.TargetKeyID]; old != nil && (old.Spec != k.Spec || old.Usage != k.Usage) {
		return nil, newError("ValidationException", "Alias %s points at a %s %s key; %s is a %s %s key.",
			a.Name, old.Spec, old.Usage, s.keyARN(k), k.Spec, k.Usage)
	}
	a.TargetKeyID, a.Updated = k.ID, s.now()
	return empty{}, nil
}

func (s *Service) kmsDeleteAlias(region string, in *kmsAliasInput) (any, error) {
	if err := checkAliasName(in.AliasName); err != nil {
		return nil, err
	}
	reg := s.kmsRegion(region)
	s.kmsExpire()
	if reg.Aliases[*in.AliasName] == nil {
		return nil, newError("NotFoundException", "Alias %s is not found.", s.aliasARN(region, *in.AliasName))
	}
	delete(reg.Aliases, *in.AliasName)
	return empty{}, nil
}

type kmsListAliasesInput struct {
	KeyID  *string `json:"KeyId"`
	Limit  *int64  `json:"Limit"`
	Marker *string `json:"Marker"`
}

type kmsAliasEntry struct {
	AliasName       string        `json:"AliasName"`
	AliasArn        string        `json:"AliasArn"`
	TargetKeyID     string        `json:"TargetKeyId,omitempty"`
	CreationDate    *awsapi.Epoch `json:"CreationDate,omitempty"`
	LastUpdatedDate *awsapi.Epoch `json:"LastUpdatedDate,omitempty"`
}

func (s *Service) kmsListAliases(region string, in *kmsListAliasesInput) (any, error) {
	s.kmsExpire()
	filter := ""
	if in.KeyID != nil {
		k, err := s.findKey(region, in.KeyID, false)
		if err != nil {
			return nil, err
		}
		filter = k.ID
	}
	var entries []kmsAliasEntry
	for _, a := range s.kmsRegion(region).Aliases {
		if filter != "" && a.TargetKeyID != filter {
			continue
		}
		entries = append(entries, kmsAliasEntry{AliasName: a.Name, AliasArn: s.aliasARN(region, a.Name), TargetKeyID: a.TargetKeyID,
			CreationDate: awsapi.EpochPtr(a.Created), LastUpdatedDate: awsapi.EpochPtr(a.Updated)})
	}
	page, next, err := kmsPage(entries, func(e kmsAliasEntry) string { return e.AliasName }, in.Limit, 100, 50, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Aliases    []kmsAliasEntry `json:"Aliases"`
		NextMarker string          `json:"NextMarker,omitempty"`
		Truncated  bool            `json:"Truncated"`
	}{append([]kmsAliasEntry{}, page...), next, next != ""}, nil
}

// ---- tags ----

type kmsTagResourceInput struct {
	KeyID   *string  `json:"KeyId"`
	Tags    []kmsTag `json:"Tags"`
	TagKeys []string `json:"TagKeys"`
}

func (s *Service) kmsTagResource(region string, in *kmsTagResourceInput) (any, error) {
	if in.Tags == nil {
		return nil, validationError("tags", "Member must not be null", nil)
	}
	if err := checkKMSTags(in.Tags); err != nil {
		return nil, err
	}
	k, err := s.managedKey(region, in.KeyID, "TagResource")
	if err != nil {
		return nil, err
	}
	merged := mergeKMSTags(k.Tags, in.Tags)
	if len(merged) > maxKMSTags {
		return nil, newError("TagException", "Too many tags")
	}
	k.Tags = merged
	return empty{}, nil
}

func (s *Service) kmsUntagResource(region string, in *kmsTagResourceInput) (any, error) {
	if in.TagKeys == nil {
		return nil, validationError("tagKeys", "Member must not be null", nil)
	}
	k, err := s.managedKey(region, in.KeyID, "UntagResource")
	if err != nil {
		return nil, err
	}
	// Keys that are not there are ignored, as AWS does.
	k.Tags = slices.DeleteFunc(k.Tags, func(t kmsTag) bool { return slices.Contains(in.TagKeys, t.TagKey) })
	return empty{}, nil
}

type kmsListResourceTagsInput struct {
	KeyID  *string `json:"KeyId"`
	Limit  *int64  `json:"Limit"`
	Marker *string `json:"Marker"`
}

func (s *Service) kmsListResourceTags(region string, in *kmsListResourceTagsInput) (any, error) {
	k, err := s.findKey(region, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	page, next, err := kmsPage(slices.Clone(k.Tags), func(t kmsTag) string { return t.TagKey }, in.Limit, 50, 50, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags       []kmsTag `json:"Tags"`
		NextMarker string   `json:"NextMarker,omitempty"`
		Truncated  bool     `json:"Truncated"`
	}{append([]kmsTag{}, page...), next, next != ""}, nil
}
