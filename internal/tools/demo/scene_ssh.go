package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/testenv"
)

// sceneSSH: one user's SSH key, rotated by the sshkey rotator on two OpenSSH servers. The
// new key logs in everywhere, the previous one still does (it leaves at the next rotation),
// and the key from two rotations ago is refused.
func sceneSSH(ctx context.Context, s *stage) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	first, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return err
	}

	var hosts [2]*testenv.SSHD
	if err := s.step("start two sshd hosts with the user's first key", func() (string, error) {
		var addrs []string
		for i := range hosts {
			err := s.t.call(func() {
				hosts[i] = testenv.StartSSHD(s.t, testenv.SSHDOptions{AuthorizedKeys: ssh.MarshalAuthorizedKey(sshPub)})
			})
			if err != nil {
				return "", err
			}
			if !hosts[i].IsolatedHome {
				return "", fmt.Errorf("the two sshd hosts would share one home directory here (no mount namespaces): the scene needs a home per host")
			}
			addrs = append(addrs, hosts[i].Addr())
		}
		return fmt.Sprintf("user %s on %s", hosts[0].User, strings.Join(addrs, " and ")), nil
	}); err != nil {
		return err
	}
	login := func(h *testenv.SSHD, signer ssh.Signer) error {
		c, err := ssh.Dial("tcp", h.Addr(), h.ClientConfig(signer))
		if err != nil {
			return err
		}
		return c.Close()
	}
	loginAll := func(signer ssh.Signer) error {
		for _, h := range hosts {
			if err := login(h, signer); err != nil {
				return fmt.Errorf("%s: %w", h.Addr(), err)
			}
		}
		return nil
	}
	refusedAll := func(signer ssh.Signer) error {
		for _, h := range hosts {
			if err := login(h, signer); err == nil {
				return fmt.Errorf("%s let the key in", h.Addr())
			}
		}
		return nil
	}

	env, err := s.emulator()
	if err != nil {
		return err
	}
	var arn, fn string
	if err := s.step("store the key secret; register the sshkey rotator", func() (string, error) {
		// The allowlist the ssh-key-rotation module sets: per host, the accounts that may
		// be rotated.
		targets := map[string][]string{}
		var known []string
		for _, h := range hosts {
			targets[h.Addr()] = []string{h.User}
			known = append(known, h.KnownHosts())
		}
		allowed, _ := json.Marshal(targets)
		secret, _ := json.Marshal(map[string]any{
			"hosts": []string{hosts[0].Addr(), hosts[1].Addr()}, "username": hosts[0].User,
			"private_key": string(pem.EncodeToMemory(block)), "known_hosts": strings.Join(known, "\n") + "\n",
		})
		if arn, err = s.createSecret(env, &secretsmanager.CreateSecretInput{Name: aws.String("demo/ssh/deploy"), SecretString: aws.String(string(secret))}); err != nil {
			return "", err
		}
		fn, err = s.function(env, "sshkey", map[string]string{
			"ROTATION_STRATEGY": "single", "SSH_REMOVE_OLD_KEY": "next_rotation", "SSHKEY_ALLOWED_TARGETS": string(allowed)})
		return "ROTATION_STRATEGY=single, SSHKEY_ALLOWED_TARGETS=both hosts, this user only", err
	}); err != nil {
		return err
	}
	s.show("before:", "the first key %s on both hosts", mark(loginAll(first)))

	keyAt := func(stage string) (ssh.Signer, error) {
		v, err := s.value(env.SM, arn, stage)
		if err != nil {
			return nil, err
		}
		var sec struct {
			PrivateKey string `json:"private_key"`
		}
		if err := json.Unmarshal([]byte(v), &sec); err != nil {
			return nil, err
		}
		return ssh.ParsePrivateKey([]byte(sec.PrivateKey))
	}
	for i := 1; i <= 2; i++ {
		if err := s.step(fmt.Sprintf("rotation %d", i), func() (string, error) {
			if _, err := s.rotate(env, arn, fn); err != nil {
				return "", err
			}
			return "new key installed on both hosts", nil
		}); err != nil {
			return err
		}
	}
	cur, err := keyAt("AWSCURRENT")
	if err != nil {
		return err
	}
	prev, err := keyAt("AWSPREVIOUS")
	if err != nil {
		return err
	}
	curErr, prevErr, firstErr := loginAll(cur), loginAll(prev), refusedAll(first)
	s.show("after:", "AWSCURRENT key %s on both; AWSPREVIOUS %s on both (until the next rotation)", mark(curErr), mark(prevErr))
	s.show("", "the first key, two rotations old: %s", map[bool]string{true: "REFUSED on both", false: "still accepted"}[firstErr == nil])
	if curErr != nil || prevErr != nil || firstErr != nil {
		return fmt.Errorf("after two rotations: AWSCURRENT: %v; AWSPREVIOUS: %v; first key: %v", curErr, prevErr, firstErr)
	}
	return nil
}
