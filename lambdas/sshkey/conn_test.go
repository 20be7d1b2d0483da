package sshkey_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/sshkey"
)

// startNoSFTPServer is an SSH server (golang.org/x/crypto/ssh, since the test sshd always
// has sftp) that accepts the key and refuses every session request, the sftp subsystem
// included: a server whose sshd_config has no Subsystem line.
func startNoSFTPServer(t *testing.T, accept ssh.PublicKey) (addr, knownHostsLine string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
		if bytes.Equal(k.Marshal(), accept.Marshal()) {
			return nil, nil
		}
		return nil, errors.New("unknown key")
	}}
	cfg.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
				if err != nil {
					return
				}
				go ssh.DiscardRequests(reqs)
				for nch := range chans {
					ch, creqs, err := nch.Accept()
					if err != nil {
						continue
					}
					go func() {
						defer ch.Close()
						for r := range creqs {
							_ = r.Reply(false, nil)
						}
					}()
				}
			}()
		}
	}()
	addr = ln.Addr().String()
	return addr, knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostKey.PublicKey())
}

// TestNoSFTPSubsystem: a server without the sftp subsystem fails the step with what to
// configure, not only "subsystem request failed".
func TestNoSFTPSubsystem(t *testing.T) {
	t.Parallel()
	k0 := newKey(t)
	addr, known := startNoSFTPServer(t, k0.signer.PublicKey())
	e := newEnv(t)
	e.inProcess(sshkey.Options{Strategy: sshkey.Single}, nil)
	f := &fleet{tb: t}
	arn := e.CreateSecret("user", f.secret(k0, map[string]any{"hosts": []string{addr}, "known_hosts": known + "\n"}))
	rec := e.rotate(arn, 1)
	if rec.Outcome != "failed" {
		t.Fatalf("rotation %s", rec.Outcome)
	}
	for _, w := range []string{"the server has no sftp subsystem", `add "Subsystem sftp internal-sftp"`, "sftp_command"} {
		if !strings.Contains(rec.Error, w) {
			t.Errorf("the error does not say %q: %s", w, rec.Error)
		}
	}
}
