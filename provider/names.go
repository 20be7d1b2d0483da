package provider

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
)

// Generated names: a name_prefix plus a unique suffix, and the prefix recognised again on
// import. Both follow hashicorp/aws, so that names move across.

// secretUniqueName appends the suffix hashicorp/aws uses (timestamp to 1/10000 s, then 8 hex
// digits), so that names move across and import recognises the prefix.
func secretUniqueName(prefix string) string {
	ts := strings.Replace(time.Now().UTC().Format("20060102150405.0000"), ".", "", 1)
	var b [4]byte
	_, _ = rand.Read(b[:])
	return prefix + ts + hex.EncodeToString(b[:])
}

// secretGeneratedSuffix matches the suffix secretUniqueName adds.
var secretGeneratedSuffix = regexp.MustCompile(`[0-9]{18}[0-9a-f]{8}$`)

// secretPrefixFromName is the name_prefix a generated name was made from.
func secretPrefixFromName(name string) (string, bool) {
	if len(name) <= secretGeneratedSuffixLen || !secretGeneratedSuffix.MatchString(name) {
		return "", false
	}
	return name[:len(name)-secretGeneratedSuffixLen], true
}

// kmsUniqueSuffix is 26 characters, as hashicorp/aws's generated names: unique without a
// clock or counter.
func kmsUniqueSuffix() string {
	b := make([]byte, kmsAliasSuffixLen/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// kmsAliasGeneratedSuffix matches the suffix added to name_prefix: 26 hex digits here,
// 18 timestamp digits and 8 hex digits in hashicorp/aws.
var kmsAliasGeneratedSuffix = regexp.MustCompile(`[0-9a-f]{26}$`)

// kmsAliasPrefixFromName is the name_prefix an alias name was made from, if it looks made
// from one other than the default (used when neither name nor name_prefix is set).
func kmsAliasPrefixFromName(name string) (string, bool) {
	if len(name) <= len(kmsAliasPrefix)+kmsAliasSuffixLen || !kmsAliasGeneratedSuffix.MatchString(name) {
		return "", false
	}
	p := name[:len(name)-kmsAliasSuffixLen]
	return p, p != kmsDefaultAliasNamePrefix
}
