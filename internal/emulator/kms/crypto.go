package emulator

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"slices"
)

// A ciphertext blob of the emulator is
//
//	"EKMS" | version (1) | len(key id) (1) | key id | nonce (12) | AES-256-GCM sealed plaintext
//
// It names its key, so that Decrypt needs no KeyId for symmetric keys, as in AWS. The key id
// and the encryption context are authenticated as additional data: a blob cannot be moved to
// another key, and decrypting with another context fails.
const (
	blobMagic   = "EKMS"
	blobVersion = 1
	nonceLen    = 12
)

// kmsAAD binds a ciphertext to its key id and encryption context. The context is encoded
// as a sorted JSON list of pairs, which is unambiguous whatever the keys and values hold.
func kmsAAD(keyID string, ctx map[string]string) []byte {
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([][2]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, [2]string{k, ctx[k]})
	}
	enc, _ := json.Marshal(pairs)
	return append([]byte(blobMagic+keyID+"\x00"), enc...)
}

func gcmFor(material []byte) cipher.AEAD {
	block, err := aes.NewCipher(material)
	if err != nil {
		panic("kms: key material is not an AES-256 key") // materials are made here, 32 bytes
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic("kms: " + err.Error())
	}
	return aead
}

// kmsSeal encrypts plaintext under k. k must be a symmetric key with material.
func kmsSeal(k *kmsKey, plaintext []byte, ctx map[string]string) []byte {
	nonce := randomBytes(nonceLen)
	var b bytes.Buffer
	b.WriteString(blobMagic)
	b.WriteByte(blobVersion)
	b.WriteByte(byte(len(k.ID)))
	b.WriteString(k.ID)
	b.Write(nonce)
	return gcmFor(k.Material).Seal(b.Bytes(), nonce, plaintext, kmsAAD(k.ID, ctx))
}

// blobKeyID returns the key id a blob names, or false when the blob is not one of ours.
func blobKeyID(blob []byte) (string, bool) {
	head := len(blobMagic) + 2
	if len(blob) < head || string(blob[:len(blobMagic)]) != blobMagic || blob[len(blobMagic)] != blobVersion {
		return "", false
	}
	n := int(blob[len(blobMagic)+1])
	if len(blob) < head+n+nonceLen+16 {
		return "", false
	}
	return string(blob[head : head+n]), true
}

// kmsOpen decrypts a blob made by kmsSeal under k (or a replica of k).
func kmsOpen(k *kmsKey, blob []byte, ctx map[string]string) ([]byte, error) {
	id, ok := blobKeyID(blob)
	if !ok || id != k.ID || len(k.Material) == 0 {
		return nil, errInvalidCiphertext()
	}
	start := len(blobMagic) + 2 + len(id)
	nonce := blob[start : start+nonceLen]
	pt, err := gcmFor(k.Material).Open(nil, nonce, blob[start+nonceLen:], kmsAAD(id, ctx))
	if err != nil {
		return nil, errInvalidCiphertext()
	}
	return pt, nil
}

// errInvalidCiphertext: AWS gives no message with InvalidCiphertextException, whether the blob
// is corrupt or the encryption context differs.
func errInvalidCiphertext() error { return newError("InvalidCiphertextException", "") }

func errCiphertextKeyUnknown() error {
	return newError("AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.")
}

// ---- key checks of the cryptographic operations ----

// cryptoKey checks that k can encrypt and decrypt: enabled, ENCRYPT_DECRYPT, symmetric, and
// (for direct calls) customer managed.
func (s *Server) cryptoKey(k *kmsKey, action string, direct bool) error {
	if direct {
		if err := s.customerManaged(k, action); err != nil {
			return err
		}
	}
	if err := s.usable(k); err != nil {
		return err
	}
	if k.Usage != usageEncrypt {
		return newError("InvalidKeyUsageException", "%s key usage is %s which is not valid for %s.", s.keyARN(k), k.Usage, action)
	}
	if k.Spec != specSymmetric {
		return newError("UnsupportedOperationException", "The emulator implements symmetric encryption only; %s is a %s key.", s.keyARN(k), k.Spec)
	}
	return nil
}

func checkEncryptionAlgorithm(alg *string) error {
	if alg != nil && *alg != "SYMMETRIC_DEFAULT" {
		return newError("InvalidKeyUsageException", "The encryption algorithm %s is not compatible with symmetric encryption keys.", *alg)
	}
	return nil
}

func errDryRun() error {
	return newError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
}

func checkEncryptionContext(member string, ctx map[string]string) error {
	for k := range ctx {
		if k == "" {
			return validationError(member+".key", "Member must have length greater than or equal to 1", nil)
		}
	}
	return nil
}

// ---- Encrypt / Decrypt / ReEncrypt ----

type kmsEncryptInput struct {
	KeyID               *string           `json:"KeyId"`
	Plaintext           []byte            `json:"Plaintext"`
	EncryptionContext   map[string]string `json:"EncryptionContext"`
	GrantTokens         []string          `json:"GrantTokens"`
	EncryptionAlgorithm *string           `json:"EncryptionAlgorithm"`
	DryRun              bool              `json:"DryRun"`
}

type kmsCiphertextOutput struct {
	CiphertextBlob      []byte `json:"CiphertextBlob"`
	KeyID               string `json:"KeyId"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

func (s *Server) kmsEncrypt(region string, in *kmsEncryptInput) (any, error) {
	if in.Plaintext == nil {
		return nil, validationError("plaintext", "Member must not be null", nil)
	}
	// Plaintext is sensitive: AWS leaves its value out of validation messages.
	if len(in.Plaintext) < 1 || len(in.Plaintext) > maxKMSPlaintext {
		return nil, sensitiveValidationError("plaintext", "Member must have length between 1 and 4096")
	}
	if err := checkEncryptionContext("encryptionContext", in.EncryptionContext); err != nil {
		return nil, err
	}
	if err := checkEncryptionAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	k, err := s.findKey(region, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(k, "Encrypt", true); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	return &kmsCiphertextOutput{CiphertextBlob: kmsSeal(k, in.Plaintext, in.EncryptionContext), KeyID: s.keyARN(k), EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

type kmsDecryptInput struct {
	CiphertextBlob      []byte            `json:"CiphertextBlob"`
	EncryptionContext   map[string]string `json:"EncryptionContext"`
	GrantTokens         []string          `json:"GrantTokens"`
	KeyID               *string           `json:"KeyId"`
	EncryptionAlgorithm *string           `json:"EncryptionAlgorithm"`
	DryRun              bool              `json:"DryRun"`
}

func checkCiphertextBlob(member string, blob []byte) error {
	if blob == nil {
		return validationError(member, "Member must not be null", nil)
	}
	if len(blob) < 1 || len(blob) > maxKMSCiphertext {
		return sensitiveValidationError(member, "Member must have length between 1 and 6144")
	}
	return nil
}

// decryptKey finds the key of a blob: the one named in the request, which must be the
// blob's, or else the one the blob names.
func (s *Server) decryptKey(region string, blob []byte, keyID *string) (*kmsKey, error) {
	id, ok := blobKeyID(blob)
	if keyID != nil {
		k, err := s.findKey(region, keyID, true)
		if err != nil {
			return nil, err
		}
		if ok && id != k.ID {
			return nil, newError("IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
		}
		if !ok {
			return nil, errInvalidCiphertext()
		}
		return k, nil
	}
	if !ok {
		return nil, errInvalidCiphertext()
	}
	s.kmsExpire()
	k := s.kmsRegion(region).Keys[id]
	if k == nil {
		return nil, errCiphertextKeyUnknown()
	}
	return k, nil
}

func (s *Server) kmsDecrypt(region string, in *kmsDecryptInput) (any, error) {
	if err := checkCiphertextBlob("ciphertextBlob", in.CiphertextBlob); err != nil {
		return nil, err
	}
	if err := checkEncryptionAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	k, err := s.decryptKey(region, in.CiphertextBlob, in.KeyID)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(k, "Decrypt", true); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	pt, err := kmsOpen(k, in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return struct {
		KeyID               string `json:"KeyId"`
		Plaintext           []byte `json:"Plaintext"`
		EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
	}{s.keyARN(k), pt, "SYMMETRIC_DEFAULT"}, nil
}

type kmsReEncryptInput struct {
	CiphertextBlob                 []byte            `json:"CiphertextBlob"`
	SourceEncryptionContext        map[string]string `json:"SourceEncryptionContext"`
	SourceKeyID                    *string           `json:"SourceKeyId"`
	DestinationKeyID               *string           `json:"DestinationKeyId"`
	DestinationEncryptionContext   map[string]string `json:"DestinationEncryptionContext"`
	SourceEncryptionAlgorithm      *string           `json:"SourceEncryptionAlgorithm"`
	DestinationEncryptionAlgorithm *string           `json:"DestinationEncryptionAlgorithm"`
	GrantTokens                    []string          `json:"GrantTokens"`
	DryRun                         bool              `json:"DryRun"`
}

func (s *Server) kmsReEncrypt(region string, in *kmsReEncryptInput) (any, error) {
	if err := checkCiphertextBlob("ciphertextBlob", in.CiphertextBlob); err != nil {
		return nil, err
	}
	if err := checkKeyIDMember("destinationKeyId", in.DestinationKeyID); err != nil {
		return nil, err
	}
	for _, alg := range []*string{in.SourceEncryptionAlgorithm, in.DestinationEncryptionAlgorithm} {
		if err := checkEncryptionAlgorithm(alg); err != nil {
			return nil, err
		}
	}
	src, err := s.decryptKey(region, in.CiphertextBlob, in.SourceKeyID)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(src, "ReEncryptFrom", true); err != nil {
		return nil, err
	}
	dst, err := s.findKey(region, in.DestinationKeyID, true)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(dst, "ReEncryptTo", true); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	pt, err := kmsOpen(src, in.CiphertextBlob, in.SourceEncryptionContext)
	if err != nil {
		return nil, err
	}
	return struct {
		CiphertextBlob                 []byte `json:"CiphertextBlob"`
		SourceKeyID                    string `json:"SourceKeyId"`
		KeyID                          string `json:"KeyId"`
		SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
		DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
	}{kmsSeal(dst, pt, in.DestinationEncryptionContext), s.keyARN(src), s.keyARN(dst), "SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT"}, nil
}

// ---- data keys and random bytes ----

type kmsGenerateDataKeyInput struct {
	KeyID             *string           `json:"KeyId"`
	EncryptionContext map[string]string `json:"EncryptionContext"`
	NumberOfBytes     *int64            `json:"NumberOfBytes"`
	KeySpec           *string           `json:"KeySpec"`
	GrantTokens       []string          `json:"GrantTokens"`
	DryRun            bool              `json:"DryRun"`
}

type kmsDataKeyOutput struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
	KeyID          string `json:"KeyId"`
}

func (s *Server) generateDataKey(region string, in *kmsGenerateDataKeyInput, action string) (*kmsDataKeyOutput, error) {
	n := 0
	switch {
	case (in.NumberOfBytes == nil) == (in.KeySpec == nil):
		return nil, newError("ValidationException", "Please specify either number of bytes or key spec.")
	case in.NumberOfBytes != nil:
		if *in.NumberOfBytes < 1 || *in.NumberOfBytes > 1024 {
			return nil, validationError("numberOfBytes", "Member must have value between 1 and 1024", *in.NumberOfBytes)
		}
		n = int(*in.NumberOfBytes)
	case *in.KeySpec == "AES_256":
		n = 32
	case *in.KeySpec == "AES_128":
		n = 16
	default:
		return nil, validationError("keySpec", "Member must satisfy enum value set: [AES_256, AES_128]", *in.KeySpec)
	}
	if err := checkEncryptionContext("encryptionContext", in.EncryptionContext); err != nil {
		return nil, err
	}
	k, err := s.findKey(region, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(k, action, true); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	dk := randomBytes(n)
	return &kmsDataKeyOutput{CiphertextBlob: kmsSeal(k, dk, in.EncryptionContext), Plaintext: dk, KeyID: s.keyARN(k)}, nil
}

func (s *Server) kmsGenerateDataKey(region string, in *kmsGenerateDataKeyInput) (any, error) {
	return s.generateDataKey(region, in, "GenerateDataKey")
}

func (s *Server) kmsGenerateDataKeyWithoutPlaintext(region string, in *kmsGenerateDataKeyInput) (any, error) {
	out, err := s.generateDataKey(region, in, "GenerateDataKeyWithoutPlaintext")
	if err != nil {
		return nil, err
	}
	out.Plaintext = nil
	return out, nil
}

type kmsGenerateRandomInput struct {
	NumberOfBytes *int64 `json:"NumberOfBytes"`
}

func (s *Server) kmsGenerateRandom(_ string, in *kmsGenerateRandomInput) (any, error) {
	if in.NumberOfBytes == nil {
		return nil, newError("ValidationException", "NumberOfBytes is required.")
	}
	if *in.NumberOfBytes < 1 || *in.NumberOfBytes > 1024 {
		return nil, validationError("numberOfBytes", "Member must have value between 1 and 1024", *in.NumberOfBytes)
	}
	return struct {
		Plaintext []byte `json:"Plaintext"`
	}{randomBytes(int(*in.NumberOfBytes))}, nil
}

// ---- use by other services ----

// serviceEncrypt encrypts for an AWS service (Secrets Manager) under keyRef: a key id, key
// ARN, alias name or alias ARN, or "" for the service's AWS managed key. The service calls
// KMS on the caller's behalf, which the AWS managed key's policy allows.
func (s *Server) serviceEncrypt(region, keyRef string, plaintext []byte, ctx map[string]string) ([]byte, error) {
	var k *kmsKey
	if keyRef == "" || keyRef == secretsManagerAlias {
		k = s.secretsManagerKey(region)
	} else {
		var err error
		if k, err = s.findKey(region, &keyRef, true); err != nil {
			return nil, err
		}
	}
	if err := s.cryptoKey(k, "GenerateDataKey", false); err != nil {
		return nil, err
	}
	return kmsSeal(k, plaintext, ctx), nil
}

// serviceDecrypt decrypts a blob made by serviceEncrypt in region.
func (s *Server) serviceDecrypt(region string, blob []byte, ctx map[string]string) ([]byte, error) {
	k, err := s.decryptKey(region, blob, nil)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(k, "Decrypt", false); err != nil {
		return nil, err
	}
	return kmsOpen(k, blob, ctx)
}
