package apikey_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/apikey"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation/rotationtest"
)

// env is the test kit's emulator, a key service and (once registered) a rotation function.
type env struct {
	*emulatortest.Env
	t     testing.TB
	svc   *keyService
	fnARN string
	logs  *emulatortest.LogBuffer // the in-process engine's log
	vars  map[string]string       // the function's environment

	mu    sync.Mutex
	hooks map[rotation.Step]func(context.Context) // run before the engine handles a step
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{Env: emulatortest.Start(t), t: t, svc: newKeyService(t), logs: emulatortest.NewLogBuffer(t),
		hooks: map[rotation.Step]func(context.Context){}}
	e.vars = map[string]string{apikey.EnvCABundle: e.svc.caFile, rotation.EnvStrategy: "single"}
	return e
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

// alternating makes the function use the master secret, on the key service's host.
func (e *env) alternating() {
	e.setVar(rotation.EnvStrategy, "alternating")
	e.setVar(apikey.EnvAllowedHosts, e.svc.addr)
}

// registerInProcess registers the HTTP contract's engine as the in-process function
// "apikey", with the env's variables and a JSON log at debug level into e.logs.
func (e *env) registerInProcess() *rotation.Engine {
	e.t.Helper()
	opts, err := apikey.OptionsFromEnv(e.lookup)
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := apikey.New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.registerStrategy(r)
}

func (e *env) registerStrategy(s rotation.Strategy) *rotation.Engine {
	eng := rotationtest.Engine(e.Env, s, e.logs, nil, rotation.WithLookupEnv(e.lookup))
	e.fnARN = e.Register("apikey", func(ctx context.Context, payload []byte) ([]byte, error) {
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

// rotate starts a rotation with RotateSecret and waits until n rotations of arn finished;
// it returns the last.
func (e *env) rotate(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	if _, err := e.SM.RotateSecret(e.t.Context(), emulatortest.RotateInput(arn, e.fnARN)); err != nil {
		e.t.Fatalf("RotateSecret: %v", err)
	}
	return e.WaitRotated(arn, n)
}

// rotateAgain makes the next rotation after a failure: Secrets Manager reattempts a
// rotation in progress (AWSPENDING on a version that is not current) with the same token
// when its schedule comes (the emulator does when its clock passes the date); otherwise a
// new RotateSecret.
func (e *env) rotateAgain(arn string, n int) emulator.RotationRecord {
	e.t.Helper()
	stages := e.Stages(arn)
	if p := emulatortest.Holder(stages, rotation.StagePending); p != "" && p != emulatortest.Holder(stages, rotation.StageCurrent) {
		e.AdvanceClock(31 * 24 * time.Hour)
		rec := e.WaitRotated(arn, n)
		if rec.Token != p {
			e.t.Errorf("reattempt used token %s, want the pending %s", rec.Token, p)
		}
		return rec
	}
	return e.rotate(arn, n)
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
	v := e.Value(arn, stage)
	var ks keySecret
	if err := json.Unmarshal([]byte(v), &ks); err != nil {
		e.t.Fatalf("secret %s is not JSON: %v", stage, err)
	}
	_ = json.Unmarshal([]byte(v), &ks.raw)
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

// ptr returns a pointer to s, for comparing previous_key_id.
func ptr(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return "<absent>"
	}
	return *p
}
