package sshkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// snapshot is everything a retried step could change: each host's authorized_keys
// (content, inode and modification time: a rewrite with the same bytes shows too) and
// every version of the secret with its labels. It reports problems as a string, for use
// outside the test goroutine.
func snapshot(e *env, f *fleet, arn string) string {
	var b strings.Builder
	for i, s := range f.servers {
		data, err := os.ReadFile(s.AuthorizedKeysPath)
		fi, err2 := os.Stat(s.AuthorizedKeysPath)
		if err != nil || err2 != nil {
			fmt.Fprintf(&b, "host %d: %v %v\n", i+1, err, err2)
			continue
		}
		fmt.Fprintf(&b, "host %d: %v %s %q\n", i+1, fi.Sys(), fi.ModTime(), data)
	}
	ctx := context.Background()
	out, err := e.SM.ListSecretVersionIds(ctx, &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(arn), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		return b.String() + "ListSecretVersionIds: " + err.Error()
	}
	var versions []string
	for _, v := range out.Versions {
		val := "<no value>"
		if got, err := e.SM.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionId: v.VersionId}); err == nil {
			val = aws.ToString(got.SecretString)
		}
		st := slices.Clone(v.VersionStages)
		slices.Sort(st)
		versions = append(versions, fmt.Sprintf("%s %v %s", aws.ToString(v.VersionId), st, val))
	}
	slices.Sort(versions)
	return b.String() + strings.Join(versions, "\n")
}

// TestRetriedStepsChangeNothing invokes every step twice, in both modes: the second
// invocation leaves authorized_keys byte-identical (and not even rewritten: same inode and
// modification time) on every host, and the secret's versions and labels as they were.
func TestRetriedStepsChangeNothing(t *testing.T) {
	t.Parallel()
	for _, alternating := range []bool{false, true} {
		t.Run(fmt.Sprintf("alternating=%v", alternating), func(t *testing.T) {
			t.Parallel()
			k0, other := newKey(t), newKey(t)
			f := startFleet(t, 2, []byte(initialFile(k0, other)), alternating)
			e := newEnv(t)
			var arn string
			var mu sync.Mutex
			retried := map[string]int{}
			e.inProcess(f.options(alternating), func(step string, _ []byte, invoke func() error) error {
				if err := invoke(); err != nil {
					return err
				}
				before := snapshot(e, f, arn)
				if err := invoke(); err != nil {
					t.Errorf("retried %s failed: %v", step, err)
					return err
				}
				if after := snapshot(e, f, arn); after != before {
					t.Errorf("retried %s changed something:\nbefore:\n%s\nafter:\n%s", step, before, after)
				}
				mu.Lock()
				retried[step]++
				mu.Unlock()
				return nil
			})
			extra := map[string]any{}
			if alternating {
				extra["masterarn"] = e.CreateSecret("master", f.masterSecret(nil))
			}
			arn = e.CreateSecret("user", f.secret(k0, extra))
			for n := 1; n <= 2; n++ {
				if rec := e.rotate(arn, n); rec.Outcome != "succeeded" {
					t.Fatalf("rotation %d: %s\n%s", n, rec.Error, e.allLogs())
				}
			}
			for _, step := range rotation.Steps {
				if retried[string(step)] != 2 {
					t.Errorf("%s retried %d times, want 2", step, retried[string(step)])
				}
			}
			f.assertLogin("after two rotations, the current key", e.currentKey(arn), true)
			f.assertLogin("after two rotations, the first key", k0, false)
		})
	}
}

// TestHostDown kills the second host before a step of the second rotation: the rotation
// fails naming that host and why, no host is locked out (the AWSCURRENT key works on both
// once the host is back), and the next rotation completes. A finishSecret that failed on
// the host finishes when invoked again.
func TestHostDown(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"setSecret", "testSecret", "finishSecret"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			k0, other := newKey(t), newKey(t)
			f := startFleet(t, 2, []byte(initialFile(k0, other)), false)
			down := f.servers[1]
			e := newEnv(t)
			var mu sync.Mutex
			var rotations int
			var finishEvent []byte
			eng := e.inProcess(f.options(false), func(s string, payload []byte, invoke func() error) error {
				mu.Lock()
				if s == "createSecret" {
					rotations++
				}
				kill := s == step && rotations == 2 && down.Running()
				if s == "finishSecret" {
					finishEvent = payload
				}
				mu.Unlock()
				if kill {
					if err := down.Kill(); err != nil {
						t.Errorf("kill: %v", err)
					}
				}
				return invoke()
			})
			arn := e.CreateSecret("user", f.secret(k0, nil))
			if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
				t.Fatalf("rotation 1: %s", rec.Error)
			}
			k1 := e.currentKey(arn)

			rec := e.rotate(arn, 2)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation 2 with host 2 down before %s: %s", step, rec.Outcome)
			}
			t.Logf("rotation error: %s", rec.Error)
			for _, want := range []string{step, "1 of 2 hosts failed", "host " + down.Addr() + ": ", "connection refused"} {
				if !strings.Contains(rec.Error, want) {
					t.Errorf("rotation error does not say %q: %s", want, rec.Error)
				}
			}
			if strings.Contains(rec.Error, f.servers[0].Addr()) {
				t.Errorf("rotation error names the host that worked: %s", rec.Error)
			}
			current := e.currentKey(arn)
			if err := login(f.servers[0], current); err != nil {
				t.Errorf("host 1 refuses the AWSCURRENT key while host 2 is down: %v", err)
			}
			if err := down.Start(t.Context()); err != nil {
				t.Fatal(err)
			}
			f.assertLogin("after the failure, the AWSCURRENT key", current, true)
			f.assertLogin("after the failure, the previous key", keyFromPEM(t, e.value(arn, rotation.StagePrevious)["private_key"]), true)

			var k2 key
			next := 3
			if step == "finishSecret" {
				// AWSCURRENT moved; the cleanup failed on host 2 only.
				k2 = current
				if data, _ := down.ReadAuthorizedKeys(); !strings.Contains(string(data), k0.line("")) {
					t.Errorf("host 2 lost the first key although its cleanup failed")
				}
				if err := login(f.servers[0], k0); err == nil {
					t.Errorf("host 1 still accepts the first key after its cleanup")
				}
				host1 := f.file(0)
				if _, err := eng.Invoke(t.Context(), finishEvent); err != nil {
					t.Fatalf("finishSecret invoked again: %v", err)
				}
				f.assertLogin("after finishSecret again, the first key", k0, false)
				if after := f.file(0); after != host1 {
					t.Errorf("finishSecret invoked again rewrote host 1's authorized_keys")
				}
			} else {
				// The rotation is still in progress; Secrets Manager reattempts it.
				if current.pem != k1.pem {
					t.Errorf("AWSCURRENT moved although %s failed", step)
				}
				if rec := e.rotateAgain(arn, 3); rec.Outcome != "succeeded" {
					t.Fatalf("reattempt after recovery: %s", rec.Error)
				}
				k2 = e.currentKey(arn)
				next = 4
				f.assertLogin("after recovery, the first key", k0, false)
			}
			f.assertLogin("after recovery, the second rotation's key", k2, true)
			f.assertLogin("after recovery, the first rotation's key", k1, true)
			if rec := e.rotate(arn, next); rec.Outcome != "succeeded" {
				t.Fatalf("next rotation: %s", rec.Error)
			}
			f.assertLogin("after the next rotation, its key", e.currentKey(arn), true)
			f.assertLogin("after the next rotation, the previous key", k2, true)
			f.assertLogin("after the next rotation, the key two generations old", k1, false)
			for i := range f.servers {
				if st := f.file(i); strings.Count(st.data, "\n") != 6 {
					t.Errorf("host %d: authorized_keys should have 4 other lines and 2 keys:\n%s", i+1, st.data)
				}
			}
		})
	}
}

// TestHostKeyNotVerified: a host whose key changed, or that known_hosts does not list,
// fails the rotation naming it, before anything is changed there; the current key keeps
// working everywhere.
func TestHostKeyNotVerified(t *testing.T) {
	t.Parallel()
	for _, tc := range []string{"changed", "unknown"} {
		t.Run(tc, func(t *testing.T) {
			t.Parallel()
			k0, other := newKey(t), newKey(t)
			original := initialFile(k0, other)
			f := startFleet(t, 2, []byte(original), false)
			bad := f.servers[1]
			extra := map[string]any{}
			want := "but known_hosts has ssh-ed25519 "
			switch tc {
			case "changed":
				// known_hosts keeps the key the host had.
				extra["known_hosts"] = f.knownHosts()
				if err := bad.ReplaceHostKey(t.Context()); err != nil {
					t.Fatal(err)
				}
			case "unknown":
				extra["known_hosts"] = f.servers[0].KnownHosts() + "\n"
				want = "the host is not in known_hosts"
			}
			e := newEnv(t)
			e.inProcess(f.options(false), nil)
			arn := e.CreateSecret("user", f.secret(k0, extra))
			rec := e.rotate(arn, 1)
			if rec.Outcome != "failed" {
				t.Fatalf("rotation with a %s host key: %s", tc, rec.Outcome)
			}
			t.Logf("rotation error: %s", rec.Error)
			for _, w := range []string{"setSecret", "1 of 2 hosts failed", "host key verification failed for " + bad.Addr(), want} {
				if !strings.Contains(rec.Error, w) {
					t.Errorf("rotation error does not say %q: %s", w, rec.Error)
				}
			}
			if st := f.file(1); st.data != original {
				t.Errorf("the unverified host's authorized_keys changed:\n%s", st.data)
			}
			if log, _ := bad.Log(); strings.Contains(log, "Accepted publickey") {
				t.Errorf("the rotator logged in to the unverified host:\n%s", log)
			}
			f.assertLogin("after the failure, the current key", k0, true)
		})
	}
}

// TestSecretsManagerCalls counts the Secrets Manager calls of one rotation in each mode.
func TestSecretsManagerCalls(t *testing.T) {
	t.Parallel()
	k0 := newKey(t)
	f := startFleet(t, 2, []byte(k0.line("")+"\n"), true)
	for _, tc := range []struct {
		name  string
		extra func(e *env) map[string]any
		want  int64
	}{
		{"single user", func(*env) map[string]any { return nil }, 14},
		{"alternating", func(e *env) map[string]any {
			return map[string]any{"masterarn": e.CreateSecret("master", f.masterSecret(nil))}
		}, 17}, // testSecret reads the master secret too, for its known_hosts
	} {
		e := newEnv(t)
		e.inProcess(f.options(tc.name == "alternating"), nil)
		arn := e.CreateSecret("user", f.secret(k0, tc.extra(e)))
		if err := e.Control.ResetCalls(t.Context()); err != nil {
			t.Fatal(err)
		}
		if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
			t.Fatalf("%s: %s", tc.name, rec.Error)
		}
		calls, err := e.Control.Calls(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for op, n := range calls {
			if strings.HasPrefix(op, "secretsmanager.") && op != "secretsmanager.RotateSecret" {
				total += n
			}
		}
		b, _ := json.Marshal(calls)
		t.Logf("%s: %d Secrets Manager calls by the function per rotation: %s", tc.name, total, b)
		if total != tc.want {
			t.Errorf("%s: %d calls per rotation, want %d", tc.name, total, tc.want)
		}
	}
}
