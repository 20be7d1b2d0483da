package sshkey

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// KeyType is the algorithm of the keys the rotator makes.
type KeyType string

// The key types (key_type; the SSH names ssh-ed25519, ssh-rsa and ecdsa-sha2-nistp256/384/521
// are accepted too).
const (
	KeyEd25519 KeyType = "ed25519"
	KeyRSA     KeyType = "rsa"
	KeyECDSA   KeyType = "ecdsa"
)

// Key sizes: RSA keys have at least MinRSABits (3072, NIST's 128-bit level), DefaultRSABits
// when key_bits is absent; ECDSA keys are 256 bits unless key_bits says 384 or 521.
const (
	MinRSABits       = 3072
	DefaultRSABits   = 3072
	maxRSABits       = 8192
	DefaultECDSABits = 256
)

// parseKeyType reads key_type and key_bits.
func parseKeyType(typ string, bits int) (KeyType, int, error) {
	t := strings.ToLower(strings.TrimSpace(typ))
	switch t {
	case "", "ed25519", "ssh-ed25519":
		if bits != 0 && bits != 256 {
			return "", 0, &rotation.FieldError{Field: FieldKeyBits, Problem: fmt.Sprintf("is %d; Ed25519 keys have no size to choose", bits)}
		}
		return KeyEd25519, 0, nil
	case "rsa", "ssh-rsa", "rsa-sha2-256", "rsa-sha2-512":
		if bits == 0 {
			bits = DefaultRSABits
		}
		if bits < MinRSABits || bits > maxRSABits {
			return "", 0, &rotation.FieldError{Field: FieldKeyBits, Problem: fmt.Sprintf("is %d; RSA keys must have %d to %d bits", bits, MinRSABits, maxRSABits)}
		}
		return KeyRSA, bits, nil
	case "ecdsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
		named := 0
		if n, ok := strings.CutPrefix(t, "ecdsa-sha2-nistp"); ok {
			fmt.Sscan(n, &named)
		}
		switch {
		case bits == 0 && named != 0:
			bits = named
		case bits == 0:
			bits = DefaultECDSABits
		case named != 0 && bits != named:
			return "", 0, &rotation.FieldError{Field: FieldKeyBits, Problem: fmt.Sprintf("is %d, but key_type is %s", bits, t)}
		}
		if bits != 256 && bits != 384 && bits != 521 {
			return "", 0, &rotation.FieldError{Field: FieldKeyBits, Problem: fmt.Sprintf("is %d; ECDSA keys have 256, 384 or 521 bits", bits)}
		}
		return KeyECDSA, bits, nil
	}
	return "", 0, &rotation.FieldError{Field: FieldKeyType, Problem: fmt.Sprintf("is %q, not ed25519, rsa or ecdsa", typ)}
}

// KeyPair is a new key: the private key in OpenSSH format ("-----BEGIN OPENSSH PRIVATE
// KEY-----") and the public key as an authorized_keys line without options.
type KeyPair struct {
	PrivateKeyPEM string
	PublicKey     ssh.PublicKey
	Comment       string
}

// AuthorizedKey is the public key line: type, base64 blob and comment.
func (k *KeyPair) AuthorizedKey() string { return authorizedKeyLine(k.PublicKey, k.Comment) }

// GenerateKey makes a key pair of the type (bits: 0 for the type's default). comment is
// stored in the private key and appended to the public key line.
func GenerateKey(typ KeyType, bits int, comment string) (*KeyPair, error) {
	var priv crypto.Signer
	var err error
	switch typ {
	case KeyEd25519, "":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case KeyRSA:
		if bits == 0 {
			bits = DefaultRSABits
		}
		if bits < MinRSABits {
			return nil, fmt.Errorf("generate an RSA key: %d bits is less than the minimum %d", bits, MinRSABits)
		}
		priv, err = rsa.GenerateKey(rand.Reader, bits)
	case KeyECDSA:
		var curve elliptic.Curve
		switch bits {
		case 0, 256:
			curve = elliptic.P256()
		case 384:
			curve = elliptic.P384()
		case 521:
			curve = elliptic.P521()
		default:
			return nil, fmt.Errorf("generate an ECDSA key: no curve of %d bits", bits)
		}
		priv, err = ecdsa.GenerateKey(curve, rand.Reader)
	default:
		return nil, fmt.Errorf("generate a key: unknown key type %q", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("generate a %s key: %w", typ, err)
	}
	block, err := ssh.MarshalPrivateKey(priv, comment)
	if err != nil {
		return nil, fmt.Errorf("encode the %s private key in OpenSSH format: %w", typ, err)
	}
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("encode the %s public key: %w", typ, err)
	}
	return &KeyPair{PrivateKeyPEM: string(pem.EncodeToMemory(block)), PublicKey: pub, Comment: comment}, nil
}

// authorizedKeyLine is "type base64 comment", without a newline.
func authorizedKeyLine(k ssh.PublicKey, comment string) string {
	line := string(bytes.TrimSuffix(ssh.MarshalAuthorizedKey(k), []byte("\n")))
	if comment != "" {
		line += " " + comment
	}
	return line
}

// sameKey reports whether two public keys are the same key.
func sameKey(a, b ssh.PublicKey) bool {
	return a != nil && b != nil && bytes.Equal(a.Marshal(), b.Marshal())
}

// fingerprint is the key's SHA256 fingerprint, as ssh-keygen -l prints it. Public, safe to log.
func fingerprint(k ssh.PublicKey) string {
	if k == nil {
		return ""
	}
	return ssh.FingerprintSHA256(k)
}
