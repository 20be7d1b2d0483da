package mysql

import (
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"filippo.io/edwards25519"
)

// The authentication plugins whose stored form the rotator computes itself, so that the new
// password never travels to the server, and never reaches its logs, as plaintext.
const (
	pluginNative  = "mysql_native_password"
	pluginEd25519 = "ed25519"
	// Plugins whose stored form is salted by the server: the password must be sent (see
	// setPasswordPlain).
	pluginCachingSHA2 = "caching_sha2_password"
	pluginSHA256      = "sha256_password"
)

// nativeHash is the authentication string of mysql_native_password (MySQL and MariaDB):
// "*" and the upper-case hex of SHA1(SHA1(password)), as PASSWORD() computes it.
func nativeHash(password string) string {
	a := sha1.Sum([]byte(password))
	b := sha1.Sum(a[:])
	return "*" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// ed25519Hash is the authentication string of MariaDB's ed25519 plugin: the Ed25519
// public key whose secret scalar is the clamped first half of SHA-512(password), base64
// without padding, as PASSWORD() computes it for an ed25519 account.
func ed25519Hash(password string) string {
	h := sha512.Sum512([]byte(password))
	s, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		panic(err) // only for an input that is not 32 bytes
	}
	pub := new(edwards25519.Point).ScalarBaseMult(s)
	return base64.RawStdEncoding.EncodeToString(pub.Bytes())
}

// hashFor returns the authentication string of password for plugin, and false for a
// plugin whose stored form the rotator cannot compute.
func hashFor(plugin, password string) (string, bool) {
	switch plugin {
	case pluginNative:
		return nativeHash(password), true
	case pluginEd25519:
		return ed25519Hash(password), true
	}
	return "", false
}
