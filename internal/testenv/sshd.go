package testenv

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHUser is the account test SSH sessions log in as, created when missing.
const SSHUser = "sshtest"

// sshHomeRoot is where the SSH test account's home directory is: an empty directory that
// each sshd covers with its own home (see SSHD.IsolatedHome).
const sshHomeRoot = "/home"

// SSHDOptions configure StartSSHD.
type SSHDOptions struct {
	// User is the login account; SSHUser when empty. It is created when missing (as root),
	// with /bin/sh as its shell and no password (public keys only).
	User string
	// AuthorizedKeys is the initial content of the user's ~/.ssh/authorized_keys.
	AuthorizedKeys []byte
	// Config are extra sshd_config lines.
	Config []string
}

// SSHD is a running OpenSSH server. Its host key is an Ed25519 key it alone has.
type SSHD struct {
	Host string // 127.0.0.1
	Port int
	User string
	// Home is the user's home directory in this server's sessions, private to the server:
	// sshd runs in its own mount namespace, where Home is mounted over the account's home
	// directory, so that two servers for the same user have different ~/.ssh/authorized_keys,
	// working directories and SFTP roots (IsolatedHome). Where mount namespaces are not
	// available, sessions share the account's home and only AuthorizedKeysPath is private
	// (IsolatedHome false).
	Home         string
	IsolatedHome bool
	// AuthorizedKeysPath is the file sshd reads the user's keys from (Home/.ssh/authorized_keys).
	AuthorizedKeysPath string
	HostKey            ssh.PublicKey
	LogPath            string // sshd's log (-e, LogLevel VERBOSE)

	account  *osUser
	base     string
	hostKeyF string
	proc     *process
	mu       sync.Mutex
}

var (
	nsOnce sync.Once
	nsOK   bool
)

// mountNamespaces reports whether unshare can make a private mount namespace here.
func mountNamespaces() bool {
	nsOnce.Do(func() {
		if os.Geteuid() != 0 {
			return
		}
		nsOK = exec.Command("unshare", "--mount", "--propagation", "private", "true").Run() == nil
	})
	return nsOK
}

// StartSSHD starts OpenSSH's sshd for the test: its own host key and configuration in a
// temporary directory, 127.0.0.1 and a free port, public key authentication only, for one
// unprivileged user. It needs root (sshd changes to the user for sessions). It stops, with
// every session, and its files are removed when the test ends.
func StartSSHD(t testing.TB, opts SSHDOptions) *SSHD {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("testenv: StartSSHD needs root")
	}
	sshd, err := findBinary([]string{"sshd"}, "/usr/sbin")
	if err != nil {
		t.Fatalf("testenv: OpenSSH server is not installed: %v", err)
	}
	s := &SSHD{Host: Host, User: opts.User}
	if s.User == "" {
		s.User = SSHUser
	}
	home := filepath.Join(sshHomeRoot, s.User)
	if s.account, err = ensureUser(s.User, "--home-dir", home, "--no-create-home", "--shell", "/bin/sh", "--password", "*"); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	// A locked account ("!" password) cannot log in when sshd does not use PAM.
	if out, err := exec.Command("usermod", "--password", "*", s.User).CombinedOutput(); err != nil {
		t.Fatalf("testenv: unlock %s: %v: %s", s.User, err, out)
	}
	// The privilege separation directory sshd insists on.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.base = tempBase(t, "testenv-sshd-", nil)
	if err := os.Chmod(s.base, 0o711); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.Home = filepath.Join(s.base, "home")
	s.AuthorizedKeysPath = filepath.Join(s.Home, ".ssh", "authorized_keys")
	if err := os.MkdirAll(filepath.Dir(s.AuthorizedKeysPath), 0o700); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := os.Chmod(s.Home, 0o755); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := writeFile(s.AuthorizedKeysPath, opts.AuthorizedKeys, 0o600, s.account); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := chownAll(s.Home, s.account); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.hostKeyF = filepath.Join(s.base, "ssh_host_ed25519_key")
	if err := s.newHostKey(); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	s.LogPath = filepath.Join(s.base, "sshd.log")

	authorizedKeysFile := s.AuthorizedKeysPath
	s.IsolatedHome = mountNamespaces() && s.account.Home != "" && s.account.Home != "/nonexistent"
	if s.IsolatedHome {
		if err := os.MkdirAll(s.account.Home, 0o755); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		authorizedKeysFile = ".ssh/authorized_keys"
	}
	s.proc = &process{name: "sshd", dir: s.base, env: minimalEnv(), logPath: s.LogPath}
	t.Cleanup(func() {
		if err := s.proc.stop(syscall.SIGTERM, stopTimeout); err != nil {
			t.Errorf("testenv: stop sshd: %v", err)
		}
	})
	for attempt := 1; ; attempt++ {
		if s.Port, err = freePort(); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		config := strings.Join(append([]string{
			"Port " + strconv.Itoa(s.Port),
			"ListenAddress " + Host,
			"AddressFamily inet",
			"HostKey " + s.hostKeyF,
			"PidFile " + filepath.Join(s.base, "sshd.pid"),
			"AuthorizedKeysFile " + authorizedKeysFile,
			"PubkeyAuthentication yes",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"UsePAM no",
			"StrictModes no",
			"PermitRootLogin no",
			"AllowUsers " + s.User,
			"UseDNS no",
			"PrintMotd no",
			"PrintLastLog no",
			"MaxStartups 100",
			"MaxSessions 50",
			"Subsystem sftp internal-sftp",
			"LogLevel VERBOSE",
		}, opts.Config...), "\n") + "\n"
		configPath := filepath.Join(s.base, "sshd_config")
		if err := writeFile(configPath, []byte(config), 0o600, nil); err != nil {
			t.Fatalf("testenv: %v", err)
		}
		if out, err := exec.Command(sshd, "-t", "-f", configPath).CombinedOutput(); err != nil {
			t.Fatalf("testenv: sshd -t: %v\n%s", err, out)
		}
		if s.IsolatedHome {
			s.proc.path = "unshare"
			s.proc.args = []string{"--mount", "--propagation", "private", "/bin/sh", "-c",
				`mount --bind "$1" "$2" && exec "$3" -D -e -f "$4"`, "sh", s.Home, s.account.Home, sshd, configPath}
		} else {
			s.proc.path = sshd
			s.proc.args = []string{"-D", "-e", "-f", configPath}
		}
		err = s.Start(t.Context())
		if err == nil {
			return s
		}
		if attempt == 3 || !isAddrInUse(s.LogPath) {
			t.Fatalf("testenv: %v", err)
		}
		_ = s.proc.stop(syscall.SIGKILL, time.Second)
	}
}

// newHostKey writes a new Ed25519 host key.
func (s *SSHD) newHostKey() error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return fmt.Errorf("encode host key: %w", err)
	}
	if err := writeFile(s.hostKeyF, pem.EncodeToMemory(block), 0o600, nil); err != nil {
		return err
	}
	if s.HostKey, err = ssh.NewPublicKey(pub); err != nil {
		return fmt.Errorf("host public key: %w", err)
	}
	return nil
}

// Addr is host:port.
func (s *SSHD) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// KnownHosts is the known_hosts line for this server ("[127.0.0.1]:port ssh-ed25519 ...").
func (s *SSHD) KnownHosts() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey)
}

// ClientConfig logs in as the user with signer and accepts only this server's host key.
func (s *SSHD) ClientConfig(signer ssh.Signer) *ssh.ClientConfig {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &ssh.ClientConfig{
		User:            s.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(s.HostKey),
		Timeout:         5 * time.Second,
	}
}

// ReadAuthorizedKeys returns the user's authorized_keys in this server.
func (s *SSHD) ReadAuthorizedKeys() ([]byte, error) {
	data, err := os.ReadFile(s.AuthorizedKeysPath)
	if err != nil {
		return nil, fmt.Errorf("read authorized_keys: %w", err)
	}
	return data, nil
}

// WriteAuthorizedKeys replaces the user's authorized_keys in this server.
func (s *SSHD) WriteAuthorizedKeys(data []byte) error {
	if err := writeFile(s.AuthorizedKeysPath, data, 0o600, s.account); err != nil {
		return fmt.Errorf("write authorized_keys: %w", err)
	}
	return nil
}

// ReplaceHostKey gives the server a new host key and restarts it: clients that know the
// old key must refuse it.
func (s *SSHD) ReplaceHostKey(ctx context.Context) error {
	if err := s.Stop(); err != nil {
		return err
	}
	s.mu.Lock()
	err := s.newHostKey()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.Start(ctx)
}

// Start starts the server again after Stop or Kill and waits until it answers with its
// SSH banner.
func (s *SSHD) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.proc.start(); err != nil {
		return err
	}
	return waitReady(ctx, s.proc, startTimeout, s.banner)
}

func (s *SSHD) banner(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.Addr())
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("read the SSH banner: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-2.0-") {
		return fmt.Errorf("unexpected banner %q", strings.TrimSpace(line))
	}
	return nil
}

// Stop shuts the server down, ends its sessions, and waits.
func (s *SSHD) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc.stop(syscall.SIGTERM, stopTimeout)
}

// Kill kills the server and its sessions at once (SIGKILL), as a host going down would.
func (s *SSHD) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc.stop(syscall.SIGKILL, stopTimeout)
}

// Running reports whether the server process is up.
func (s *SSHD) Running() bool {
	running, _ := s.proc.state()
	return running
}

// Log returns sshd's log so far.
func (s *SSHD) Log() (string, error) {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return "", fmt.Errorf("read the sshd log: %w", err)
	}
	return string(data), nil
}
