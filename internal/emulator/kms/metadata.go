package kms

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- metadata ----

type kmsMultiRegionKey struct {
	Arn    string `json:"Arn"`
	Region string `json:"Region"`
}

type kmsMultiRegionConfiguration struct {
	MultiRegionKeyType string              `json:"MultiRegionKeyType"`
	PrimaryKey         kmsMultiRegionKey   `json:"PrimaryKey"`
	ReplicaKeys        []kmsMultiRegionKey `json:"ReplicaKeys"`
}

type kmsKeyMetadata struct {
	AWSAccountID                string                       `json:"AWSAccountId"`
	KeyID                       string                       `json:"KeyId"`
	Arn                         string                       `json:"Arn"`
	CreationDate                *awsapi.Epoch                `json:"CreationDate"`
	Enabled                     bool                         `json:"Enabled"`
	Description                 string                       `json:"Description"`
	KeyUsage                    string                       `json:"KeyUsage"`
	KeyState                    string                       `json:"KeyState"`
	DeletionDate                *awsapi.Epoch                `json:"DeletionDate,omitempty"`
	Origin                      string                       `json:"Origin"`
	KeyManager                  string                       `json:"KeyManager"`
	CustomerMasterKeySpec       string                       `json:"CustomerMasterKeySpec,omitempty"`
	KeySpec                     string                       `json:"KeySpec"`
	EncryptionAlgorithms        []string                     `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms           []string                     `json:"SigningAlgorithms,omitempty"`
	MacAlgorithms               []string                     `json:"MacAlgorithms,omitempty"`
	KeyAgreementAlgorithms      []string                     `json:"KeyAgreementAlgorithms,omitempty"`
	EncapsulationAlgorithms     []string                     `json:"EncapsulationAlgorithms,omitempty"`
	MultiRegion                 bool                         `json:"MultiRegion"`
	MultiRegionConfiguration    *kmsMultiRegionConfiguration `json:"MultiRegionConfiguration,omitempty"`
	PendingDeletionWindowInDays *int                         `json:"PendingDeletionWindowInDays,omitempty"`
	CurrentKeyMaterialID        string                       `json:"CurrentKeyMaterialId,omitempty"`
	CustomKeyStoreID            string                       `json:"CustomKeyStoreId,omitempty"`
	CloudHsmClusterID           string                       `json:"CloudHsmClusterId,omitempty"`
	XksKeyConfiguration         *xksKeyConfiguration         `json:"XksKeyConfiguration,omitempty"`
}

// xksKeyConfiguration names the external key of a key in an external key store.
type xksKeyConfiguration struct {
	ID string `json:"Id"`
}

func (s *Service) keyMetadata(k *kmsKey) *kmsKeyMetadata {
	m := &kmsKeyMetadata{
		AWSAccountID: s.account, KeyID: k.ID, Arn: s.keyARN(k), CreationDate: awsapi.EpochPtr(k.Created),
		Enabled: k.State == keyEnabled, Description: k.Description, KeyUsage: k.Usage, KeyState: k.State,
		DeletionDate: awsapi.EpochPtr(k.DeletionDate), Origin: k.Origin, KeyManager: k.Manager, KeySpec: k.Spec,
		MultiRegion: k.MultiRegion, CurrentKeyMaterialID: k.MaterialID, CustomKeyStoreID: k.CustomKeyStoreID,
	}
	if st := s.kmsRegion(k.Region).Stores[k.CustomKeyStoreID]; st != nil {
		m.CloudHsmClusterID = st.CloudHsmClusterID
	}
	if k.XksKeyID != "" {
		m.XksKeyConfiguration = &xksKeyConfiguration{ID: k.XksKeyID}
	}
	// CustomerMasterKeySpec is the deprecated twin of KeySpec; it has no values for the
	// newer specs.
	if !strings.HasPrefix(k.Spec, "ML_") && k.Spec != "ECC_NIST_EDWARDS25519" {
		m.CustomerMasterKeySpec = k.Spec
	}
	switch k.Usage {
	case usageEncrypt:
		switch {
		case k.Spec == specSymmetric:
			m.EncryptionAlgorithms = []string{"SYMMETRIC_DEFAULT"}
		case k.Spec == "SM2":
			m.EncryptionAlgorithms = []string{"SM2PKE"}
		default:
			m.EncryptionAlgorithms = []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}
		}
	case "SIGN_VERIFY":
		m.SigningAlgorithms = signingAlgorithms(k.Spec)
	case "GENERATE_VERIFY_MAC":
		m.MacAlgorithms = []string{"HMAC_SHA_" + strings.TrimPrefix(k.Spec, "HMAC_")}
	case "KEY_AGREEMENT":
		m.KeyAgreementAlgorithms = []string{"ECDH"}
	case "ENCAPSULATE_DECAPSULATE":
		m.EncapsulationAlgorithms = []string{"ML_KEM"}
	}
	if k.State == keyPendingReplicaDeletion {
		days := k.PendingDays
		m.PendingDeletionWindowInDays = &days
	}
	if k.MultiRegion {
		m.MultiRegionConfiguration = s.multiRegionConfiguration(k)
	}
	return m
}

func signingAlgorithms(spec string) []string {
	switch spec {
	case "ECC_NIST_P256", "ECC_SECG_P256K1":
		return []string{"ECDSA_SHA_256"}
	case "ECC_NIST_P384":
		return []string{"ECDSA_SHA_384"}
	case "ECC_NIST_P521":
		return []string{"ECDSA_SHA_512"}
	case "ECC_NIST_EDWARDS25519":
		return []string{"ED25519_SHA_512", "ED25519_PH_SHA_512"}
	case "SM2":
		return []string{"SM2DSA"}
	case "ML_DSA_44", "ML_DSA_65", "ML_DSA_87":
		return []string{"ML_DSA_SHAKE_256"}
	default:
		return []string{"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
			"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"}
	}
}

// multiRegionConfiguration: every key of a multi-Region set lists all replicas, a replica
// included (MultiRegionConfiguration, API reference).
func (s *Service) multiRegionConfiguration(k *kmsKey) *kmsMultiRegionConfiguration {
	typ := "PRIMARY"
	if k.isReplica() {
		typ = "REPLICA"
	}
	primaryARN := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", k.PrimaryRegion, s.account, k.ID)
	c := &kmsMultiRegionConfiguration{MultiRegionKeyType: typ, PrimaryKey: kmsMultiRegionKey{Arn: primaryARN, Region: k.PrimaryRegion},
		ReplicaKeys: []kmsMultiRegionKey{}}
	replicas := k.Replicas
	if k.isReplica() {
		replicas = []string{k.Region}
		if reg := s.regions[k.PrimaryRegion]; reg != nil && reg.Keys[k.ID] != nil {
			replicas = reg.Keys[k.ID].Replicas
		}
	}
	for _, r := range replicas {
		c.ReplicaKeys = append(c.ReplicaKeys, kmsMultiRegionKey{Arn: fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", r, s.account, k.ID), Region: r})
	}
	return c
}

type keyMetadataOutput struct {
	KeyMetadata *kmsKeyMetadata `json:"KeyMetadata"`
}

// ---- policies ----

// defaultKeyPolicy is the policy KMS gives a key created without one, in the layout
// GetKeyPolicy returns it (Default key policy, developer guide).
func defaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// secretsManagerKeyPolicy is the policy of aws/secretsmanager (auto-secretsmanager-2): use
// only through Secrets Manager, metadata reads for the account.
func secretsManagerKeyPolicy(account, region string) string {
	const sid = "Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager"
	return `{
  "Version" : "2012-10-17",
  "Id" : "auto-secretsmanager-2",
  "Statement" : [ {
    "Sid" : "` + sid + `",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `",
        "kms:ViaService" : "secretsmanager.` + region + `.amazonaws.com"
      }
    }
  }, {
    "Sid" : "` + sid + `",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : "kms:GenerateDataKey*",
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `"
      },
      "StringLike" : {
        "kms:ViaService" : "secretsmanager.*.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  } ]
}`
}

func checkKeyPolicy(policy string) error {
	if len(policy) < 1 || len(policy) > maxKMSPolicyLen {
		return validationError("policy", "Member must have length between 1 and 32768", nil)
	}
	var doc map[string]any
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return newError("MalformedPolicyDocumentException", "The key policy is not a valid JSON document.")
	}
	if _, ok := doc["Statement"]; !ok {
		return newError("MalformedPolicyDocumentException", "The key policy has no Statement.")
	}
	return nil
}

// ---- tags ----

func checkKMSTags(tags []kmsTag) error {
	seen := map[string]bool{}
	for i, t := range tags {
		if len(t.TagKey) < 1 || len(t.TagKey) > 128 {
			return validationError(fmt.Sprintf("tags.%d.member.tagKey", i+1), "Member must have length between 1 and 128", t.TagKey)
		}
		if len(t.TagValue) > 256 {
			return validationError(fmt.Sprintf("tags.%d.member.tagValue", i+1), "Member must have length less than or equal to 256", t.TagValue)
		}
		if strings.HasPrefix(strings.ToLower(t.TagKey), "aws:") {
			return newError("TagException", "Tags beginning with aws: are reserved")
		}
		if seen[t.TagKey] {
			return newError("TagException", "Duplicate tag keys")
		}
		seen[t.TagKey] = true
	}
	return nil
}

func mergeKMSTags(have, add []kmsTag) []kmsTag {
	out := slices.Clone(have)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(x kmsTag) bool { return x.TagKey == t.TagKey }); i >= 0 {
			out[i].TagValue = t.TagValue
		} else {
			out = append(out, t)
		}
	}
	return out
}

// ---- paging ----

// kmsPage pages items with KMS's Limit/Marker: the marker is the sort key of the last item
// returned, so a page boundary survives inserts and deletes.
func kmsPage[T any](items []T, sortKey func(T) string, limit *int64, max, def int, marker *string) ([]T, string, error) {
	n := def
	if limit != nil {
		if *limit < 1 || *limit > int64(max) {
			return nil, "", validationError("limit", fmt.Sprintf("Member must have value between 1 and %d", max), *limit)
		}
		n = int(*limit)
	}
	slices.SortFunc(items, func(a, b T) int { return cmp.Compare(sortKey(a), sortKey(b)) })
	start := 0
	if marker != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*marker)
		if err != nil || len(raw) == 0 {
			return nil, "", newError("InvalidMarkerException", "Invalid marker: %s", *marker)
		}
		after := string(raw)
		start = len(items)
		for i, it := range items {
			if sortKey(it) > after {
				start = i
				break
			}
		}
	}
	end := min(start+n, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(sortKey(items[end-1])))
	}
	return items[start:end], next, nil
}
