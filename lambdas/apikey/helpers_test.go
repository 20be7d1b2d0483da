package apikey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// env is an emulator, a key service and (once registered) a rotation function.
type env struct {
	t     testing.TB
	srv   *emulator.Server
	url   string
	ctl   *emulator.Control
	sm    *secretsmanager.Client // the test's own client, without retries
	svc   *keyService
	fnARN string
	logs  *buffer           // the in-process engine's log
	vars  map[string]string // the function's environment

	mu    sync.Mutex
	hooks map[rotation.Step]func(context.Context) // run before the engine handles a step
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	hs := httptest.NewServer(srv)
	srv.SetEndpoint(hs.URL)
	t.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("emulator Close: %v", err)
		}
	})
	e := &env{t: t, srv: srv, url: hs.URL, ctl: emulator.NewControl(hs.URL), sm: smClient(hs.URL, 1),
		svc: newKeyService(t), logs: &buffer{}, hooks: map[rotation.Step]func(context.Context){}}
	e.vars = map[string]string{apikey.EnvCABundle: e.svc.caFile}
	return e
}

// smClient is an SDK client for the emulator; with attempts > 1 it retries at once.
func smClient(url string, attempts int) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
			o.RateLimiter = ratelimit.None
		}),
	})
}

func (e *env) lookup(name string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, ok := e.vars[name]
	return v, ok
}

func (e *env) setVar(name, value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[name] = value
}

// hook runs f before the engine handles step (nil removes it).
func (e *env) hook(step rotation.Step, f func(context.Context)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f == nil {
		delete(e.hooks, step)
	} else {
		e.hooks[step] = f
	}
}

// registerInProcess registers the HTTP contract's engine as the in-process function
// "apikey", with the env's variables and a JSON log at debug level into e.logs.
func (e *env) registerInProcess() *rotation.Engine {
	strategy := apikey.NewHTTPStrategy(apikey.HTTPOptions{LookupEnv: e.lookup})
	return e.registerStrategy(strategy)
}

func (e *env) registerStrategy(s rotation.Strategy) *rotation.Engine {
	eng := rotation.New(s,
		rotation.WithClient(smClient(e.url, 3)),
		rotation.WithLogger(slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		rotation.WithLookupEnv(e.lookup),
	)
	e.fnARN = e.srv.RegisterHandler("apikey", func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev rotation.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		e.mu.Lock()
		h := e.hooks[ev.Step]
		e.mu.Unlock()
		if h != nil {
			h(ctx)
		}
		return eng.Invoke(ctx, payload)
	}, emulator.FunctionConfig{Timeout: 30 * time.Second})
	return eng
}

// secret is an API key secret for the service, with fields the rotator does not know.
func (e *env) secret(id, value string, settings map[string]any, extra map[string]any) string {
	e.t.Helper()
	m := map[string]any{
		"api_key": value, "key_id": id, "note": "keep me",
		"extra": map[string]any{"nested": []any{1, 2, map[string]any{"deep": true}}},
	}
	if settings != nil {
		m["rotation"] = settings
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

func (e *env) createSecret(name, value string) string {
	e.t.Helper()
	out, err := e.sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		e.t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return aws.ToString(out.ARN)
}

// rotate starts a rotation with RotateSecret and waits until n rotations of arn finished;
// it returns the last.
func (e *env) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	_, err := e.sm.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{
		SecretId: aws.String(arn), RotationLambdaARN: aws.String(e.fnARN),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)},
	})
	if err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.wait(arn, n)
}

func (e *env) wait(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	recs, err := e.ctl.WaitRotations(ctx, arn, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs[n-1]
}

// rotateAgain makes the next rotation after a failure: Secrets Manager reattempts a
// rotation in progress (AWSPENDING on a version that is not current) with the same token
// when its schedule comes (the emulator does when its clock passes the date); otherwise a
// new RotateSecret.
func (e *env) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	stages := e.stages(arn)
	if p := holder(stages, rotation.StagePending); p != "" && p != holder(stages, rotation.StageCurrent) {
		if err := e.ctl.AdvanceClock(context.Background(), 31*24*time.Hour); err != nil {
			e.t.Fatal(err)
		}
		rec := e.wait(arn, n)
		if rec.Token != p {
			e.t.Errorf("reattempt used token %s, want the pending %s", rec.Token, p)
		}
		return rec
	}
	return e.rotate(arn, n)
}

func (e *env) stages(arn string) map[string][]string {
	e.t.Helper()
	d, err := e.sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		e.t.Fatalf("DescribeSecret: %v", err)
	}
	return d.VersionIdsToStages
}

func holder(stages map[string][]string, label string) string {
	for id, st := range stages {
		if slices.Contains(st, label) {
			return id
		}
	}
	return ""
}

// keySecret is the decoded value of a version.
type keySecret struct {
	Key    string          `json:"api_key"`
	ID     string          `json:"key_id"`
	PrevID *string         `json:"previous_key_id"`
	Note   string          `json:"note"`
	Extra  json.RawMessage `json:"extra"`
	raw    map[string]json.RawMessage
}

func (e *env) value(arn, stage string) keySecret {
	e.t.Helper()
	out, err := e.sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		e.t.Fatalf("GetSecretValue %s: %v", stage, err)
	}
	var ks keySecret
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &ks); err != nil {
		e.t.Fatalf("secret %s is not JSON: %v", stage, err)
	}
	_ = json.Unmarshal([]byte(aws.ToString(out.SecretString)), &ks.raw)
	return ks
}

// checkCurrent fails unless the AWSCURRENT key works and the unknown fields survived.
func (e *env) checkCurrent(arn string) keySecret {
	e.t.Helper()
	cur := e.value(arn, rotation.StageCurrent)
	if st := e.svc.status(cur.Key); st != 200 {
		e.t.Fatalf("the AWSCURRENT key (id %s) gets HTTP %d from the service, want 200 (active keys %v)", cur.ID, st, e.svc.activeIDs())
	}
	if cur.Note != "keep me" || string(cur.Extra) != `{"nested":[1,2,{"deep":true}]}` {
		e.t.Errorf("AWSCURRENT lost unknown fields: note=%q extra=%s", cur.Note, cur.Extra)
	}
	return cur
}

// checkNoSecrets fails if any key value or the master token appears in text.
func (e *env) checkNoSecrets(what, text string) {
	e.t.Helper()
	for _, v := range e.svc.allSecrets() {
		if strings.Contains(text, v) {
			e.t.Errorf("%s holds a secret value (%.6s...)", what, v)
		}
	}
}

// buffer is a concurrency-safe bytes.Buffer for logs.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// ptr returns a pointer to s, for comparing previous_key_id.
func ptr(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return "<absent>"
	}
	return *p
}
