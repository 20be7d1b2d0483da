package kms

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
func (s *Service) cryptoKey(k *kmsKey, action string, direct bool) error {
	if direct {
		if err := s.customerManaged(k, action); err != nil {
			return err
		}
	}
	if err := s.usable(k); err != nil {
		return err
	}
	if err := s.storeUsable(k); err != nil {
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
