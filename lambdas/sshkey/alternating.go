package sshkey

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Targets are the accounts, per host (host:port as Host.Addr writes it), whose
// authorized_keys the master account may change: the function's configuration, never the
// secret, says which.
type Targets map[string][]string

// ParseTargets reads EnvAllowedTargets: a JSON object {"host[:port]": ["user", ...]};
// a host without a port means port 22. Host names compare without case.
func ParseTargets(text string) (Targets, error) {
	var raw map[string][]string
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, fmt.Errorf(`%s is not a JSON object {"host[:port]": ["user", ...]}: %v`, EnvAllowedTargets, err)
	}
	t := Targets{}
	for host, users := range raw {
		h, err := parseHost(strings.TrimSpace(host), DefaultPort)
		if err != nil {
			return nil, fmt.Errorf("%s: key %q %v", EnvAllowedTargets, host, err)
		}
		if len(users) == 0 {
			return nil, fmt.Errorf("%s: host %q lists no account", EnvAllowedTargets, host)
		}
		for _, u := range users {
			if strings.TrimSpace(u) == "" || strings.ContainsAny(u, " \t\r\n:/") {
				return nil, fmt.Errorf("%s: host %q lists %q, not a user name", EnvAllowedTargets, host, u)
			}
		}
		addr := strings.ToLower(h.Addr())
		t[addr] = append(t[addr], users...)
	}
	if len(t) == 0 {
		return nil, fmt.Errorf("%s is an empty object: list the hosts and accounts", EnvAllowedTargets)
	}
	return t, nil
}

// check refuses a host or account that the allowlist does not name.
func (t Targets) check(h Host, user string) error {
	users, ok := t[strings.ToLower(h.Addr())]
	if !ok {
		known := make([]string, 0, len(t))
		for k := range t {
			known = append(known, k)
		}
		sort.Strings(known)
		return fmt.Errorf("refused by rule %s: host %s is not in the allowlist (it has %s); the function's configuration, not the secret, says where the master logs in",
			EnvAllowedTargets, h.Addr(), strings.Join(known, ", "))
	}
	if !slices.Contains(users, user) {
		return fmt.Errorf("refused by rule %s: account %q is not allowed on %s (allowed: %s); the function's configuration, not the secret, says whose keys the master changes",
			EnvAllowedTargets, user, h.Addr(), strings.Join(users, ", "))
	}
	return nil
}

// masterLogin is the alternating strategy's login: the master secret's account, on the
// hosts and accounts the allowlist names, editing the configured authorized_keys path by
// sshd's StrictModes rules (see openStrict).
func (r *Rotator) masterLogin(ctx context.Context, run *rotation.Run, target *Config) (*login, error) {
	if len(r.opts.AllowedTargets) == 0 {
		return nil, fmt.Errorf("refused by rule %s: the secret names a master secret, but the function's configuration lists no hosts and accounts it may change", EnvAllowedTargets)
	}
	if target.AuthorizedKeys != "" && target.AuthorizedKeys != r.opts.AuthorizedKeysFile {
		return nil, &rotation.FieldError{Field: FieldAuthorizedKeys, Problem: fmt.Sprintf(
			"is %q, but with a master secret the path comes from the function's configuration (%s=%q): refused by rule %s",
			target.AuthorizedKeys, EnvAuthorizedKeysFile, r.opts.AuthorizedKeysFile, EnvAuthorizedKeysFile)}
	}
	m, hk, err := r.master(ctx, run, target)
	if err != nil {
		return nil, err
	}
	return &login{user: m.Username, signers: []ssh.Signer{m.Signer}, sftpCommand: m.SFTPCommand, strict: true,
		allowed: r.opts.AllowedTargets.check, hostKeys: hk, mode: "master " + m.Username}, nil
}

// master reads the master secret, and the host keys of the user secret and the master
// secret together.
func (r *Rotator) master(ctx context.Context, run *rotation.Run, target *Config) (*Master, *hostKeyChecker, error) {
	// The target's own masterarn: in testSecret the pending version's, which is the
	// current one's (createSecret copies it), without reading the current version again.
	ms, err := run.Secret(ctx, target.MasterARN)
	if err != nil {
		return nil, nil, fmt.Errorf("master secret (masterarn): %w", err)
	}
	m, err := ParseMaster(ms)
	if err != nil {
		return nil, nil, fmt.Errorf("master secret %s: %w", target.MasterARN, err)
	}
	hk, err := newHostKeyChecker(target.KnownHosts + "\n" + m.KnownHosts)
	if err != nil {
		return nil, nil, fmt.Errorf("known_hosts: %w", err)
	}
	return m, hk, nil
}
