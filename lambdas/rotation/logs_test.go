package rotation_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// leakyStrategy does everything a careless rotator could do with secret values: logs them
// at every level, in messages and attributes, and quotes them in errors (the first
// setSecret of the second rotation fails that way).
type leakyStrategy struct {
	mu     sync.Mutex
	tokens map[string]bool // seen by Set
}

func (s *leakyStrategy) leak(ctx context.Context, run *rotation.Run, what string, sec *rotation.Secret) {
	db, err := rotation.ParseDBSecret(sec)
	if err != nil {
		return
	}
	l := run.Logger()
	l.Debug(what+" password is "+db.Password, "password", db.Password, "secret", sec, "db", db)
	l.Info("as error", "err", errors.New("login failed for "+db.Password))
	l.Warn("as bytes", "raw", []byte(db.Password), "quoted", fmt.Sprintf("%q", db.Password))
	l.Error("as struct", "map", map[string]string{"pw": db.Password})
	l.InfoContext(ctx, "group", slog.Group("g", slog.String("password", db.Password)))
}

func (s *leakyStrategy) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	s.leak(ctx, run, "current", cur)
	m, err := run.Master(ctx)
	if err != nil {
		return nil, err
	}
	s.leak(ctx, run, "master", m)
	pw, err := run.NewPassword(ctx)
	if err != nil {
		return nil, err
	}
	run.Logger().Info("generated " + pw)
	db, err := rotation.ParseDBSecret(cur)
	if err != nil {
		return nil, err
	}
	return db.WithPassword(pw), nil
}

func (s *leakyStrategy) Set(ctx context.Context, run *rotation.Run) error {
	for _, get := range []func(context.Context) (*rotation.Secret, error){run.Current, run.Pending, run.Previous} {
		if sec, err := get(ctx); err == nil {
			s.leak(ctx, run, "set", sec)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]bool{}
	}
	if len(s.tokens) == 1 && !s.tokens[run.Token()] {
		s.tokens[run.Token()] = true
		p, err := run.Pending(ctx)
		if err != nil {
			return err
		}
		pw, _ := p.GetString("password")
		return fmt.Errorf("server said: password %q rejected", pw)
	}
	s.tokens[run.Token()] = true
	return nil
}

func (s *leakyStrategy) Test(ctx context.Context, run *rotation.Run) error {
	p, err := run.Pending(ctx)
	if err != nil {
		return err
	}
	s.leak(ctx, run, "test", p)
	return nil
}

func (s *leakyStrategy) Finish(ctx context.Context, run *rotation.Run) error {
	for _, get := range []func(context.Context) (*rotation.Secret, error){run.Current, run.Previous} {
		if sec, err := get(ctx); err == nil {
			s.leak(ctx, run, "finish", sec)
		}
	}
	return nil
}

// TestLogsHoldNoSecretValues captures the logs of rotations (one failing, with debug logs)
// and checks that no secret value, nor the rotation token, appears in them or in the errors.
func TestLogsHoldNoSecretValues(t *testing.T) {
	t.Parallel()
	e := newEmulator(t)
	const masterPassword = "Master-Secret-Value-1"
	masterARN := e.CreateSecret("master", `{"engine":"postgres","host":"db.internal","username":"postgres","password":"`+masterPassword+`"}`)
	arn := e.CreateSecret("db", strings.Replace(initialSecret, `"note":"keep me"`, `"note":"keep me","masterarn":"`+masterARN+`"`, 1))

	logs := emulatortest.NewLogBuffer(t)
	logger := logs.Logger()
	eng := rotation.New(&leakyStrategy{}, rotation.WithClient(e.engineClient()), rotation.WithLogger(logger))
	var (
		mu             sync.Mutex
		rotationTokens []string
		invocations    int
	)
	e.register(func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev rotation.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		mu.Lock()
		rotationTokens = append(rotationTokens, ev.RotationToken)
		invocations++
		mu.Unlock()
		return eng.Invoke(ctx, payload)
	})

	if rec := e.rotate(arn, 1); rec.Outcome != "succeeded" {
		t.Fatalf("first rotation: %s", rec.Error)
	}
	rec := e.rotate(arn, 2)
	if rec.Outcome != "failed" || !strings.Contains(rec.Error, "setSecret") || !strings.Contains(rec.Error, "[REDACTED]") {
		t.Fatalf("second rotation: %s %q; want a setSecret failure with the password redacted", rec.Outcome, rec.Error)
	}
	errorsSeen := []string{rec.Error}
	for n := 3; n <= 4; n++ {
		rec = e.rotateAgain(arn, n)
		if rec.Outcome != "succeeded" {
			t.Fatalf("rotation %d: %s", n, rec.Error)
		}
	}

	// Every value any version of the secret ever had.
	secrets := []string{initialPassword, masterPassword}
	out, err := e.SM.ListSecretVersionIds(t.Context(), &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(arn), IncludeDeprecated: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range out.Versions {
		got, err := e.SM.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionId: v.VersionId})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(got.SecretString)), &m); err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, m["password"].(string))
	}
	if len(secrets) < 4 {
		t.Fatalf("expected at least two generated passwords, have %d values", len(secrets))
	}
	mu.Lock()
	secrets = append(secrets, rotationTokens...)
	mu.Unlock()
	logs.Forbid(secrets...)
	logs.Check(errorsSeen...)

	text := logs.String()
	var stepLines int
	for i, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %d is not JSON: %v", i+1, err)
		}
		walkStrings(rec, func(s string) {
			for _, v := range secrets {
				if strings.Contains(s, v) {
					t.Errorf("log line %d holds a secret value: %s", i+1, line)
				}
			}
		})
		if rec["msg"] == "rotation step" {
			stepLines++
			for _, k := range []string{"secret", "token", "step", "outcome", "duration_ms", "calls"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("step line %d lacks %q: %s", i+1, k, line)
				}
			}
			if rec["secret"] != arn {
				t.Errorf("step line %d names secret %v, want the ARN", i+1, rec["secret"])
			}
		}
	}
	for _, v := range secrets {
		if strings.Contains(text, v) {
			t.Errorf("the raw log text holds a secret value")
		}
	}
	for _, msg := range errorsSeen {
		for _, v := range secrets {
			if strings.Contains(msg, v) {
				t.Errorf("error %q holds a secret value", msg)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if stepLines != invocations {
		t.Errorf("%d step lines for %d invocations", stepLines, invocations)
	}
	if !strings.Contains(text, `"msg":"secrets manager call"`) {
		t.Errorf("no debug line per Secrets Manager call")
	}
	if !strings.Contains(text, "[REDACTED]") {
		t.Errorf("nothing was redacted: the leaky strategy's lines are missing")
	}
}

func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case map[string]any:
		for k, y := range x {
			f(k)
			walkStrings(y, f)
		}
	case []any:
		for _, y := range x {
			walkStrings(y, f)
		}
	}
}
