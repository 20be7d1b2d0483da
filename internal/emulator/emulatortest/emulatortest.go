// Package emulatortest is the one test kit every package uses to run against the local
// emulator: Start gives an in-process emulator on a loopback httptest server, stopped when
// the test ends, with its control client, AWS SDK clients, rotation helpers, and a log
// buffer that fails the test when a secret value reaches it.
//
// A rotator's first test is then a few lines:
//
//	env := emulatortest.Start(t)
//	logs := emulatortest.NewLogBuffer(t)
//	fn := env.Register("rotator", rotationtest.Engine(env, strategy, logs, nil).Invoke, emulator.FunctionConfig{})
//	arn := env.CreateSecret("app", `{"password":"old"}`)
//	logs.Forbid("old")
//	rec := env.Rotate(arn, fn)
package emulatortest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// Region is the region every client of the kit uses.
const Region = emulator.DefaultRegion

// Static test credentials: the emulator does not check signatures, and real credentials
// must never reach a test.
const (
	AccessKeyID     = "AKIDEMULATORTEST"
	SecretAccessKey = "emulator-test-secret"
)

// WaitTimeout bounds every wait of the kit (rotations, mostly): long enough for a slow,
// loaded CI machine running a real bootstrap, short enough to fail rather than hang.
const WaitTimeout = 90 * time.Second

// Env is a running emulator for one test.
type Env struct {
	T       testing.TB
	Server  *emulator.Server
	URL     string
	Control *emulator.Control
	// SM is a Secrets Manager client that never retries: a test sees every error as it is.
	SM *secretsmanager.Client
}

// Option changes the emulator's options before it starts.
type Option func(*emulator.Options)

// WithClock makes the emulator read the time from now (a controllable clock).
func WithClock(now func() time.Time) Option {
	return func(o *emulator.Options) { o.Now = now }
}

// WithOptions sets every emulator option at once.
func WithOptions(opts emulator.Options) Option {
	return func(o *emulator.Options) { *o = opts }
}

// Start runs an emulator on a loopback httptest server for the rest of the test; it is
// closed (and its rotations and functions stopped) when the test ends.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	e, stop, err := StartServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("emulator Close: %v", err)
		}
	})
	return e.For(t)
}

// StartServer runs an emulator like Start, for a server that outlives one test (one
// started in TestMain or shared by a package's tests): the caller stops it with stop. The
// Env has no test (T is nil); For gives a copy bound to one, for the methods that fail it.
func StartServer(opts ...Option) (env *Env, stop func() error, err error) {
	var o emulator.Options
	for _, opt := range opts {
		opt(&o)
	}
	srv, err := emulator.New(o)
	if err != nil {
		return nil, nil, fmt.Errorf("emulator.New: %w", err)
	}
	hs := httptest.NewServer(srv)
	// Functions run by the emulator (Lambda bootstraps) call it back on this URL.
	srv.SetEndpoint(hs.URL)
	stop = func() error {
		hs.Close()
		return srv.Close()
	}
	e := &Env{Server: srv, URL: hs.URL, Control: emulator.NewControl(hs.URL)}
	e.SM = e.SecretsManager(1)
	return e, stop, nil
}

// For is a copy of the Env whose helper methods fail t; the emulator is the same.
func (e *Env) For(t testing.TB) *Env {
	c := *e
	c.T = t
	return &c
}

// Retryer retries at once (1 ms back-off, no rate limit) up to attempts times in all; 1
// means no retry. Fault-injection tests then run in milliseconds.
func Retryer(attempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		o.RateLimiter = ratelimit.None
	})
}

// AWSConfig is an SDK configuration pointing every service at the emulator, with static
// test credentials and Retryer(attempts).
func (e *Env) AWSConfig(attempts int) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(e.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		Retryer:      func() aws.Retryer { return Retryer(attempts) },
	}
}

// SecretsManager is a client with up to attempts attempts per call.
func (e *Env) SecretsManager(attempts int) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(e.AWSConfig(attempts))
}

// KMS is a KMS client that never retries.
func (e *Env) KMS() *kms.Client { return kms.NewFromConfig(e.AWSConfig(1)) }

// ClientEnv is the environment a process needs to use the emulator with an AWS SDK or the
// AWS CLI: endpoint, region, test credentials, and no shared files or instance metadata.
func (e *Env) ClientEnv() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + e.URL,
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
		"AWS_ACCESS_KEY_ID=" + AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + SecretAccessKey,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Register makes h the function name and returns its ARN.
func (e *Env) Register(name string, h emulator.Handler, cfg emulator.FunctionConfig) string {
	return e.Server.RegisterHandler(name, h, cfg)
}

// RegisterExecutable registers a built Lambda bootstrap as the function name and returns
// its ARN.
func (e *Env) RegisterExecutable(name, path string, cfg emulator.FunctionConfig) string {
	e.T.Helper()
	arn, err := e.Server.RegisterExecutable(name, path, cfg)
	if err != nil {
		e.T.Fatalf("RegisterExecutable %s: %v", name, err)
	}
	return arn
}

func ctx(t testing.TB) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), WaitTimeout)
}

// CreateSecret creates a secret with a string value and returns its ARN.
func (e *Env) CreateSecret(name, value string, tags ...types.Tag) string {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	out, err := e.SM.CreateSecret(c, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value), Tags: tags})
	if err != nil {
		e.T.Fatalf("CreateSecret %s: %v", name, err)
	}
	return aws.ToString(out.ARN)
}

// PutValue stores a new AWSCURRENT value and returns its version id.
func (e *Env) PutValue(id, value string) string {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	out, err := e.SM.PutSecretValue(c, &secretsmanager.PutSecretValueInput{SecretId: aws.String(id), SecretString: aws.String(value)})
	if err != nil {
		e.T.Fatalf("PutSecretValue %s: %v", id, err)
	}
	return aws.ToString(out.VersionId)
}

// RotateInput is what Rotate sends: the function and a 30-day schedule, rotating at once.
func RotateInput(arn, fnARN string) *secretsmanager.RotateSecretInput {
	return &secretsmanager.RotateSecretInput{
		SecretId:          aws.String(arn),
		RotationLambdaARN: aws.String(fnARN),
		RotationRules:     &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
	}
}

// Rotate starts a rotation of arn with the function fnARN and waits until it finishes
// (succeeded or failed); it returns its record. Check rec.Outcome.
func (e *Env) Rotate(arn, fnARN string) emulator.RotationRecord {
	e.T.Helper()
	n := len(e.Finished(arn)) + 1
	c, cancel := ctx(e.T)
	defer cancel()
	if _, err := e.SM.RotateSecret(c, RotateInput(arn, fnARN)); err != nil {
		e.T.Fatalf("RotateSecret %s: %v", arn, err)
	}
	return e.WaitRotated(arn, n)
}

// MustRotate is Rotate that fails the test unless the rotation succeeded.
func (e *Env) MustRotate(arn, fnARN string) emulator.RotationRecord {
	e.T.Helper()
	rec := e.Rotate(arn, fnARN)
	if rec.Outcome != "succeeded" {
		e.T.Fatalf("rotation of %s %s: %s", arn, rec.Outcome, rec.Error)
	}
	return rec
}

// Finished is every finished rotation of arn, oldest first.
func (e *Env) Finished(arn string) []emulator.RotationRecord {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	all, err := e.Control.Rotations(c)
	if err != nil {
		e.T.Fatalf("rotation history: %v", err)
	}
	var done []emulator.RotationRecord
	for _, r := range all {
		if r.SecretARN == arn && r.Outcome != "running" {
			done = append(done, r)
		}
	}
	return done
}

// WaitRotated waits until n rotations of arn have finished and returns the n-th.
func (e *Env) WaitRotated(arn string, n int) emulator.RotationRecord {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	recs, err := e.Control.WaitRotations(c, arn, n)
	if err != nil {
		e.T.Fatal(err)
	}
	return recs[n-1]
}

// AdvanceClock moves the emulator's clock (due rotations and reattempts then run).
func (e *Env) AdvanceClock(d time.Duration) {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	if err := e.Control.AdvanceClock(c, d); err != nil {
		e.T.Fatalf("advance clock: %v", err)
	}
}

// InjectFault makes the emulator fail or delay calls as f says.
func (e *Env) InjectFault(f emulator.Fault) {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	if err := e.Control.InjectFault(c, f); err != nil {
		e.T.Fatalf("inject fault: %v", err)
	}
}

// Calls is the number of calls of each operation so far.
func (e *Env) Calls() map[string]int64 {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	calls, err := e.Control.Calls(c)
	if err != nil {
		e.T.Fatalf("call counts: %v", err)
	}
	return calls
}

// Stages maps each version id of the secret to its staging labels.
func (e *Env) Stages(arn string) map[string][]string {
	e.T.Helper()
	c, cancel := ctx(e.T)
	defer cancel()
	d, err := e.SM.DescribeSecret(c, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		e.T.Fatalf("DescribeSecret %s: %v", arn, err)
	}
	return d.VersionIdsToStages
}

// Holder is the version that holds label in stages, or "".
func Holder(stages map[string][]string, label string) string {
	for id, labels := range stages {
		for _, l := range labels {
			if l == label {
				return id
			}
		}
	}
	return ""
}

// Value is the secret's string value at stage ("" for AWSCURRENT); a binary value is
// returned base64-encoded.
func (e *Env) Value(arn, stage string) string {
	e.T.Helper()
	v, err := e.ValueErr(arn, stage)
	if err != nil {
		e.T.Fatalf("GetSecretValue %s at %q: %v", arn, stage, err)
	}
	return v
}

// ValueErr is Value that returns the error instead of failing the test.
func (e *Env) ValueErr(arn, stage string) (string, error) {
	c, cancel := ctx(e.T)
	defer cancel()
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	out, err := e.SM.GetSecretValue(c, in)
	if err != nil {
		return "", err
	}
	if out.SecretString != nil {
		return *out.SecretString, nil
	}
	return base64.StdEncoding.EncodeToString(out.SecretBinary), nil
}

// Versions describes the secret's versions in one stable line ("id[LABEL,...] ..."), for
// failure messages.
func (e *Env) Versions(arn string) string {
	e.T.Helper()
	st := e.Stages(arn)
	ids := make([]string, 0, len(st))
	for id := range st {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(id + "[" + strings.Join(st[id], ",") + "]")
	}
	return b.String()
}
