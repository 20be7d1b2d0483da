package emulator_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// startEmulator serves a new emulator on loopback for the length of the test (the shared
// kit, emulatortest), and returns it with its URL.
func startEmulator(t *testing.T, opts emulator.Options) (*emulator.Server, string) {
	t.Helper()
	env := emulatortest.Start(t, emulatortest.WithOptions(opts))
	return env.Server, env.URL
}

// smClient is a real SDK client for the emulator at url, in region, without retries so that
// every error reaches the test.
func smClient(url, region string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:           region,
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// newSM starts an emulator with a test clock and returns a us-east-1 client for it.
func newSM(t *testing.T) (*secretsmanager.Client, *testClock, string) {
	t.Helper()
	clock := newTestClock()
	_, url := startEmulator(t, emulator.Options{Now: clock.Now})
	return smClient(url, "us-east-1"), clock, url
}

// tok returns a distinct, valid ClientRequestToken for n.
func tok(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// wantAPIError fails unless err is the AWS error code, with a message containing msg.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	if !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("%s message %q does not contain %q", code, ae.ErrorMessage(), msg)
	}
}

// must turns a call's (result, error) into the result, failing the test on an error:
// must(c.GetSecretValue(ctx, in))(t).
func must[T any](out T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return out
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func asError[T error](err error, target *T) bool { return errors.As(err, target) }
