package sshkey

import (
	"context"
	"fmt"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// singleLogin is the single user strategy's login: the user with its own keys (first),
// then the previous secret's key if the hosts refuse those. The user changes its own
// file, with its own rights: it gains nothing it does not have.
func (r *Rotator) singleLogin(run *rotation.Run, target *Config, first []ssh.Signer) (*login, error) {
	hk, err := newHostKeyChecker(target.KnownHosts)
	if err != nil {
		return nil, fmt.Errorf("known_hosts: %w", err)
	}
	l := &login{user: target.Username, signers: first, hostKeys: hk, mode: "single user"}
	if len(r.opts.AllowedTargets) > 0 {
		l.allowed = r.opts.AllowedTargets.check
	}
	l.fallback = func(ctx context.Context) ([]ssh.Signer, error) {
		prev, err := run.Previous(ctx)
		if err != nil {
			return nil, err
		}
		pk, err := ParseKey(prev)
		if err != nil {
			return nil, fmt.Errorf("previous secret: %w", err)
		}
		return []ssh.Signer{pk.Signer}, nil
	}
	return l, nil
}
