package kms

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

func (s *Service) kmsEncrypt(region string, in *kmsEncryptInput) (any, error) {
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
func (s *Service) decryptKey(region string, blob []byte, keyID *string) (*kmsKey, error) {
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

func (s *Service) kmsDecrypt(region string, in *kmsDecryptInput) (any, error) {
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

func (s *Service) kmsReEncrypt(region string, in *kmsReEncryptInput) (any, error) {
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

func (s *Service) generateDataKey(region string, in *kmsGenerateDataKeyInput, action string) (*kmsDataKeyOutput, error) {
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

func (s *Service) kmsGenerateDataKey(region string, in *kmsGenerateDataKeyInput) (any, error) {
	return s.generateDataKey(region, in, "GenerateDataKey")
}

func (s *Service) kmsGenerateDataKeyWithoutPlaintext(region string, in *kmsGenerateDataKeyInput) (any, error) {
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

func (s *Service) kmsGenerateRandom(_ string, in *kmsGenerateRandomInput) (any, error) {
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
func (s *Service) serviceEncrypt(region, keyRef string, plaintext []byte, ctx map[string]string) ([]byte, error) {
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
func (s *Service) serviceDecrypt(region string, blob []byte, ctx map[string]string) ([]byte, error) {
	k, err := s.decryptKey(region, blob, nil)
	if err != nil {
		return nil, err
	}
	if err := s.cryptoKey(k, "Decrypt", false); err != nil {
		return nil, err
	}
	return kmsOpen(k, blob, ctx)
}
