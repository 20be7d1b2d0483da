package testenv_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run executes cmd over SSH and returns its standard output.
func run(t *testing.T, s *testenv.SSHD, cfg *ssh.ClientConfig, cmd string) (string, error) {
	t.Helper()
	c, err := ssh.Dial("tcp", s.Addr(), cfg)
	if err != nil {
		return "", err
	}
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	out, err := sess.Output(cmd)
	return string(out), err
}

func TestSSHD(t *testing.T) {
	t.Parallel()
	k1, k2 := newSigner(t), newSigner(t)
	start := time.Now()
	s1 := testenv.StartSSHD(t, testenv.SSHDOptions{AuthorizedKeys: ssh.MarshalAuthorizedKey(k1.PublicKey())})
	t.Logf("sshd started in %s on port %d (isolated home: %v)", time.Since(start).Round(time.Millisecond), s1.Port, s1.IsolatedHome)
	s2 := testenv.StartSSHD(t, testenv.SSHDOptions{AuthorizedKeys: ssh.MarshalAuthorizedKey(k2.PublicKey())})

	out, err := run(t, s1, s1.ClientConfig(k1), `id -un; echo "$HOME"; pwd; echo marker-1 > ~/marker; cat ~/.ssh/authorized_keys`)
	if err != nil {
		t.Fatalf("ssh: %v\n%s", err, tailLog(s1))
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != testenv.SSHUser || !strings.HasPrefix(lines[len(lines)-1], "ssh-ed25519 ") {
		t.Errorf("session output %q", out)
	}
	if s1.IsolatedHome {
		// The session's home is the server's own: the marker is in s1.Home, not in s2's.
		if data, err := os.ReadFile(filepath.Join(s1.Home, "marker")); err != nil || string(data) != "marker-1\n" {
			t.Errorf("marker not in the first server's home: %v", err)
		}
		if _, err := os.Stat(filepath.Join(s2.Home, "marker")); err == nil {
			t.Errorf("the second server shares the first one's home")
		}
		if lines[1] != lines[2] {
			t.Errorf("HOME %s, working directory %s", lines[1], lines[2])
		}
	}

	// Each server accepts only its own authorized key.
	if _, err := run(t, s2, s2.ClientConfig(k1), "true"); err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("the second server accepted the first key: %v", err)
	}
	if _, err := run(t, s2, s2.ClientConfig(k2), "true"); err != nil {
		t.Errorf("second server: %v", err)
	}
	// authorized_keys controlled by the test.
	if err := s2.WriteAuthorizedKeys(append(ssh.MarshalAuthorizedKey(k2.PublicKey()), ssh.MarshalAuthorizedKey(k1.PublicKey())...)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, s2, s2.ClientConfig(k1), "true"); err != nil {
		t.Errorf("after adding the first key: %v", err)
	}
	if data, err := s2.ReadAuthorizedKeys(); err != nil || strings.Count(string(data), "\n") != 2 {
		t.Errorf("ReadAuthorizedKeys: %q, %v", data, err)
	}

	// The known_hosts line verifies the host key.
	hostKeys := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(hostKeys, []byte(s1.KnownHosts()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(hostKeys)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s1.ClientConfig(k1)
	cfg.HostKeyCallback = cb
	if _, err := run(t, s1, cfg, "true"); err != nil {
		t.Errorf("with known_hosts: %v", err)
	}

	// A changed host key is refused by clients that know the old one.
	old := s1.ClientConfig(k1)
	if err := s1.ReplaceHostKey(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, s1, old, "true"); err == nil || !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("old host key accepted: %v", err)
	}
	if _, err := run(t, s1, cfg, "true"); err == nil {
		t.Errorf("old known_hosts accepted the new host key")
	}

	// Down and up again.
	if err := s1.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, s1, s1.ClientConfig(k1), "true"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("killed server answered: %v", err)
	}
	if err := s1.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, s1, s1.ClientConfig(k1), "true"); err != nil {
		t.Errorf("after restart: %v", err)
	}
}

func tailLog(s *testenv.SSHD) string {
	l, _ := s.Log()
	return l
}
