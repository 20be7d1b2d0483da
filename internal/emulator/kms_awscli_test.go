package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// kmsCLI runs Debian's AWS CLI (debianAWS, awscli_test.go) against an emulator.
type kmsCLI struct {
	t        *testing.T
	endpoint string
	env      []string
	dir      string
}

func newKMSCLI(t *testing.T) *kmsCLI {
	t.Helper()
	if _, err := os.Stat(debianAWS); err != nil {
		t.Fatalf("Debian's AWS CLI is missing (%v): run scripts/install-deps.sh (as root) to install the awscli package", err)
	}
	_, url := startEmulator(t, emulator.Options{})
	home := t.TempDir()
	return &kmsCLI{t: t, endpoint: url, dir: t.TempDir(), env: []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + home,
		"AWS_ACCESS_KEY_ID=test",
		"AWS_SECRET_ACCESS_KEY=test",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-such-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-such-credentials"),
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
	}}
}

// run runs `aws <args...>` and returns its standard output, or its standard error as an error.
func (c *kmsCLI) run(args ...string) (string, error) {
	c.t.Helper()
	full := append(append([]string{}, args...), "--endpoint-url", c.endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianAWS, full...)
	cmd.Env = c.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			c.t.Fatalf("aws %s: %v", strings.Join(args[:2], " "), err)
		}
		return stdout.String(), errors.New(strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

func (c *kmsCLI) ok(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// file writes data to a file for a fileb:// argument.
func (c *kmsCLI) file(name string, data []byte) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return "fileb://" + p
}

// TestAWSCLIKMS: create-key, encrypt a file, decrypt it back, with key ids and aliases, using
// the AWS CLI, a client nobody here wrote.
func TestAWSCLIKMS(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the AWS CLI scenario")
	}
	t.Parallel()
	cli := newKMSCLI(t)

	var created struct {
		KeyMetadata struct {
			KeyId, Arn, KeyState, KeyUsage, KeySpec, KeyManager, Description string
			Enabled                                                          bool
			EncryptionAlgorithms                                             []string
		}
	}
	if err := json.Unmarshal([]byte(cli.ok("kms", "create-key", "--description", "cli key", "--output", "json")), &created); err != nil {
		t.Fatal(err)
	}
	md := created.KeyMetadata
	if !keyIDRE.MatchString(md.KeyId) || md.Arn != keyARN("us-east-1", md.KeyId) || md.KeyState != "Enabled" || !md.Enabled ||
		md.KeyUsage != "ENCRYPT_DECRYPT" || md.KeySpec != "SYMMETRIC_DEFAULT" || md.KeyManager != "CUSTOMER" || md.Description != "cli key" ||
		len(md.EncryptionAlgorithms) != 1 || md.EncryptionAlgorithms[0] != "SYMMETRIC_DEFAULT" {
		t.Fatalf("create-key: %+v", md)
	}
	cli.ok("kms", "create-alias", "--alias-name", "alias/cli", "--target-key-id", md.KeyId)

	plaintext := []byte("binary \x00\x01\xff plaintext from a file")
	for _, tc := range []struct{ name, keyID string }{
		{"key id", md.KeyId},
		{"key ARN", md.Arn},
		{"alias", "alias/cli"},
		{"alias ARN", "arn:aws:kms:us-east-1:" + accountID + ":alias/cli"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// --output text --query CiphertextBlob prints the blob in base64.
			ctB64 := strings.TrimSpace(cli.ok("kms", "encrypt", "--key-id", tc.keyID, "--plaintext", cli.file("plain.bin", plaintext),
				"--encryption-context", "purpose=cli", "--output", "text", "--query", "CiphertextBlob"))
			ct, err := base64.StdEncoding.DecodeString(ctB64)
			if err != nil || bytes.Contains(ct, plaintext) {
				t.Fatalf("encrypt gave %q (%v)", ctB64, err)
			}
			var dec struct{ KeyId, Plaintext, EncryptionAlgorithm string }
			out := cli.ok("kms", "decrypt", "--ciphertext-blob", cli.file("cipher.bin", ct), "--encryption-context", "purpose=cli", "--output", "json")
			if err := json.Unmarshal([]byte(out), &dec); err != nil {
				t.Fatal(err)
			}
			got, err := base64.StdEncoding.DecodeString(dec.Plaintext)
			if err != nil || !bytes.Equal(got, plaintext) || dec.KeyId != md.Arn || dec.EncryptionAlgorithm != "SYMMETRIC_DEFAULT" {
				t.Fatalf("decrypt: %+v (%v)", dec, err)
			}
			if tc.name != "key id" {
				return
			}
			// The wrong encryption context is refused.
			_, err = cli.run("kms", "decrypt", "--ciphertext-blob", cli.file("cipher.bin", ct), "--encryption-context", "purpose=other", "--output", "json")
			if err == nil || !strings.Contains(err.Error(), "InvalidCiphertextException") {
				t.Fatalf("decrypt with another context: %v", err)
			}
		})
	}

	// describe-key by alias, then disable-key: encrypt fails as AWS says.
	var described struct{ KeyMetadata struct{ KeyId string } }
	if err := json.Unmarshal([]byte(cli.ok("kms", "describe-key", "--key-id", "alias/cli", "--output", "json")), &described); err != nil || described.KeyMetadata.KeyId != md.KeyId {
		t.Fatalf("describe-key alias/cli: %+v (%v)", described, err)
	}
	cli.ok("kms", "disable-key", "--key-id", md.KeyId)
	_, err := cli.run("kms", "encrypt", "--key-id", "alias/cli", "--plaintext", cli.file("plain.bin", plaintext), "--output", "json")
	if err == nil || !strings.Contains(err.Error(), "(DisabledException)") || !strings.Contains(err.Error(), md.Arn+" is disabled.") {
		t.Fatalf("encrypt with a disabled key: %v", err)
	}
}
