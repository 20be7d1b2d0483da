package sshkey_test

import (
	"fmt"
	"os/user"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

// initialFile is an authorized_keys file with what a rotation must keep byte for byte: a
// CRLF comment, a blank line, another key with options, and a last line without newline.
// The secret's key gets from="127.0.0.1",no-agent-forwarding (new keys inherit them).
func initialFile(k0, other key) string {
	return "# keys of the deploy account\r\n" +
		"\n" +
		`from="127.0.0.1",no-agent-forwarding ` + k0.line("initial") + "\n" +
		`command="/bin/echo hi",no-pty ` + other.line("someone else") + "\n" +
		"# end without newline"
}

const keyOptions = `from="127.0.0.1",no-agent-forwarding `

func testUID(t testing.TB) uint32 {
	u, err := user.Lookup(testenv.SSHUser)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	return uint32(uid)
}

// TestRotateSingleUser rotates the key of the test user on two hosts, through the
// emulator, for each key type: the new key works everywhere and carries the old key's
// options, the previous key keeps working until the next rotation removes it, every
// other line of authorized_keys survives byte for byte, the file keeps its mode and
// owner, and no private key reaches the logs.
func TestRotateSingleUser(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		extra     map[string]any
		wantType  string
		wantBits  int // RSA modulus size
		keysField string
	}{
		{name: "ed25519 default", wantType: ssh.KeyAlgoED25519},
		{name: "rsa", extra: map[string]any{"key_type": "rsa"}, wantType: ssh.KeyAlgoRSA, wantBits: 3072},
		{name: "ecdsa p384", extra: map[string]any{"key_type": "ecdsa", "key_bits": 384}, wantType: ssh.KeyAlgoECDSA384},
		{name: "ecdsa with %h path", extra: map[string]any{"key_type": "ecdsa-sha2-nistp256", "authorized_keys": "%h/.ssh/authorized_keys", "host": nil}, wantType: ssh.KeyAlgoECDSA256},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k0, other := newKey(t), newKey(t)
			original := initialFile(k0, other)
			f := startFleet(t, 2, []byte(original), false)
			e := newEnv(t)
			e.inProcess(f.options(false), nil)
			arn := e.CreateSecret("ssh-"+strings.NewReplacer(" ", "-", "%", "").Replace(tc.name), f.secret(k0, tc.extra))
			uid := testUID(t)

			keys := []key{k0}
			for n := 1; n <= 2; n++ {
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					t.Fatalf("rotation %d: %s\nlogs:\n%s", n, rec.Error, e.allLogs())
				}
				cur := e.value(arn, rotation.StageCurrent)
				k := keyFromPEM(t, cur["private_key"])
				keys = append(keys, k)
				if !strings.HasPrefix(cur["private_key"], "-----BEGIN OPENSSH PRIVATE KEY-----\n") {
					t.Errorf("rotation %d: private key not in OpenSSH format", n)
				}
				if got := k.signer.PublicKey().Type(); got != tc.wantType {
					t.Errorf("rotation %d: key type %s, want %s", n, got, tc.wantType)
				}
				if tc.wantBits != 0 {
					pub := k.signer.PublicKey().(ssh.CryptoPublicKey).CryptoPublicKey()
					if bits := pub.(interface{ Size() int }).Size() * 8; bits != tc.wantBits {
						t.Errorf("rotation %d: RSA key of %d bits, want %d", n, bits, tc.wantBits)
					}
				}
				wantPub := k.line(sshkey.Comment(arn, rec.Token))
				if cur["public_key"] != wantPub {
					t.Errorf("rotation %d: public_key %q, want %q", n, cur["public_key"], wantPub)
				}
				if !strings.HasPrefix(cur["replaced_public_keys"], keys[n-1].line("")) {
					t.Errorf("rotation %d: replaced_public_keys does not start with the replaced key", n)
				}
				if cur["note"] != "keep me" || cur["username"] != testenv.SSHUser {
					t.Errorf("rotation %d lost fields of the secret: %v", n, cur)
				}
				prev := e.value(arn, rotation.StagePrevious)
				if prev["private_key"] != keys[n-1].pem {
					t.Errorf("rotation %d: AWSPREVIOUS is not the replaced key", n)
				}

				f.assertLogin(fmt.Sprintf("after rotation %d, the new key", n), k, true)
				f.assertLogin(fmt.Sprintf("after rotation %d, the previous key", n), keys[n-1], true)
				if n >= 2 {
					f.assertLogin(fmt.Sprintf("after rotation %d, the key two generations old", n), keys[n-2], false)
				}
				f.assertLogin("the other user's key", other, true) // forced command "echo hi" still runs

				// The file: the original lines minus removed keys, plus the new keys with the
				// options of the key they replace.
				want := original + "\n"
				if n >= 2 {
					want = strings.Replace(want, keyOptions+k0.line("initial")+"\n", "", 1)
				}
				for i := max(1, n-1); i <= n; i++ {
					recs, _ := e.Control.Rotations(t.Context())
					want += keyOptions + keys[i].line(sshkey.Comment(arn, recs[i-1].Token)) + "\n"
				}
				for i := range f.servers {
					st := f.file(i)
					if st.data != want {
						t.Errorf("rotation %d, host %d: authorized_keys\n%q\nwant\n%q", n, i+1, st.data, want)
					}
					if st.mode != 0o640 || st.uid != uid {
						t.Errorf("rotation %d, host %d: authorized_keys mode %o owner %d, want 640 and %d", n, i+1, st.mode, st.uid, uid)
					}
				}
			}
			assertNoPrivateKey(t, e.allLogs(), keys...)
			if !strings.Contains(e.logs.String(), `"msg":"ssh host"`) {
				t.Errorf("no per-host log line:\n%s", e.logs.String())
			}
		})
	}
}

// TestRotateAlternating rotates with a master secret: root logs in (by the sftp
// subsystem, or by sftp_command) and edits the test user's authorized_keys, whose owner
// and mode stay the user's. The user's own key is not even on the hosts at first: only
// the master can install the new one.
func TestRotateAlternating(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		master map[string]any
	}{
		{name: "sftp subsystem"},
		{name: "sftp_command", master: map[string]any{"sftp_command": "/usr/lib/openssh/sftp-server"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k0, other := newKey(t), newKey(t)
			original := "# no key of the secret here\n" + other.line("other") + "\n"
			f := startFleet(t, 2, []byte(original), true)
			e := newEnv(t)
			e.inProcess(f.options(true), nil)
			masterARN := e.CreateSecret("ssh-master", f.masterSecret(tc.master))
			arn := e.CreateSecret("ssh-user", f.secret(k0, map[string]any{"masterarn": masterARN}))
			f.assertLogin("before rotation, the user's key", k0, false)
			uid := testUID(t)

			var keys []key
			for n := 1; n <= 3; n++ {
				rec := e.rotate(arn, n)
				if rec.Outcome != "succeeded" {
					t.Fatalf("rotation %d: %s\nlogs:\n%s", n, rec.Error, e.allLogs())
				}
				k := e.currentKey(arn)
				keys = append(keys, k)
				f.assertLogin(fmt.Sprintf("after rotation %d, the new key", n), k, true)
				if n >= 2 {
					f.assertLogin(fmt.Sprintf("after rotation %d, the previous key", n), keys[n-2], true)
				}
				if n >= 3 {
					f.assertLogin(fmt.Sprintf("after rotation %d, the key two generations old", n), keys[n-3], false)
				}
				for i := range f.servers {
					st := f.file(i)
					if !strings.HasPrefix(st.data, original) {
						t.Errorf("rotation %d, host %d: other lines changed:\n%s", n, i+1, st.data)
					}
					if got := strings.Count(st.data, "\n"); got != 2+min(n, 2) {
						t.Errorf("rotation %d, host %d: %d lines, want %d:\n%s", n, i+1, got, 2+min(n, 2), st.data)
					}
					if st.mode != 0o640 || st.uid != uid {
						t.Errorf("rotation %d, host %d: authorized_keys mode %o owner %d, want 640 and %d (root wrote it)", n, i+1, st.mode, st.uid, uid)
					}
				}
			}
			for i, s := range f.servers {
				log, _ := s.Log()
				// setSecret and finishSecret of each rotation log in as root.
				if got := strings.Count(log, "Accepted publickey for root"); got < 6 {
					t.Errorf("host %d: root logged in %d times, want 6 or more", i+1, got)
				}
			}
			assertNoPrivateKey(t, e.allLogs(), append(keys, k0, f.master)...)
		})
	}
}

// TestAWSSampleSecret rotates a secret written by the AWS sample (PrivateKey, PublicKey):
// the new key is stored under those names, and no private_key field appears.
func TestAWSSampleSecret(t *testing.T) {
	t.Parallel()
	k0 := newKey(t)
	f := startFleet(t, 1, []byte(k0.line("")+"\n"), false)
	e := newEnv(t)
	e.inProcess(f.options(false), nil)
	arn := e.CreateSecret("sample", f.secret(k0, map[string]any{"private_key": nil, "public_key": nil, "PrivateKey": k0.pem, "PublicKey": k0.line("")}))
	for n := 1; n <= 2; n++ {
		if rec := e.rotate(arn, n); rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s", n, rec.Error)
		}
	}
	cur := e.value(arn, rotation.StageCurrent)
	if _, ok := cur["private_key"]; ok {
		t.Errorf("a private_key field was added to a secret using PrivateKey")
	}
	k := keyFromPEM(t, cur["PrivateKey"])
	if !strings.HasPrefix(cur["PublicKey"], k.line("")) {
		t.Errorf("PublicKey does not match PrivateKey")
	}
	f.assertLogin("the rotated PrivateKey", k, true)
	f.assertLogin("the sample's key, two rotations later", k0, false)
}
