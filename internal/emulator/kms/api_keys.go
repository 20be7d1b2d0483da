package kms

import (
	"slices"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- CreateKey / DescribeKey / ListKeys ----

type kmsCreateKeyInput struct {
	Policy                         *string  `json:"Policy"`
	Description                    *string  `json:"Description"`
	KeyUsage                       *string  `json:"KeyUsage"`
	CustomerMasterKeySpec          *string  `json:"CustomerMasterKeySpec"`
	KeySpec                        *string  `json:"KeySpec"`
	Origin                         *string  `json:"Origin"`
	CustomKeyStoreID               *string  `json:"CustomKeyStoreId"`
	BypassPolicyLockoutSafetyCheck bool     `json:"BypassPolicyLockoutSafetyCheck"`
	Tags                           []kmsTag `json:"Tags"`
	MultiRegion                    *bool    `json:"MultiRegion"`
	XksKeyID                       *string  `json:"XksKeyId"`
}

func (s *Service) kmsCreateKey(region string, in *kmsCreateKeyInput) (any, error) {
	if in.Description != nil && len(*in.Description) > maxKMSDescriptionLen {
		return nil, validationError("description", "Member must have length less than or equal to 8192", nil)
	}
	spec, usage, err := keySpecAndUsage(in)
	if err != nil {
		return nil, err
	}
	origin, err := s.checkCustomKeyStoreKey(region, in, spec)
	if err != nil {
		return nil, err
	}
	if in.Policy != nil {
		if err := checkKeyPolicy(*in.Policy); err != nil {
			return nil, err
		}
	}
	if len(in.Tags) > maxKMSTags {
		return nil, newError("TagException", "Too many tags")
	}
	if err := checkKMSTags(in.Tags); err != nil {
		return nil, err
	}
	k := s.newSymmetricKey(region, in.MultiRegion != nil && *in.MultiRegion)
	k.Spec, k.Usage, k.Origin = spec, usage, origin
	if in.CustomKeyStoreID != nil {
		k.CustomKeyStoreID = *in.CustomKeyStoreID
	}
	if in.XksKeyID != nil {
		k.XksKeyID = *in.XksKeyID
	}
	if spec != specSymmetric {
		// Only symmetric keys have key material here, and only they have a material id.
		k.Material, k.MaterialID = nil, ""
	}
	if in.Description != nil {
		k.Description = *in.Description
	}
	k.Policy = defaultKeyPolicy(s.account)
	if in.Policy != nil {
		k.Policy = *in.Policy
	}
	k.Tags = mergeKMSTags(nil, in.Tags)
	s.kmsRegion(region).Keys[k.ID] = k
	return &keyMetadataOutput{KeyMetadata: s.keyMetadata(k)}, nil
}

// keySpecAndUsage validates KeySpec (or its deprecated twin) against KeyUsage.
func keySpecAndUsage(in *kmsCreateKeyInput) (string, string, error) {
	if in.KeySpec != nil && in.CustomerMasterKeySpec != nil {
		return "", "", newError("ValidationException", "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
	}
	spec, member := specSymmetric, "keySpec"
	switch {
	case in.KeySpec != nil:
		spec = *in.KeySpec
	case in.CustomerMasterKeySpec != nil:
		spec, member = *in.CustomerMasterKeySpec, "customerMasterKeySpec"
	}
	usages, ok := kmsKeySpecs[spec]
	if !ok {
		specs := make([]string, 0, len(kmsKeySpecs))
		for sp := range kmsKeySpecs {
			specs = append(specs, sp)
		}
		slices.Sort(specs)
		return "", "", validationError(member, "Member must satisfy enum value set: ["+strings.Join(specs, ", ")+"]", spec)
	}
	if in.KeyUsage == nil {
		if spec != specSymmetric {
			return "", "", newError("ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
		}
		return spec, usageEncrypt, nil
	}
	usage := *in.KeyUsage
	if !slices.Contains(kmsKeyUsages, usage) {
		return "", "", validationError("keyUsage", "Member must satisfy enum value set: ["+strings.Join(kmsKeyUsages, ", ")+"]", usage)
	}
	if !slices.Contains(usages, usage) {
		return "", "", newError("ValidationException", "KeyUsage %s is not compatible with KeySpec %s", usage, spec)
	}
	return spec, usage, nil
}

type kmsKeyIDInput struct {
	KeyID *string `json:"KeyId"`
}

func (s *Service) kmsDescribeKey(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.findKey(region, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	return &keyMetadataOutput{KeyMetadata: s.keyMetadata(k)}, nil
}

type kmsListInput struct {
	Limit  *int64  `json:"Limit"`
	Marker *string `json:"Marker"`
}

type kmsKeyListEntry struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
}

func (s *Service) kmsListKeys(region string, in *kmsListInput) (any, error) {
	s.kmsExpire()
	var entries []kmsKeyListEntry
	for _, k := range s.kmsRegion(region).Keys {
		entries = append(entries, kmsKeyListEntry{KeyID: k.ID, KeyArn: s.keyARN(k)})
	}
	page, next, err := kmsPage(entries, func(e kmsKeyListEntry) string { return e.KeyID }, in.Limit, 1000, 100, in.Marker)
	if err != nil {
		return nil, err
	}
	return struct {
		Keys       []kmsKeyListEntry `json:"Keys"`
		NextMarker string            `json:"NextMarker,omitempty"`
		Truncated  bool              `json:"Truncated"`
	}{append([]kmsKeyListEntry{}, page...), next, next != ""}, nil
}

// ---- Enable / Disable / deletion ----

// managedKey finds a key by key id or ARN for a management action: customer managed and
// not pending deletion.
func (s *Service) managedKey(region string, id *string, action string) (*kmsKey, error) {
	k, err := s.findKey(region, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.customerManaged(k, action); err != nil {
		return nil, err
	}
	if err := s.notPending(k); err != nil {
		return nil, err
	}
	return k, nil
}

func (s *Service) kmsEnableKey(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.managedKey(region, in.KeyID, "EnableKey")
	if err != nil {
		return nil, err
	}
	k.State = keyEnabled
	return empty{}, nil
}

func (s *Service) kmsDisableKey(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.managedKey(region, in.KeyID, "DisableKey")
	if err != nil {
		return nil, err
	}
	k.State = keyDisabled
	return empty{}, nil
}

type kmsScheduleKeyDeletionInput struct {
	KeyID               *string `json:"KeyId"`
	PendingWindowInDays *int64  `json:"PendingWindowInDays"`
}

func (s *Service) kmsScheduleKeyDeletion(region string, in *kmsScheduleKeyDeletionInput) (any, error) {
	days := int64(defaultPendingDays)
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
		if days < 1 || days > 365 {
			return nil, validationError("pendingWindowInDays", "Member must have value between 1 and 365", days)
		}
		if days < minPendingDays || days > maxPendingDays {
			return nil, newError("ValidationException", "PendingWindowInDays should be between 7 and 30, but it is %d", days)
		}
	}
	k, err := s.managedKey(region, in.KeyID, "ScheduleKeyDeletion")
	if err != nil {
		return nil, err
	}
	k.PendingDays = int(days)
	out := struct {
		KeyID               string        `json:"KeyId"`
		DeletionDate        *awsapi.Epoch `json:"DeletionDate,omitempty"`
		KeyState            string        `json:"KeyState"`
		PendingWindowInDays int           `json:"PendingWindowInDays"`
	}{KeyID: s.keyARN(k), PendingWindowInDays: int(days)}
	if k.isPrimary() && len(k.Replicas) > 0 {
		// A primary key's waiting period starts only when its last replica is deleted.
		k.State, k.DeletionDate = keyPendingReplicaDeletion, time.Time{}
	} else {
		k.State, k.DeletionDate = keyPendingDeletion, s.now().AddDate(0, 0, int(days))
		out.DeletionDate = awsapi.EpochPtr(k.DeletionDate)
	}
	out.KeyState = k.State
	return out, nil
}

func (s *Service) kmsCancelKeyDeletion(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.findKey(region, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	if err := s.customerManaged(k, "CancelKeyDeletion"); err != nil {
		return nil, err
	}
	if !k.pending() {
		return nil, newError("KMSInvalidStateException", "%s is not pending deletion.", s.keyARN(k))
	}
	// A key whose deletion is cancelled stays disabled until it is enabled again
	// (CancelKeyDeletion, API reference).
	k.State, k.DeletionDate, k.PendingDays = keyDisabled, time.Time{}, 0
	return struct {
		KeyID string `json:"KeyId"`
	}{s.keyARN(k)}, nil
}
