package postgres

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// scramIterations is the iteration count of the SCRAM-SHA-256 verifiers the rotator makes:
// PostgreSQL's default (scram_iterations = 4096).
const scramIterations = 4096

// scramSaltLength is the salt length PostgreSQL uses (SCRAM_DEFAULT_SALT_LEN).
const scramSaltLength = 16

// errNonASCIIPassword refuses passwords PostgreSQL would normalize with SASLprep before
// hashing: the verifier computed here would not match what the server expects.
var errNonASCIIPassword = errors.New("the password has non-ASCII characters; PostgreSQL normalizes those with SASLprep, " +
	"which this rotator does not implement, so it cannot compute the password's verifier (passwords from GetRandomPassword are ASCII)")

// scramVerifier returns the SCRAM-SHA-256 verifier PostgreSQL stores for password, in the
// form ALTER ROLE ... PASSWORD accepts and stores as is:
//
//	SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
//
// so that the password itself never reaches the server (RFC 5802, RFC 7677).
func scramVerifier(password string) (string, error) {
	salt := make([]byte, scramSaltLength)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("random salt: %w", err)
	}
	return scramVerifierWithSalt(password, salt, scramIterations)
}

func scramVerifierWithSalt(password string, salt []byte, iterations int) (string, error) {
	if err := checkASCII(password); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("PBKDF2: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	serverKey := hmacSHA256(salted, "Server Key")
	b64 := base64.StdEncoding.EncodeToString
	return "SCRAM-SHA-256$" + strconv.Itoa(iterations) + ":" + b64(salt) + "$" + b64(storedKey[:]) + ":" + b64(serverKey), nil
}

// md5Verifier returns the MD5 verifier PostgreSQL stores when password_encryption is md5
// (or the server predates SCRAM): "md5" followed by md5(password || username) in hex.
func md5Verifier(password, username string) (string, error) {
	if err := checkASCII(password); err != nil {
		return "", err
	}
	sum := md5.Sum([]byte(password + username))
	return "md5" + hex.EncodeToString(sum[:]), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// checkASCII accepts passwords SASLprep leaves unchanged: ASCII only. (SASLprep maps and
// normalizes non-ASCII characters; for ASCII it is the identity, and PostgreSQL uses the
// raw bytes of passwords it prohibits, such as those with control characters.)
func checkASCII(password string) error {
	for i := 0; i < len(password); i++ {
		if password[i] >= 0x80 {
			return errNonASCIIPassword
		}
	}
	return nil
}
