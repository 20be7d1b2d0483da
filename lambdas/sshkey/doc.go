// Package sshkey rotates an SSH key pair kept in a Secrets Manager secret, on the rotation
// engine (lambdas/rotation). Each rotation makes a new key pair, installs its public key
// in the user's authorized_keys on every host listed in the secret, checks that the new
// key logs in everywhere, and after AWSCURRENT moved removes the key that is no longer
// current or previous. README.md documents the secret, the environment, IAM and network.
//
// # The secret
//
//	{
//	  "hosts": ["10.0.1.15", "bastion.internal:2222"],   // or "host": "10.0.1.15"
//	  "port": 22,                                        // default for hosts without a port
//	  "username": "deploy",
//	  "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\n...",
//	  "public_key": "ssh-ed25519 AAAA... comment",       // written by the rotator
//	  "key_type": "ed25519",                             // ed25519 (default), rsa, ecdsa
//	  "key_bits": 3072,                                  // rsa: 3072 (default) to 8192; ecdsa: 256, 384, 521
//	  "known_hosts": "10.0.1.15 ssh-ed25519 AAAA...\n[bastion.internal]:2222 ssh-ed25519 AAAA...",
//	  "authorized_keys": ".ssh/authorized_keys",         // single user only; %h, %u, %% as in sshd_config
//	  "masterarn": "arn:aws:secretsmanager:...:secret:ssh-admin-AbCdEf"  // ROTATION_STRATEGY=alternating
//	}
//
// The rotator adds replaced_public_keys (the keys of the two versions before, which a
// later finishSecret removes). Other fields are kept. Secrets written by the AWS sample
// (PrivateKey and PublicKey) are read, and rotated under those names.
//
// # The steps
//
//   - createSecret: a new key pair of key_type, the private key in OpenSSH format, the
//     public key commented "secretsmanager:<secret ARN>:<version id>".
//   - setSecret: on every host (at most SSH_MAX_PARALLEL at once), log in and add the new
//     public key to authorized_keys over SFTP, with the options of the current key's
//     line. The function's ROTATION_STRATEGY decides who logs in, never the secret.
//     Single user: the user with the current key (or the pending or previous one).
//     Alternating: the master secret's account (root, or a user whose sftp_command runs
//     sftp-server through sudo), only on the hosts and accounts SSHKEY_ALLOWED_TARGETS
//     lists, never for uid 0, only inside the account's home, and by sshd's StrictModes
//     rules on every path component without following symbolic links. The file is replaced atomically:
//     a temporary file in the same directory, the original's mode and owner, then
//     posix-rename. A key already present is not added again, and every other line is
//     kept byte for byte. The current key is never removed here, so a host that fails
//     leaves every host accepting it.
//   - testSecret: log in to every host as the user with the new key alone, run "true".
//   - finishSecret (Finish, after AWSCURRENT moved): remove from every host the keys that
//     are neither current nor previous: the previous version's replaced_public_keys and
//     any key this secret installed for an abandoned rotation. With
//     SSH_REMOVE_OLD_KEY=immediately the previous key goes too.
//
// Host keys are checked against known_hosts (hashed names, @cert-authority and @revoked
// included); a host that is not there, or whose key changed, fails the step for that host
// before any authentication. Each failing host is reported in a *HostsError: which host,
// what failed and the underlying error.
package sshkey
