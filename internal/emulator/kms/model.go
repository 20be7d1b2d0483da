package emulator

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// kmsOperations is the KMS API (X-Amz-Target "TrentService.<Op>"). Handlers run with Server.mu held.
// DescribeKey is mutating because naming aws/secretsmanager creates that key. Reads may purge
// keys whose waiting period is over; that is not saved at once, since a restart purges them
// again.
var kmsOperations = map[string]jsonOperation{
	"CreateKey":                       op((*Server).kmsCreateKey, true),
	"DescribeKey":                     op((*Server).kmsDescribeKey, true),
	"ListKeys":                        op((*Server).kmsListKeys, false),
	"EnableKey":                       op((*Server).kmsEnableKey, true),
	"DisableKey":                      op((*Server).kmsDisableKey, true),
	"ScheduleKeyDeletion":             op((*Server).kmsScheduleKeyDeletion, true),
	"CancelKeyDeletion":               op((*Server).kmsCancelKeyDeletion, true),
	"EnableKeyRotation":               op((*Server).kmsEnableKeyRotation, true),
	"DisableKeyRotation":              op((*Server).kmsDisableKeyRotation, true),
	"GetKeyRotationStatus":            op((*Server).kmsGetKeyRotationStatus, false),
	"GetKeyPolicy":                    op((*Server).kmsGetKeyPolicy, false),
	"PutKeyPolicy":                    op((*Server).kmsPutKeyPolicy, true),
	"ListKeyPolicies":                 op((*Server).kmsListKeyPolicies, false),
	"UpdateKeyDescription":            op((*Server).kmsUpdateKeyDescription, true),
	"CreateAlias":                     op((*Server).kmsCreateAlias, true),
	"UpdateAlias":                     op((*Server).kmsUpdateAlias, true),
	"DeleteAlias":                     op((*Server).kmsDeleteAlias, true),
	"ListAliases":                     op((*Server).kmsListAliases, false),
	"TagResource":                     op((*Server).kmsTagResource, true),
	"UntagResource":                   op((*Server).kmsUntagResource, true),
	"ListResourceTags":                op((*Server).kmsListResourceTags, false),
	"ReplicateKey":                    op((*Server).kmsReplicateKey, true),
	"Encrypt":                         op((*Server).kmsEncrypt, false),
	"Decrypt":                         op((*Server).kmsDecrypt, false),
	"ReEncrypt":                       op((*Server).kmsReEncrypt, false),
	"GenerateDataKey":                 op((*Server).kmsGenerateDataKey, false),
	"GenerateDataKeyWithoutPlaintext": op((*Server).kmsGenerateDataKeyWithoutPlaintext, false),
	"GenerateRandom":                  op((*Server).kmsGenerateRandom, false),
}

// Key states, key managers and the one symmetric spec the emulator has real crypto for.
const (
	keyEnabled                = "Enabled"
	keyDisabled               = "Disabled"
	keyPendingDeletion        = "PendingDeletion"
	keyPendingReplicaDeletion = "PendingReplicaDeletion"

	managerCustomer = "CUSTOMER"
	managerAWS      = "AWS"

	specSymmetric = "SYMMETRIC_DEFAULT"
	usageEncrypt  = "ENCRYPT_DECRYPT"

	// secretsManagerAlias names the AWS managed key Secrets Manager uses when a secret names none.
	secretsManagerAlias = "alias/aws/secretsmanager"
	// reservedAliasPrefix is kept for AWS managed keys.
	reservedAliasPrefix = "alias/aws/"
)

// Limits of KMS (API reference).
const (
	maxKMSDescriptionLen = 8192
	maxKMSPolicyLen      = 32768
	maxKMSTags           = 50
	maxKMSPlaintext      = 4096
	maxKMSCiphertext     = 6144
	minRotationDays      = 90
	maxRotationDays      = 2560
	defaultRotationDays  = 365
	minPendingDays       = 7
	maxPendingDays       = 30
	defaultPendingDays   = 30
)

// kmsKeySpecs lists, for each key spec, the key usages AWS allows with it. Only
// SYMMETRIC_DEFAULT has working cryptography here; the others exist as metadata.
var kmsKeySpecs = map[string][]string{
	specSymmetric:           {usageEncrypt},
	"RSA_2048":              {usageEncrypt, "SIGN_VERIFY"},
	"RSA_3072":              {usageEncrypt, "SIGN_VERIFY"},
	"RSA_4096":              {usageEncrypt, "SIGN_VERIFY"},
	"ECC_NIST_P256":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
	"ECC_NIST_P384":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
	"ECC_NIST_P521":         {"SIGN_VERIFY", "KEY_AGREEMENT"},
	"ECC_SECG_P256K1":       {"SIGN_VERIFY"},
	"ECC_NIST_EDWARDS25519": {"SIGN_VERIFY"},
	"HMAC_224":              {"GENERATE_VERIFY_MAC"},
	"HMAC_256":              {"GENERATE_VERIFY_MAC"},
	"HMAC_384":              {"GENERATE_VERIFY_MAC"},
	"HMAC_512":              {"GENERATE_VERIFY_MAC"},
	"SM2":                   {usageEncrypt, "SIGN_VERIFY", "KEY_AGREEMENT"},
	"ML_DSA_44":             {"SIGN_VERIFY"},
	"ML_DSA_65":             {"SIGN_VERIFY"},
	"ML_DSA_87":             {"SIGN_VERIFY"},
	"ML_KEM_512":            {"ENCAPSULATE_DECAPSULATE"},
	"ML_KEM_768":            {"ENCAPSULATE_DECAPSULATE"},
	"ML_KEM_1024":           {"ENCAPSULATE_DECAPSULATE"},
}

var kmsKeyUsages = []string{usageEncrypt, "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE"}

var (
	keyUUIDPattern  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	keyMRKPattern   = regexp.MustCompile(`^mrk-[0-9a-fA-F]{32}$`)
	aliasPattern    = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)
	kmsARNPattern   = regexp.MustCompile(`^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)$`)
	keyIDMemberName = "keyId"
)

// kmsRegion is the KMS state of one region.
type kmsRegion struct {
	Keys    map[string]*kmsKey   `json:"keys"`    // by key id
	Aliases map[string]*kmsAlias `json:"aliases"` // by alias name
}

type kmsTag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type kmsAlias struct {
	Name        string    `json:"name"`
	TargetKeyID string    `json:"targetKeyId"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// kmsKey is a KMS key in one region. The replicas of a multi-Region key are kmsKeys of the
// same id in other regions, with the same key material.
type kmsKey struct {
	ID          string    `json:"id"`
	Region      string    `json:"region"`
	Created     time.Time `json:"created"`
	Description string    `json:"description"`
	Usage       string    `json:"usage"`
	Spec        string    `json:"spec"`
	Manager     string    `json:"manager"`
	State       string    `json:"state"`
	// DeletionDate is set in PendingDeletion; PendingDays is the waiting period asked for.
	DeletionDate time.Time `json:"deletionDate,omitzero"`
	PendingDays  int       `json:"pendingDays,omitempty"`

	MultiRegion bool `json:"multiRegion,omitempty"`
	// PrimaryRegion is the region of the primary key of a multi-Region key; Replicas, on the
	// primary only, the regions of its replicas in the order they were made.
	PrimaryRegion string   `json:"primaryRegion,omitempty"`
	Replicas      []string `json:"replicas,omitempty"`

	Policy string   `json:"policy"`
	Tags   []kmsTag `json:"tags,omitempty"`

	RotationEnabled bool      `json:"rotationEnabled,omitempty"`
	RotationDays    int       `json:"rotationDays,omitempty"`
	NextRotation    time.Time `json:"nextRotation,omitzero"`

	// Material is the AES-256 key of a SYMMETRIC_DEFAULT key. It never leaves the emulator
	// except in the state file, which is as sensitive as the keys it holds.
	Material   []byte `json:"material,omitempty"`
	MaterialID string `json:"materialId,omitempty"`
}

func (k *kmsKey) isPrimary() bool { return k.MultiRegion && k.PrimaryRegion == k.Region }
func (k *kmsKey) isReplica() bool { return k.MultiRegion && k.PrimaryRegion != k.Region }
func (k *kmsKey) pending() bool {
	return k.State == keyPendingDeletion || k.State == keyPendingReplicaDeletion
}

func (s *Server) keyARN(k *kmsKey) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", k.Region, s.account, k.ID)
}

func (s *Server) aliasARN(region, name string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, s.account, name)
}

func (s *Server) kmsRegion(region string) *kmsRegion {
	r := s.kms[region]
	if r == nil {
		r = &kmsRegion{Keys: map[string]*kmsKey{}, Aliases: map[string]*kmsAlias{}}
		s.kms[region] = r
	}
	return r
}

// ---- lookup ----

func checkKeyIDMember(member string, id *string) error {
	if id == nil {
		return validationError(member, "Member must not be null", nil)
	}
	if len(*id) < 1 || len(*id) > 2048 {
		return validationError(member, "Member must have length between 1 and 2048", *id)
	}
	return nil
}

func errKeyNotFound(arn string) error {
	return newError("NotFoundException", "Key '%s' does not exist", arn)
}

// findKey resolves id in region: a key id or key ARN, and also an alias name or alias ARN
// when the operation accepts aliases. Expired keys are purged first.
func (s *Server) findKey(region string, id *string, aliases bool) (*kmsKey, error) {
	if err := checkKeyIDMember(keyIDMemberName, id); err != nil {
		return nil, err
	}
	s.kmsExpire()
	ref := *id
	reg := s.kmsRegion(region)
	if m := kmsARNPattern.FindStringSubmatch(ref); m != nil {
		if m[3] == "alias" {
			if !aliases {
				return nil, newError("NotFoundException", "Invalid keyId %s", ref)
			}
			if m[1] != region || m[2] != s.account {
				return nil, newError("NotFoundException", "Alias %s is not found.", ref)
			}
			return s.keyByAlias(region, "alias/"+m[4])
		}
		if m[1] != region {
			// A key ARN names its region; KMS answers only for the region called.
			return nil, newError("NotFoundException", "Invalid arn %s", m[1])
		}
		if m[2] != s.account {
			return nil, errKeyNotFound(ref)
		}
		ref = m[4]
	} else if strings.HasPrefix(ref, "arn:") {
		return nil, newError("InvalidArnException", "%s is not a valid KMS key or alias ARN.", ref)
	} else if strings.HasPrefix(ref, "alias/") {
		if !aliases {
			return nil, newError("NotFoundException", "Invalid keyId %s", ref)
		}
		return s.keyByAlias(region, ref)
	}
	if !keyUUIDPattern.MatchString(ref) && !keyMRKPattern.MatchString(ref) {
		return nil, newError("NotFoundException", "Invalid keyId %s", ref)
	}
	k := reg.Keys[ref]
	if k == nil {
		return nil, errKeyNotFound(fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, s.account, ref))
	}
	return k, nil
}

// keyByAlias resolves an alias name. The alias of Secrets Manager's AWS managed key exists
// before its key does: naming it creates the key, as in AWS (DescribeKey, API reference).
func (s *Server) keyByAlias(region, name string) (*kmsKey, error) {
	reg := s.kmsRegion(region)
	a := reg.Aliases[name]
	if a == nil && name == secretsManagerAlias {
		return s.secretsManagerKey(region), nil
	}
	if a == nil || reg.Keys[a.TargetKeyID] == nil {
		return nil, newError("NotFoundException", "Alias %s is not found.", s.aliasARN(region, name))
	}
	return reg.Keys[a.TargetKeyID], nil
}

// secretsManagerKey returns the AWS managed key of Secrets Manager in region, creating it
// and its alias on first use.
func (s *Server) secretsManagerKey(region string) *kmsKey {
	reg := s.kmsRegion(region)
	if a := reg.Aliases[secretsManagerAlias]; a != nil && reg.Keys[a.TargetKeyID] != nil {
		return reg.Keys[a.TargetKeyID]
	}
	now := s.now()
	k := s.newSymmetricKey(region, false)
	k.Manager = managerAWS
	k.Description = "Default key that protects my Secrets Manager data when no other key is defined"
	k.Policy = secretsManagerKeyPolicy(s.account, region)
	// AWS managed keys rotate every year; nobody can turn that off.
	k.RotationEnabled, k.RotationDays, k.NextRotation = true, defaultRotationDays, now.AddDate(0, 0, defaultRotationDays)
	reg.Keys[k.ID] = k
	reg.Aliases[secretsManagerAlias] = &kmsAlias{Name: secretsManagerAlias, TargetKeyID: k.ID, Created: now, Updated: now}
	return k
}

func (s *Server) newSymmetricKey(region string, multiRegion bool) *kmsKey {
	k := &kmsKey{
		ID: newUUID(), Region: region, Created: s.now(), Usage: usageEncrypt, Spec: specSymmetric,
		Manager: managerCustomer, State: keyEnabled, Material: randomBytes(32), MaterialID: hex.EncodeToString(randomBytes(32)),
	}
	if multiRegion {
		k.ID = "mrk-" + hex.EncodeToString(randomBytes(16))
		k.MultiRegion, k.PrimaryRegion = true, region
	}
	return k
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// kmsExpire deletes keys whose waiting period is over, with their aliases. A primary key
// waiting for its replicas starts its own waiting period when the last replica goes.
func (s *Server) kmsExpire() {
	now := s.now()
	for changed := true; changed; {
		changed = false
		for region, reg := range s.kms {
			for id, k := range reg.Keys {
				if k.State != keyPendingDeletion || now.Before(k.DeletionDate) {
					continue
				}
				delete(reg.Keys, id)
				for name, a := range reg.Aliases {
					if a.TargetKeyID == id {
						delete(reg.Aliases, name)
					}
				}
				if k.isReplica() {
					s.dropReplica(k, region)
				}
				changed = true
			}
		}
	}
}

// dropReplica removes a deleted replica from its primary's list.
func (s *Server) dropReplica(replica *kmsKey, region string) {
	primaryReg := s.kms[replica.PrimaryRegion]
	if primaryReg == nil {
		return
	}
	p := primaryReg.Keys[replica.ID]
	if p == nil {
		return
	}
	p.Replicas = slices.DeleteFunc(p.Replicas, func(r string) bool { return r == region })
	if p.State == keyPendingReplicaDeletion && len(p.Replicas) == 0 {
		p.State = keyPendingDeletion
		p.DeletionDate = replica.DeletionDate.AddDate(0, 0, p.PendingDays)
	}
}

// ---- key state rules (Key states of AWS KMS keys, developer guide) ----

// usable: cryptographic operations need an enabled key.
func (s *Server) usable(k *kmsKey) error {
	switch k.State {
	case keyEnabled:
		return nil
	case keyDisabled:
		return newError("DisabledException", "%s is disabled.", s.keyARN(k))
	default:
		return s.errPendingDeletion(k)
	}
}

// notPending: most management operations work on disabled keys but not on keys pending deletion.
func (s *Server) notPending(k *kmsKey) error {
	if k.pending() {
		return s.errPendingDeletion(k)
	}
	return nil
}

func (s *Server) errPendingDeletion(k *kmsKey) error {
	return newError("KMSInvalidStateException", "%s is pending deletion.", s.keyARN(k))
}

// customerManaged refuses to change AWS managed keys. Their key policy allows the account
// only kms:Describe*, kms:Get*, kms:List* and kms:RevokeGrant, and cryptographic operations
// only through the service (kms:ViaService), so AWS denies everything else.
func (s *Server) customerManaged(k *kmsKey, action string) error {
	if k.Manager != managerAWS {
		return nil
	}
	return newError("AccessDeniedException",
		"User: arn:aws:iam::%s:root is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
		s.account, action, s.keyARN(k), action)
}

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
	CreationDate                *epoch                       `json:"CreationDate"`
	Enabled                     bool                         `json:"Enabled"`
	Description                 string                       `json:"Description"`
	KeyUsage                    string                       `json:"KeyUsage"`
	KeyState                    string                       `json:"KeyState"`
	DeletionDate                *epoch                       `json:"DeletionDate,omitempty"`
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
}

func (s *Server) keyMetadata(k *kmsKey) *kmsKeyMetadata {
	m := &kmsKeyMetadata{
		AWSAccountID: s.account, KeyID: k.ID, Arn: s.keyARN(k), CreationDate: epochPtr(k.Created),
		Enabled: k.State == keyEnabled, Description: k.Description, KeyUsage: k.Usage, KeyState: k.State,
		DeletionDate: epochPtr(k.DeletionDate), Origin: "AWS_KMS", KeyManager: k.Manager, KeySpec: k.Spec,
		MultiRegion: k.MultiRegion, CurrentKeyMaterialID: k.MaterialID,
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
func (s *Server) multiRegionConfiguration(k *kmsKey) *kmsMultiRegionConfiguration {
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
		if reg := s.kms[k.PrimaryRegion]; reg != nil && reg.Keys[k.ID] != nil {
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

func (s *Server) kmsCreateKey(region string, in *kmsCreateKeyInput) (any, error) {
	if in.Description != nil && len(*in.Description) > maxKMSDescriptionLen {
		return nil, validationError("description", "Member must have length less than or equal to 8192", nil)
	}
	spec, usage, err := keySpecAndUsage(in)
	if err != nil {
		return nil, err
	}
	if in.Origin != nil && *in.Origin != "AWS_KMS" {
		return nil, newError("UnsupportedOperationException", "The emulator creates keys with Origin AWS_KMS only, not %s.", *in.Origin)
	}
	if in.CustomKeyStoreID != nil || in.XksKeyID != nil {
		return nil, newError("CustomKeyStoreNotFoundException", "The emulator has no custom key stores.")
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
	k.Spec, k.Usage = spec, usage
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

func (s *Server) kmsDescribeKey(region string, in *kmsKeyIDInput) (any, error) {
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

func (s *Server) kmsListKeys(region string, in *kmsListInput) (any, error) {
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
func (s *Server) managedKey(region string, id *string, action string) (*kmsKey, error) {
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

func (s *Server) kmsEnableKey(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.managedKey(region, in.KeyID, "EnableKey")
	if err != nil {
		return nil, err
	}
	k.State = keyEnabled
	return empty{}, nil
}

func (s *Server) kmsDisableKey(region string, in *kmsKeyIDInput) (any, error) {
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

func (s *Server) kmsScheduleKeyDeletion(region string, in *kmsScheduleKeyDeletionInput) (any, error) {
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
		KeyID               string `json:"KeyId"`
		DeletionDate        *epoch `json:"DeletionDate,omitempty"`
		KeyState            string `json:"KeyState"`
		PendingWindowInDays int    `json:"PendingWindowInDays"`
	}{KeyID: s.keyARN(k), PendingWindowInDays: int(days)}
	if k.isPrimary() && len(k.Replicas) > 0 {
		// A primary key's waiting period starts only when its last replica is deleted.
		k.State, k.DeletionDate = keyPendingReplicaDeletion, time.Time{}
	} else {
		k.State, k.DeletionDate = keyPendingDeletion, s.now().AddDate(0, 0, int(days))
		out.DeletionDate = epochPtr(k.DeletionDate)
	}
	out.KeyState = k.State
	return out, nil
}

func (s *Server) kmsCancelKeyDeletion(region string, in *kmsKeyIDInput) (any, error) {
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

// ---- rotation ----

type kmsEnableKeyRotationInput struct {
	KeyID                *string `json:"KeyId"`
	RotationPeriodInDays *int64  `json:"RotationPeriodInDays"`
}

// rotatableKey applies the rules EnableKeyRotation and DisableKeyRotation share.
func (s *Server) rotatableKey(region string, id *string, action string) (*kmsKey, error) {
	k, err := s.findKey(region, id, false)
	if err != nil {
		return nil, err
	}
	if err := s.customerManaged(k, action); err != nil {
		return nil, err
	}
	if err := s.usable(k); err != nil {
		return nil, err
	}
	if k.Spec != specSymmetric {
		return nil, newError("UnsupportedOperationException", "%s key spec is %s; automatic rotation is only for symmetric encryption keys.", s.keyARN(k), k.Spec)
	}
	if k.isReplica() {
		return nil, newError("UnsupportedOperationException", "%s is a multi-Region replica key; rotation is set on its primary key.", s.keyARN(k))
	}
	return k, nil
}

func (s *Server) kmsEnableKeyRotation(region string, in *kmsEnableKeyRotationInput) (any, error) {
	days := int64(defaultRotationDays)
	if in.RotationPeriodInDays != nil {
		days = *in.RotationPeriodInDays
		if days < minRotationDays {
			return nil, validationError("rotationPeriodInDays", "Member must have value greater than or equal to 90", days)
		}
		if days > maxRotationDays {
			return nil, validationError("rotationPeriodInDays", "Member must have value less than or equal to 2560", days)
		}
	}
	k, err := s.rotatableKey(region, in.KeyID, "EnableKeyRotation")
	if err != nil {
		return nil, err
	}
	if !k.RotationEnabled || k.RotationDays != int(days) {
		k.RotationEnabled, k.RotationDays, k.NextRotation = true, int(days), s.now().AddDate(0, 0, int(days))
	}
	s.syncRotation(k)
	return empty{}, nil
}

func (s *Server) kmsDisableKeyRotation(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.rotatableKey(region, in.KeyID, "DisableKeyRotation")
	if err != nil {
		return nil, err
	}
	k.RotationEnabled, k.RotationDays, k.NextRotation = false, 0, time.Time{}
	s.syncRotation(k)
	return empty{}, nil
}

// syncRotation copies the rotation settings of a primary key to its replicas: rotation is a
// shared property of multi-Region keys.
func (s *Server) syncRotation(p *kmsKey) {
	for _, r := range p.Replicas {
		if rk := s.kmsRegion(r).Keys[p.ID]; rk != nil {
			rk.RotationEnabled, rk.RotationDays, rk.NextRotation = p.RotationEnabled, p.RotationDays, p.NextRotation
		}
	}
}

func (s *Server) kmsGetKeyRotationStatus(region string, in *kmsKeyIDInput) (any, error) {
	k, err := s.findKey(region, in.KeyID, false)
	if err != nil {
		return nil, err
	}
	if k.Spec != specSymmetric {
		return nil, newError("UnsupportedOperationException", "%s key spec is %s; automatic rotation is only for symmetric encryption keys.", s.keyARN(k), k.Spec)
	}
	out := struct {
		KeyID                string `json:"KeyId"`
		KeyRotationEnabled   bool   `json:"KeyRotationEnabled"`
		RotationPeriodInDays *int   `json:"RotationPeriodInDays,omitempty"`
		NextRotationDate     *epoch `json:"NextRotationDate,omitempty"`
	}{KeyID: k.ID, KeyRotationEnabled: k.RotationEnabled}
	if k.RotationEnabled {
		days := k.RotationDays
		next := k.NextRotation
		// No material is rotated here; the date rolls forward as AWS's would.
		for !next.IsZero() && !next.After(s.now()) {
			next = next.AddDate(0, 0, days)
		}
		out.RotationPeriodInDays, out.NextRotationDate = &days, epochPtr(next)
	}
	return out, nil
}

// ---- policies ----

type kmsKeyPolicyInput struct {
	KeyID                          *string `json:"KeyId"`
	PolicyName                     *string `json:"PolicyName"`
	Policy                         *string `json:"Policy"`
	BypassPolicyLockoutSafetyCheck bool    `json:"BypassPolicyLockoutSafetyCheck"`
}

func (s *Server) kmsGetKeyPolicy(region string, in *kmsKeyPolicyInput) (any, error) {
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

func (s *Server) kmsPutKeyPolicy(region string, in *kmsKeyPolicyInput) (any, error) {
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

func (s *Server) kmsListKeyPolicies(region string, in *kmsKeyIDInput) (any, error) {
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

func (s *Server) kmsUpdateKeyDescription(region string, in *kmsUpdateKeyDescriptionInput) (any, error) {
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
func (s *Server) aliasTarget(region string, id *string, action string) (*kmsKey, error) {
	if id != nil && (strings.HasPrefix(*id, "alias/") || strings.Contains(*id, ":alias/")) {
		return nil, newError("ValidationException", "Aliases must refer to keys. Not aliases")
	}
	if err := checkKeyIDMember("targetKeyId", id); err != nil {
		return nil, err
	}
	return s.managedKey(region, id, action)
}

func (s *Server) kmsCreateAlias(region string, in *kmsAliasInput) (any, error) {
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

func (s *Server) kmsUpdateAlias(region string, in *kmsAliasInput) (any, error) {
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

func (s *Server) kmsDeleteAlias(region string, in *kmsAliasInput) (any, error) {
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
	AliasName       string `json:"AliasName"`
	AliasArn        string `json:"AliasArn"`
	TargetKeyID     string `json:"TargetKeyId,omitempty"`
	CreationDate    *epoch `json:"CreationDate,omitempty"`
	LastUpdatedDate *epoch `json:"LastUpdatedDate,omitempty"`
}

func (s *Server) kmsListAliases(region string, in *kmsListAliasesInput) (any, error) {
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
			CreationDate: epochPtr(a.Created), LastUpdatedDate: epochPtr(a.Updated)})
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

func (s *Server) kmsTagResource(region string, in *kmsTagResourceInput) (any, error) {
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

func (s *Server) kmsUntagResource(region string, in *kmsTagResourceInput) (any, error) {
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

func (s *Server) kmsListResourceTags(region string, in *kmsListResourceTagsInput) (any, error) {
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

// ---- ReplicateKey ----

type kmsReplicateKeyInput struct {
	KeyID                          *string  `json:"KeyId"`
	ReplicaRegion                  *string  `json:"ReplicaRegion"`
	Policy                         *string  `json:"Policy"`
	BypassPolicyLockoutSafetyCheck bool     `json:"BypassPolicyLockoutSafetyCheck"`
	Description                    *string  `json:"Description"`
	Tags                           []kmsTag `json:"Tags"`
}

func (s *Server) kmsReplicateKey(region string, in *kmsReplicateKeyInput) (any, error) {
	if in.ReplicaRegion == nil {
		return nil, validationError("replicaRegion", "Member must not be null", nil)
	}
	if !regionPattern.MatchString(*in.ReplicaRegion) {
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
func (s *Server) loadKMS(regions map[string]*kmsRegion) error {
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
		s.kms[region] = reg
	}
	return nil
}
