package sshkey

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// The fields of an SSH key secret (see the package documentation and README.md).
const (
	FieldHost               = "host"
	FieldHosts              = "hosts"
	FieldPort               = "port"
	FieldUsername           = "username"
	FieldPrivateKey         = "private_key"
	FieldPublicKey          = "public_key"
	FieldKeyType            = "key_type"
	FieldKeyBits            = "key_bits"
	FieldKnownHosts         = "known_hosts"
	FieldAuthorizedKeys     = "authorized_keys"
	FieldReplacedPublicKeys = "replaced_public_keys"
	FieldMasterARN          = rotation.FieldMasterARN
	// FieldSFTPCommand is a master secret's command that speaks SFTP on its standard input
	// and output ("sudo -n /usr/lib/openssh/sftp-server"), used instead of the sftp
	// subsystem.
	FieldSFTPCommand = "sftp_command"

	// The field names of the AWS sample (aws-samples/aws-secrets-manager-ssh-key-rotation),
	// read and written when a secret uses them instead of private_key and public_key.
	FieldSamplePrivateKey = "PrivateKey"
	FieldSamplePublicKey  = "PublicKey"
)

// DefaultPort is the SSH port used when neither the host nor the secret names one.
const DefaultPort = 22

// DefaultAuthorizedKeys is the authorized_keys path when the secret has none: relative to
// the user's home directory, as sshd's default AuthorizedKeysFile.
const DefaultAuthorizedKeys = ".ssh/authorized_keys"

// Host is one server the key is installed on.
type Host struct {
	Name string // the host name or address, as in the secret
	Port int
}

// Addr is host:port, the form dialled and looked up in known_hosts.
func (h Host) Addr() string { return net.JoinHostPort(h.Name, strconv.Itoa(h.Port)) }

func (h Host) String() string { return h.Addr() }

// Config is the typed view of an SSH key secret. The secret itself (every other field
// included) stays in Secret.
type Config struct {
	Hosts    []Host
	Username string
	// Signer is the secret's private key; PublicKey its public half (derived from the
	// private key, never taken from the public_key field).
	Signer     ssh.Signer
	KeyType    KeyType // of the next key
	KeyBits    int     // of the next key; 0 for the type's default
	KnownHosts string  // known_hosts lines
	// AuthorizedKeys is the secret's path template (%h, %u, %%, ~/ or relative to the
	// home); "" when the secret has none (the function's configuration decides).
	AuthorizedKeys string
	MasterARN      string
	// Replaced are the public keys of the two versions before this one
	// (replaced_public_keys, written by the rotator): the keys a later finishSecret removes.
	Replaced []ssh.PublicKey

	// privField and pubField are the names the secret uses for its keys.
	privField, pubField string
	Secret              *rotation.Secret
}

// PublicKey is the public half of the secret's private key.
func (c *Config) PublicKey() ssh.PublicKey { return c.Signer.PublicKey() }

// ParseKey reads only the key fields of a secret: the private key (private_key, or the AWS
// sample's PrivateKey) and replaced_public_keys. It is enough for an old version, which may
// have been written by hand or by another rotator.
func ParseKey(s *rotation.Secret) (*Config, error) {
	c := &Config{Secret: s, privField: FieldPrivateKey, pubField: FieldPublicKey}
	if !s.Has(FieldPrivateKey) && s.Has(FieldSamplePrivateKey) {
		c.privField, c.pubField = FieldSamplePrivateKey, FieldSamplePublicKey
	}
	pem, err := s.GetString(c.privField)
	if err != nil {
		return nil, err
	}
	if c.Signer, err = parsePrivateKey(c.privField, pem); err != nil {
		return nil, err
	}
	lines, err := stringOrLines(s, FieldReplacedPublicKeys)
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(lines, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, &rotation.FieldError{Field: FieldReplacedPublicKeys, Problem: "has a line that is not a public key in authorized_keys format: " + err.Error()}
		}
		c.Replaced = append(c.Replaced, k)
	}
	return c, nil
}

// ParseSecret reads and checks an SSH key secret: hosts, username, private key, key type
// and known_hosts are required (key_type has a default). Errors are *rotation.FieldError
// naming the field, never quoting a key.
func ParseSecret(s *rotation.Secret) (*Config, error) {
	c, err := ParseKey(s)
	if err != nil {
		return nil, err
	}
	if c.Username, err = s.GetString(FieldUsername); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.Username) == "" || strings.ContainsAny(c.Username, " \t\r\n:/") {
		return nil, &rotation.FieldError{Field: FieldUsername, Problem: "is not a user name"}
	}
	port := DefaultPort
	if s.Has(FieldPort) {
		if port, err = s.GetInt(FieldPort); err != nil {
			return nil, err
		}
		if port < 1 || port > 65535 {
			return nil, &rotation.FieldError{Field: FieldPort, Problem: fmt.Sprintf("is %d, not a TCP port", port)}
		}
	}
	if c.Hosts, err = parseHosts(s, port); err != nil {
		return nil, err
	}
	typ, err := s.StringOr(FieldKeyType, string(KeyEd25519))
	if err != nil {
		return nil, err
	}
	bits := 0
	if s.Has(FieldKeyBits) {
		if bits, err = s.GetInt(FieldKeyBits); err != nil {
			return nil, err
		}
	}
	if c.KeyType, c.KeyBits, err = parseKeyType(typ, bits); err != nil {
		return nil, err
	}
	if c.KnownHosts, err = stringOrLines(s, FieldKnownHosts); err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.KnownHosts) == "" {
		return nil, &rotation.FieldError{Field: FieldKnownHosts, Problem: "is empty: every host key is verified; add the hosts' known_hosts lines (ssh-keyscan output you checked)"}
	}
	if _, err := newHostKeyChecker(c.KnownHosts); err != nil {
		return nil, &rotation.FieldError{Field: FieldKnownHosts, Problem: "is not in known_hosts format: " + err.Error()}
	}
	if c.AuthorizedKeys, err = s.StringOr(FieldAuthorizedKeys, ""); err != nil {
		return nil, err
	}
	c.AuthorizedKeys = strings.TrimSpace(c.AuthorizedKeys)
	if err := checkPathTemplate(c.AuthorizedKeys); err != nil {
		return nil, &rotation.FieldError{Field: FieldAuthorizedKeys, Problem: err.Error()}
	}
	if c.MasterARN, err = s.StringOr(FieldMasterARN, ""); err != nil {
		return nil, err
	}
	return c, nil
}

// Master is the typed view of a master secret (alternating mode): the account that logs
// in to install the user's keys.
type Master struct {
	Username    string
	Signer      ssh.Signer
	KnownHosts  string // optional extra known_hosts lines
	SFTPCommand string // optional; the sftp subsystem otherwise
}

// ParseMaster reads a master secret: username and private_key (or PrivateKey) are
// required; known_hosts and sftp_command are optional.
func ParseMaster(s *rotation.Secret) (*Master, error) {
	k, err := ParseKey(s)
	if err != nil {
		return nil, err
	}
	m := &Master{Signer: k.Signer}
	if m.Username, err = s.GetString(FieldUsername); err != nil {
		return nil, err
	}
	if strings.TrimSpace(m.Username) == "" {
		return nil, &rotation.FieldError{Field: FieldUsername, Problem: "is empty"}
	}
	if m.KnownHosts, err = stringOrLines(s, FieldKnownHosts); err != nil {
		return nil, err
	}
	if m.SFTPCommand, err = s.StringOr(FieldSFTPCommand, ""); err != nil {
		return nil, err
	}
	return m, nil
}

func parsePrivateKey(field, pem string) (ssh.Signer, error) {
	if strings.TrimSpace(pem) == "" {
		return nil, &rotation.FieldError{Field: field, Problem: "is empty"}
	}
	signer, err := ssh.ParsePrivateKey([]byte(pem))
	if err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, &rotation.FieldError{Field: field, Problem: "is encrypted with a passphrase; store the key unencrypted (Secrets Manager encrypts the secret)"}
		}
		// The parser's messages describe the format, never the key material.
		return nil, &rotation.FieldError{Field: field, Problem: "is not a private key in OpenSSH or PEM format: " + err.Error()}
	}
	return signer, nil
}

// parseHosts reads host and hosts: a string, a JSON array of strings, or (hosts) a string
// of names separated by commas or white space. Each may carry a port ("name:2222",
// "[::1]:2222").
func parseHosts(s *rotation.Secret, defPort int) ([]Host, error) {
	var names []struct{ field, name string }
	for _, field := range []string{FieldHost, FieldHosts} {
		raw, ok := s.Raw(field)
		if !ok || isJSONNull(raw) {
			continue
		}
		var list []string
		var one string
		switch {
		case json.Unmarshal(raw, &list) == nil:
		case json.Unmarshal(raw, &one) == nil:
			list = strings.FieldsFunc(one, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		default:
			return nil, &rotation.FieldError{Field: field, Problem: "is neither a string nor an array of strings"}
		}
		for _, n := range list {
			names = append(names, struct{ field, name string }{field, strings.TrimSpace(n)})
		}
	}
	if len(names) == 0 {
		return nil, &rotation.FieldError{Field: FieldHosts, Problem: "is missing (give host or hosts)"}
	}
	var hosts []Host
	seen := map[string]bool{}
	for _, n := range names {
		h, err := parseHost(n.name, defPort)
		if err != nil {
			return nil, &rotation.FieldError{Field: n.field, Problem: err.Error()}
		}
		if !seen[h.Addr()] {
			seen[h.Addr()] = true
			hosts = append(hosts, h)
		}
	}
	return hosts, nil
}

func parseHost(s string, defPort int) (Host, error) {
	if s == "" {
		return Host{}, errors.New("has an empty host name")
	}
	if strings.ContainsAny(s, " \t\r\n/@") {
		return Host{}, fmt.Errorf("has %q, not a host name or host:port", s)
	}
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
				return Host{Name: s[1 : len(s)-1], Port: defPort}, nil
			}
			return Host{}, fmt.Errorf("has %q: %v", s, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 1 || p > 65535 {
			return Host{}, fmt.Errorf("has %q: port %q is not a TCP port", s, port)
		}
		if host == "" {
			return Host{}, fmt.Errorf("has %q without a host name", s)
		}
		return Host{Name: host, Port: p}, nil
	}
	return Host{Name: s, Port: defPort}, nil // a name, an IPv4 address or a bare IPv6 address
}

// stringOrLines reads a string field, or an array of strings joined by newlines; "" when
// absent.
func stringOrLines(s *rotation.Secret, field string) (string, error) {
	raw, ok := s.Raw(field)
	if !ok || isJSONNull(raw) {
		return "", nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one, nil
	}
	var lines []string
	if json.Unmarshal(raw, &lines) == nil {
		return strings.Join(lines, "\n"), nil
	}
	return "", &rotation.FieldError{Field: field, Problem: "is neither a string nor an array of strings"}
}

func isJSONNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }
