package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

func x509Pool(pemCerts []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pemCerts)
	return p
}

type apiKey struct {
	Key string `json:"api_key"`
	ID  string `json:"key_id"`
}

func parseAPIKey(s string) (apiKey, error) {
	var k apiKey
	if err := json.Unmarshal([]byte(s), &k); err != nil {
		return k, fmt.Errorf("the secret is not JSON: %w", err)
	}
	return k, nil
}

// apiKeySetup is what the API key, replica and agent scenes share: a key service, an
// emulator, the apikey rotator registered for the service, and a secret holding the
// service's first key.
type apiKeySetup struct {
	svc      *keyService
	env      *emulatortest.Env
	fn, arn  string
	firstKey string
}

func setUpAPIKey(s *stage, name string, replicaRegions ...string) (*apiKeySetup, error) {
	a := &apiKeySetup{}
	err := s.step("start the key service, the emulator and the apikey rotator", func() (string, error) {
		svc, id, key, err := startKeyService(s)
		if err != nil {
			return "", err
		}
		a.svc, a.firstKey = svc, key
		if a.env, err = s.emulator(); err != nil {
			return "", err
		}
		vars, err := svc.rotatorEnv(s)
		if err != nil {
			return "", err
		}
		if a.fn, err = s.function(a.env, "apikey", vars); err != nil {
			return "", err
		}
		in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(apiKeySecret(id, key))}
		for _, r := range replicaRegions {
			in.AddReplicaRegions = append(in.AddReplicaRegions, types.ReplicaRegionType{Region: aws.String(r)})
		}
		if a.arn, err = s.createSecret(a.env, in); err != nil {
			return "", err
		}
		return fmt.Sprintf("service %s, APIKEY_ALLOWED_HOSTS=%s", svc.URL, svc.Host), nil
	})
	return a, err
}

// sceneAPIKey: an API key of a local HTTPS key service, rotated by the apikey rotator: the
// service makes the new key, the rotator tests it and revokes the old one.
func sceneAPIKey(ctx context.Context, s *stage) error {
	a, err := setUpAPIKey(s, "demo/apikey/payments")
	if err != nil {
		return err
	}
	code, err := a.svc.get(a.firstKey)
	if err != nil {
		return err
	}
	s.show("before:", "the first key answers %d; active keys %v", code, a.svc.ids())
	if err := s.step("rotation", func() (string, error) {
		if _, err := s.rotate(a.env, a.arn, a.fn); err != nil {
			return "", err
		}
		return "created, tested, old key revoked", nil
	}); err != nil {
		return err
	}
	v, err := s.value(a.env.SM, a.arn, "AWSCURRENT")
	if err != nil {
		return err
	}
	cur, err := parseAPIKey(v)
	if err != nil {
		return err
	}
	newCode, err := a.svc.get(cur.Key)
	if err != nil {
		return err
	}
	oldCode, err := a.svc.get(a.firstKey)
	if err != nil {
		return err
	}
	s.show("after:", "AWSCURRENT %s answers %d; the first key answers %d; active keys %v", cur.ID, newCode, oldCode, a.svc.ids())
	if newCode != http.StatusOK || oldCode != http.StatusUnauthorized {
		return fmt.Errorf("after the rotation the new key got %d (want 200) and the old one %d (want 401)", newCode, oldCode)
	}
	return nil
}

// sceneReplica: a secret replicated to a second region; the rotation in the primary region
// reaches the replica, which applications in that region read.
func sceneReplica(ctx context.Context, s *stage) error {
	const replica = "us-west-2"
	a, err := setUpAPIKey(s, "demo/replica/payments", replica)
	if err != nil {
		return err
	}
	cfg := a.env.AWSConfig(3)
	cfg.Region = replica
	west := secretsmanager.NewFromConfig(cfg)
	keyIn := func(sm *secretsmanager.Client) (apiKey, error) {
		v, err := s.value(sm, "demo/replica/payments", "AWSCURRENT")
		if err != nil {
			return apiKey{}, err
		}
		return parseAPIKey(v)
	}
	before, err := keyIn(west)
	if err != nil {
		return fmt.Errorf("read the replica in %s: %w", replica, err)
	}
	s.show("before:", "%s holds %s (the primary's key: %v)", replica, before.ID, before.Key == a.firstKey)
	var rec time.Time
	if err := s.step("rotation in "+emulatortest.Region, func() (string, error) {
		r, err := s.rotate(a.env, a.arn, a.fn)
		if err != nil {
			return "", err
		}
		rec = r.Finished
		return "", nil
	}); err != nil {
		return err
	}
	primary, err := keyIn(a.env.SM)
	if err != nil {
		return err
	}
	// Replication is asynchronous in AWS: poll as a reader in the other region would.
	var after apiKey
	for {
		if after, err = keyIn(west); err != nil {
			return err
		}
		if after.Key == primary.Key || time.Since(rec) > rotationTimeout {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	d, err := a.env.SM.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(a.arn)})
	if err != nil {
		return err
	}
	status := "?"
	for _, r := range d.ReplicationStatus {
		if aws.ToString(r.Region) == replica {
			status = string(r.Status)
		}
	}
	s.show("after:", "%s holds %s, the rotated key: %v (replication %s, seen %s after the rotation finished)",
		replica, after.ID, after.Key == primary.Key, status, roundDuration(time.Since(rec)))
	if after.Key != primary.Key {
		return fmt.Errorf("the replica in %s still holds %s after the rotation to %s", replica, after.ID, primary.ID)
	}
	return nil
}

// agentTTL is the cache agent's longest time without confirming a value (-ttl): short, so
// that the scene is quick; in production it is minutes, and the cache also checks more
// often inside the secret's rotation window.
const agentTTL = "1s"

// sceneAgent: the cache agent (cmd/secretcache-agent) serving a secret to a client over
// its local HTTP interface, before and after a rotation, and how long the client took to
// see the new value.
func sceneAgent(ctx context.Context, s *stage) error {
	a, err := setUpAPIKey(s, "demo/agent/payments")
	if err != nil {
		return err
	}
	token := randomHex(16)
	var agentURL string
	if err := s.step("start the cache agent", func() (string, error) {
		cmd := exec.Command(s.bins["secretcache-agent"], "-port", "0", "-ttl", agentTTL, "-endpoint-url", a.env.URL,
			"-region", emulatortest.Region, "-log-level", "error")
		cmd.Env = append(a.env.ClientEnv(), "AWS_TOKEN="+token, "PATH="+os.Getenv("PATH"))
		out, err := cmd.StdoutPipe()
		if err != nil {
			return "", err
		}
		cmd.Stderr = s.logWriter()
		if err := cmd.Start(); err != nil {
			return "", err
		}
		s.defer_(func() error {
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			return nil
		})
		// It prints its address once it accepts connections.
		line := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if _, addr, ok := strings.Cut(sc.Text(), "listening on "); ok {
					line <- addr
					break
				}
			}
			_, _ = io.Copy(io.Discard, out)
		}()
		select {
		case agentURL = <-line:
		case <-time.After(30 * time.Second):
			return "", fmt.Errorf("the agent printed no address within 30s")
		case <-ctx.Done():
			return "", ctx.Err()
		}
		return agentURL + ", -ttl " + agentTTL, nil
	}); err != nil {
		return err
	}
	// The client: the agent's documented interface, with the token header.
	ask := func() (apiKey, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, agentURL+"/secretsmanager/get?secretId="+url.QueryEscape("demo/agent/payments"), nil)
		if err != nil {
			return apiKey{}, err
		}
		req.Header.Set("X-Aws-Parameters-Secrets-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return apiKey{}, err
		}
		defer resp.Body.Close()
		var body struct{ SecretString string }
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return apiKey{}, fmt.Errorf("the agent answered %s: %s", resp.Status, b)
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return apiKey{}, err
		}
		return parseAPIKey(body.SecretString)
	}
	before, err := ask()
	if err != nil {
		return err
	}
	s.show("before:", "the agent answers %s", before.ID)
	var finished time.Time
	if err := s.step("rotation", func() (string, error) {
		r, err := s.rotate(a.env, a.arn, a.fn)
		if err != nil {
			return "", err
		}
		finished = r.Finished
		return "", nil
	}); err != nil {
		return err
	}
	var after apiKey
	for {
		if after, err = ask(); err != nil {
			return err
		}
		if after.ID != before.ID {
			break
		}
		if time.Since(finished) > rotationTimeout {
			return fmt.Errorf("the agent still answers %s %s after the rotation", before.ID, roundDuration(time.Since(finished)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.show("after:", "the agent answers %s, %s after the rotation finished (at most -ttl %s)", after.ID, roundDuration(time.Since(finished)), agentTTL)
	return nil
}
