package kms

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// kmsOperations is the KMS API (X-Amz-Target "TrentService.<Op>"). Handlers run with Server.mu held.
// DescribeKey is mutating because naming aws/secretsmanager creates that key. Reads may purge
// keys whose waiting period is over; that is not saved at once, since a restart purges them
// again.
var kmsOperations = map[string]operation{
	"CreateKey":                       op((*Service).kmsCreateKey, true),
	"DescribeKey":                     op((*Service).kmsDescribeKey, true),
	"ListKeys":                        op((*Service).kmsListKeys, false),
	"EnableKey":                       op((*Service).kmsEnableKey, true),
	"DisableKey":                      op((*Service).kmsDisableKey, true),
	"ScheduleKeyDeletion":             op((*Service).kmsScheduleKeyDeletion, true),
	"CancelKeyDeletion":               op((*Service).kmsCancelKeyDeletion, true),
	"EnableKeyRotation":               op((*Service).kmsEnableKeyRotation, true),
	"DisableKeyRotation":              op((*Service).kmsDisableKeyRotation, true),
	"GetKeyRotationStatus":            op((*Service).kmsGetKeyRotationStatus, false),
	"GetKeyPolicy":                    op((*Service).kmsGetKeyPolicy, false),
	"PutKeyPolicy":                    op((*Service).kmsPutKeyPolicy, true),
	"ListKeyPolicies":                 op((*Service).kmsListKeyPolicies, false),
	"UpdateKeyDescription":            op((*Service).kmsUpdateKeyDescription, true),
	"CreateAlias":                     op((*Service).kmsCreateAlias, true),
	"UpdateAlias":                     op((*Service).kmsUpdateAlias, true),
	"DeleteAlias":                     op((*Service).kmsDeleteAlias, true),
	"ListAliases":                     op((*Service).kmsListAliases, false),
	"TagResource":                     op((*Service).kmsTagResource, true),
	"UntagResource":                   op((*Service).kmsUntagResource, true),
	"ListResourceTags":                op((*Service).kmsListResourceTags, false),
	"ReplicateKey":                    op((*Service).kmsReplicateKey, true),
	"Encrypt":                         op((*Service).kmsEncrypt, false),
	"Decrypt":                         op((*Service).kmsDecrypt, false),
	"ReEncrypt":                       op((*Service).kmsReEncrypt, false),
	"GenerateDataKey":                 op((*Service).kmsGenerateDataKey, false),
	"GenerateDataKeyWithoutPlaintext": op((*Service).kmsGenerateDataKeyWithoutPlaintext, false),
	"GenerateRandom":                  op((*Service).kmsGenerateRandom, false),
	"CreateCustomKeyStore":            op((*Service).kmsCreateCustomKeyStore, true),
	"DescribeCustomKeyStores":         op((*Service).kmsDescribeCustomKeyStores, false),
	"ConnectCustomKeyStore":           op((*Service).kmsConnectCustomKeyStore, true),
	"DisconnectCustomKeyStore":        op((*Service).kmsDisconnectCustomKeyStore, true),
	"DeleteCustomKeyStore":            op((*Service).kmsDeleteCustomKeyStore, true),
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

// kmsRegion is the KMS state of one region. The state file holds its Snapshot (snapshot.go).
type kmsRegion struct {
	Keys    map[string]*kmsKey         // by key id
	Aliases map[string]*kmsAlias       // by alias name
	Stores  map[string]*customKeyStore // custom key stores, by id
}

// kmsTag is a tag in the shape of KMS's API (TagKey, TagValue), which the model keeps.
type kmsTag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type kmsAlias struct {
	Name        string
	TargetKeyID string
	Created     time.Time
	Updated     time.Time
}

// kmsKey is a KMS key in one region. The replicas of a multi-Region key are kmsKeys of the
// same id in other regions, with the same key material.
type kmsKey struct {
	ID          string
	Region      string
	Created     time.Time
	Description string
	Usage       string
	Spec        string
	Manager     string
	State       string
	// DeletionDate is set in PendingDeletion; PendingDays is the waiting period asked for.
	DeletionDate time.Time
	PendingDays  int

	MultiRegion bool
	// PrimaryRegion is the region of the primary key of a multi-Region key; Replicas, on the
	// primary only, the regions of its replicas in the order they were made.
	PrimaryRegion string
	Replicas      []string

	Policy string
	Tags   []kmsTag

	RotationEnabled bool
	RotationDays    int
	NextRotation    time.Time

	// Material is the AES-256 key of a SYMMETRIC_DEFAULT key. It never leaves the emulator
	// except in the state file, which is as sensitive as the keys it holds.
	Material   []byte
	MaterialID string

	// Origin is AWS_KMS, or AWS_CLOUDHSM / EXTERNAL_KEY_STORE for a key in a custom key
	// store (CustomKeyStoreID); XksKeyID is the external key of an external key store's key.
	Origin           string
	CustomKeyStoreID string
	XksKeyID         string
}

func (k *kmsKey) isPrimary() bool { return k.MultiRegion && k.PrimaryRegion == k.Region }
func (k *kmsKey) isReplica() bool { return k.MultiRegion && k.PrimaryRegion != k.Region }
func (k *kmsKey) pending() bool {
	return k.State == keyPendingDeletion || k.State == keyPendingReplicaDeletion
}

func (s *Service) keyARN(k *kmsKey) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", k.Region, s.account, k.ID)
}

func (s *Service) aliasARN(region, name string) string {
	return fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, s.account, name)
}

func (s *Service) kmsRegion(region string) *kmsRegion {
	r := s.regions[region]
	if r == nil {
		r = &kmsRegion{Keys: map[string]*kmsKey{}, Aliases: map[string]*kmsAlias{}, Stores: map[string]*customKeyStore{}}
		s.regions[region] = r
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
func (s *Service) findKey(region string, id *string, aliases bool) (*kmsKey, error) {
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
func (s *Service) keyByAlias(region, name string) (*kmsKey, error) {
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
func (s *Service) secretsManagerKey(region string) *kmsKey {
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

func (s *Service) newSymmetricKey(region string, multiRegion bool) *kmsKey {
	k := &kmsKey{
		ID: awsapi.NewUUID(), Region: region, Created: s.now(), Usage: usageEncrypt, Spec: specSymmetric,
		Manager: managerCustomer, State: keyEnabled, Material: randomBytes(32), MaterialID: hex.EncodeToString(randomBytes(32)),
		Origin: originKMS,
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
func (s *Service) kmsExpire() {
	now := s.now()
	for changed := true; changed; {
		changed = false
		for region, reg := range s.regions {
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
func (s *Service) dropReplica(replica *kmsKey, region string) {
	primaryReg := s.regions[replica.PrimaryRegion]
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
func (s *Service) usable(k *kmsKey) error {
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
func (s *Service) notPending(k *kmsKey) error {
	if k.pending() {
		return s.errPendingDeletion(k)
	}
	return nil
}

func (s *Service) errPendingDeletion(k *kmsKey) error {
	return newError("KMSInvalidStateException", "%s is pending deletion.", s.keyARN(k))
}

// customerManaged refuses to change AWS managed keys. Their key policy allows the account
// only kms:Describe*, kms:Get*, kms:List* and kms:RevokeGrant, and cryptographic operations
// only through the service (kms:ViaService), so AWS denies everything else.
func (s *Service) customerManaged(k *kmsKey, action string) error {
	if k.Manager != managerAWS {
		return nil
	}
	return newError("AccessDeniedException",
		"User: arn:aws:iam::%s:root is not authorized to perform: kms:%s on resource: %s because no resource-based policy allows the kms:%s action",
		s.account, action, s.keyARN(k), action)
}
