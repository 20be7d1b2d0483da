package kms

import (
	"fmt"
	"slices"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- ReplicateKey ----

type kmsReplicateKeyInput struct {
	KeyID                          *string  `json:"KeyId"`
	ReplicaRegion                  *string  `json:"ReplicaRegion"`
	Policy                         *string  `json:"Policy"`
	BypassPolicyLockoutSafetyCheck bool     `json:"BypassPolicyLockoutSafetyCheck"`
	Description                    *string  `json:"Description"`
	Tags                           []kmsTag `json:"Tags"`
}

func (s *Service) kmsReplicateKey(region string, in *kmsReplicateKeyInput) (any, error) {
	if in.ReplicaRegion == nil {
		return nil, validationError("replicaRegion", "Member must not be null", nil)
	}
	if !awsapi.RegionPattern.MatchString(*in.ReplicaRegion) {
		return nil, validationError("replicaRegion", "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$", *in.ReplicaRegion)
	}
	if in.Description != nil && len(*in.Description) > maxKMSDescriptionLen {
		return nil, validationError("description", "Member must have length less than or equal to 8192", nil)
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
	k, err := s.managedKey(region, in.KeyID, "ReplicateKey")
	if err != nil {
		return nil, err
	}
	if !k.MultiRegion {
		return nil, newError("UnsupportedOperationException", "Unable to replicate a non-MultiRegion key %s", k.ID)
	}
	if !k.isPrimary() {
		return nil, newError("UnsupportedOperationException", "%s is not a multi-Region primary key; only primary keys can be replicated.", s.keyARN(k))
	}
	target := *in.ReplicaRegion
	if target == region {
		return nil, newError("ValidationException", "The replica region %s is the region of the primary key %s.", target, s.keyARN(k))
	}
	treg := s.kmsRegion(target)
	if treg.Keys[k.ID] != nil {
		return nil, newError("AlreadyExistsException", "Unable to replicate key %s to region %s, as the key already exist there", k.ID, target)
	}
	// Key material, spec, usage and rotation are shared; description, policy, tags, aliases
	// and key state are each key's own (Multi-Region keys, developer guide).
	r := *k
	r.Region, r.Created, r.State = target, s.now(), keyEnabled
	r.DeletionDate, r.PendingDays, r.Replicas = time.Time{}, 0, nil
	r.Material = slices.Clone(k.Material)
	r.Description, r.Policy, r.Tags = "", defaultKeyPolicy(s.account), mergeKMSTags(nil, in.Tags)
	if in.Description != nil {
		r.Description = *in.Description
	}
	if in.Policy != nil {
		r.Policy = *in.Policy
	}
	treg.Keys[r.ID] = &r
	k.Replicas = append(k.Replicas, target)
	return struct {
		ReplicaKeyMetadata *kmsKeyMetadata `json:"ReplicaKeyMetadata"`
		ReplicaPolicy      string          `json:"ReplicaPolicy"`
		ReplicaTags        []kmsTag        `json:"ReplicaTags"`
	}{s.keyMetadata(&r), r.Policy, append([]kmsTag{}, r.Tags...)}, nil
}

// loadKMS takes the KMS part of a state file, refusing one that is incomplete.
func (s *Service) loadKMS(regions map[string]*kmsRegion) error {
	for region, reg := range regions {
		if reg == nil || reg.Keys == nil || reg.Aliases == nil {
			return fmt.Errorf("KMS state of %s is incomplete", region)
		}
		for id, k := range reg.Keys {
			if k == nil || k.ID != id || k.Region != region || (k.Spec == specSymmetric && len(k.Material) != 32) {
				return fmt.Errorf("KMS key %s in %s is incomplete", id, region)
			}
		}
		for name, a := range reg.Aliases {
			if a == nil || a.Name != name {
				return fmt.Errorf("KMS alias %s in %s is incomplete", name, region)
			}
		}
		if reg.Stores == nil { // files written before custom key stores
			reg.Stores = map[string]*customKeyStore{}
		}
		for id, st := range reg.Stores {
			if st == nil || st.ID != id {
				return fmt.Errorf("KMS custom key store %s in %s is incomplete", id, region)
			}
		}
		s.regions[region] = reg
	}
	return nil
}
