package sshkey_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

const testKnownHosts = "[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDyTzhxqyYKQWfQRxNIlWQcSoyj4oj33WUU2wVPxwWSo\n"

func parse(t *testing.T, fields map[string]any) (*sshkey.Config, error) {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rotation.ParseSecret(b)
	if err != nil {
		t.Fatal(err)
	}
	return sshkey.ParseSecret(s)
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	k := newKey(t)
	_, raw, _ := ed25519.GenerateKey(rand.Reader)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(raw, "", []byte("pass phrase"))
	if err != nil {
		t.Fatal(err)
	}
	encrypted := string(pem.EncodeToMemory(block))
	base := func() map[string]any {
		return map[string]any{"host": "h1.example", "username": "deploy", "private_key": k.pem, "known_hosts": testKnownHosts}
	}
	with := func(changes map[string]any) map[string]any {
		m := base()
		for n, v := range changes {
			if v == nil {
				delete(m, n)
			} else {
				m[n] = v
			}
		}
		return m
	}
	ok := []struct {
		name   string
		fields map[string]any
		hosts  string
		typ    sshkey.KeyType
		bits   int
		path   string
	}{
		{"defaults", base(), "[h1.example:22]", sshkey.KeyEd25519, 0, ""},
		{"host and hosts, ports, duplicates", with(map[string]any{"port": "2222", "hosts": []string{"h2:2200", "[::1]:23", "h1.example", "fe80::1"}}),
			"[h1.example:2222 h2:2200 [::1]:23 [fe80::1]:2222]", sshkey.KeyEd25519, 0, ""},
		{"hosts as a comma list", with(map[string]any{"host": nil, "hosts": "a, b:2 c", "port": 2022}), "[a:2022 b:2 c:2022]", sshkey.KeyEd25519, 0, ""},
		{"rsa default size", with(map[string]any{"key_type": "RSA"}), "[h1.example:22]", sshkey.KeyRSA, 3072, ""},
		{"rsa 4096", with(map[string]any{"key_type": "ssh-rsa", "key_bits": "4096"}), "[h1.example:22]", sshkey.KeyRSA, 4096, ""},
		{"ecdsa by SSH name", with(map[string]any{"key_type": "ecdsa-sha2-nistp521"}), "[h1.example:22]", sshkey.KeyECDSA, 521, ""},
		{"known_hosts as lines, path", with(map[string]any{"known_hosts": []string{testKnownHosts}, "authorized_keys": "/etc/ssh/keys/%u"}), "[h1.example:22]", sshkey.KeyEd25519, 0, "/etc/ssh/keys/%u"},
		{"AWS sample field names", with(map[string]any{"private_key": nil, "PrivateKey": k.pem, "PublicKey": k.line("")}), "[h1.example:22]", sshkey.KeyEd25519, 0, ""},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(t, tc.fields)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(c.Hosts); got != tc.hosts {
				t.Errorf("hosts %s, want %s", got, tc.hosts)
			}
			if c.KeyType != tc.typ || c.KeyBits != tc.bits || c.AuthorizedKeys != tc.path {
				t.Errorf("key %s/%d path %s, want %s/%d %s", c.KeyType, c.KeyBits, c.AuthorizedKeys, tc.typ, tc.bits, tc.path)
			}
			if string(c.PublicKey().Marshal()) != string(k.signer.PublicKey().Marshal()) {
				t.Errorf("wrong key")
			}
			if s := fmt.Sprintf("%v %+v %#v", c, c, *c); strings.Contains(s, "PRIVATE") || strings.Contains(s, k.pem[40:60]) {
				t.Errorf("a Config prints its key: %s", s)
			}
		})
	}

	bad := []struct {
		name, field, problem string
		fields               map[string]any
	}{
		{"no host", "hosts", "missing", with(map[string]any{"host": nil})},
		{"host with user", "host", "not a host name", with(map[string]any{"host": "root@h"})},
		{"bad port", "port", "not a TCP port", with(map[string]any{"port": 70000})},
		{"bad host port", "hosts", "not a TCP port", with(map[string]any{"host": nil, "hosts": []string{"h:0"}})},
		{"no username", "username", "missing", with(map[string]any{"username": nil})},
		{"no private key", "private_key", "missing", with(map[string]any{"private_key": nil})},
		{"not a key", "private_key", "not a private key", with(map[string]any{"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"})},
		{"encrypted key", "private_key", "passphrase", with(map[string]any{"private_key": encrypted})},
		{"small rsa", "key_bits", "3072", with(map[string]any{"key_type": "rsa", "key_bits": 2048})},
		{"ecdsa size", "key_bits", "256, 384 or 521", with(map[string]any{"key_type": "ecdsa", "key_bits": 512})},
		{"unknown type", "key_type", "dsa", with(map[string]any{"key_type": "dsa"})},
		{"no known_hosts", "known_hosts", "empty", with(map[string]any{"known_hosts": nil})},
		{"bad known_hosts", "known_hosts", "known_hosts", with(map[string]any{"known_hosts": "h1 ssh-ed25519 !!!"})},
		{"bad replaced keys", "replaced_public_keys", "not a public key", with(map[string]any{"replaced_public_keys": "nope"})},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.fields)
			var fe *rotation.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.problem) {
				t.Fatalf("error %v, want a FieldError for %s saying %q", err, tc.field, tc.problem)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), k.pem[40:60]) {
				t.Errorf("error quotes the key: %v", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  sshkey.KeyType
		bits int
		algo string
	}{
		{sshkey.KeyEd25519, 0, ssh.KeyAlgoED25519},
		{sshkey.KeyRSA, 3072, ssh.KeyAlgoRSA},
		{sshkey.KeyECDSA, 256, ssh.KeyAlgoECDSA256},
		{sshkey.KeyECDSA, 384, ssh.KeyAlgoECDSA384},
		{sshkey.KeyECDSA, 521, ssh.KeyAlgoECDSA521},
	} {
		kp, err := sshkey.GenerateKey(tc.typ, tc.bits, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(kp.PrivateKeyPEM, "-----BEGIN OPENSSH PRIVATE KEY-----") {
			t.Errorf("%s: not OpenSSH format", tc.typ)
		}
		s, err := ssh.ParsePrivateKey([]byte(kp.PrivateKeyPEM))
		if err != nil {
			t.Fatalf("%s: %v", tc.typ, err)
		}
		pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(kp.AuthorizedKey()))
		if err != nil || comment != "c1" || pub.Type() != tc.algo || string(pub.Marshal()) != string(s.PublicKey().Marshal()) {
			t.Errorf("%s: public key %q (%v) does not match the private key", tc.typ, kp.AuthorizedKey(), err)
		}
	}
	if _, err := sshkey.GenerateKey(sshkey.KeyRSA, 2048, ""); err == nil {
		t.Error("a 2048-bit RSA key was generated")
	}
}

func TestOptionsFromEnv(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	o, err := sshkey.OptionsFromEnv(env(map[string]string{"ROTATION_STRATEGY": "single", "SSH_MAX_PARALLEL": "3", "SSH_CONNECT_TIMEOUT": "2.5", "SSH_HOST_TIMEOUT": "1m", "SSH_REMOVE_OLD_KEY": "Immediately"}))
	if err != nil || o.MaxParallel != 3 || o.ConnectTimeout != 2500*time.Millisecond || o.HostTimeout != time.Minute || o.RemoveOldKey != sshkey.RemoveImmediately {
		t.Errorf("%+v, %v", o, err)
	}
	r, err := sshkey.New(sshkey.Options{Strategy: sshkey.Single})
	if err != nil {
		t.Fatal(err)
	}
	if d := r.Options(); d.MaxParallel != 10 || d.ConnectTimeout != 10*time.Second || d.RemoveOldKey != sshkey.RemoveAtNextRotation {
		t.Errorf("defaults %+v", d)
	}
	_, err = sshkey.OptionsFromEnv(env(map[string]string{"SSH_MAX_PARALLEL": "0", "SSH_CONNECT_TIMEOUT": "soon", "SSH_REMOVE_OLD_KEY": "never"}))
	for _, want := range []string{"SSH_MAX_PARALLEL", "SSH_CONNECT_TIMEOUT", "SSH_REMOVE_OLD_KEY"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
