package sshkey

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError is a host key that known_hosts does not vouch for: the rotation stops
// there for that host, before authenticating.
type HostKeyError struct {
	Host string        // host:port as dialled
	Key  ssh.PublicKey // the key the server presented
	// Known are the keys known_hosts has for the host; empty when the host is unknown.
	Known   []ssh.PublicKey
	Revoked bool
	Err     error // the knownhosts error
}

func (e *HostKeyError) Error() string {
	pres := fmt.Sprintf("%s key %s", e.Key.Type(), fingerprint(e.Key))
	switch {
	case e.Revoked:
		return fmt.Sprintf("host key verification failed for %s: its %s is marked @revoked in known_hosts", e.Host, pres)
	case len(e.Known) == 0:
		return fmt.Sprintf("host key verification failed for %s: the host is not in known_hosts (it presented the %s); add its key to the secret's known_hosts", e.Host, pres)
	}
	var known []string
	for _, k := range e.Known {
		known = append(known, k.Type()+" "+fingerprint(k))
	}
	return fmt.Sprintf("host key verification failed for %s: it presented the %s, but known_hosts has %s (the host key changed: a reinstalled host, or a man in the middle)",
		e.Host, pres, strings.Join(known, ", "))
}

func (e *HostKeyError) Unwrap() error { return e.Err }

// hostKeyChecker verifies host keys against known_hosts lines, under the host name as
// dialled only: like OpenSSH, a name that known_hosts lacks is not looked up under its
// address.
type hostKeyChecker struct {
	cb ssh.HostKeyCallback
}

// newHostKeyChecker parses known_hosts text (hashed names, patterns, @cert-authority and
// @revoked markers as OpenSSH reads them).
func newHostKeyChecker(text string) (*hostKeyChecker, error) {
	// knownhosts reads files only; the text goes through a private temporary file that is
	// removed at once. Error messages name it "known_hosts".
	dir, err := os.MkdirTemp("", "sshkey-")
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	cb, err := knownhosts.New(path)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), path, "known_hosts"))
	}
	return &hostKeyChecker{cb: cb}, nil
}

// callback is the HostKeyCallback for a connection to addr; its errors are *HostKeyError.
func (c *hostKeyChecker) callback(addr string) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := c.cb(addr, remote, key)
		if err == nil {
			return nil
		}
		he := &HostKeyError{Host: addr, Key: key, Err: err}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			he.Revoked = true
		case errors.As(err, &ke):
			for _, w := range ke.Want {
				he.Known = append(he.Known, w.Key)
			}
		default:
			// A certificate the CA check refused, for instance.
			return fmt.Errorf("host key verification failed for %s: %w", addr, err)
		}
		return he
	}
}

// probeKey is a key no host has: asking the checker about it lists the known keys.
var probeKey = func() ssh.PublicKey {
	k, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		panic(err)
	}
	return k
}()

// algorithms returns the host key algorithms to offer for addr: those of the keys
// known_hosts has for it, so that a server with several host keys presents one that can
// be verified. nil (the defaults) when known_hosts has no plain key for the host.
func (c *hostKeyChecker) algorithms(addr string, remote net.Addr) []string {
	var ke *knownhosts.KeyError
	if err := c.cb(addr, remote, probeKey); !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	for _, w := range ke.Want {
		var add []string
		switch t := w.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		default:
			add = []string{t}
		}
		for _, a := range add {
			if !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
	}
	return algos
}
