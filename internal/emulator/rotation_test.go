package emulator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// rotationEvent is what Secrets Manager sends a rotation function.
type rotationEvent struct {
	Step               string
	SecretID           string `json:"SecretId"`
	ClientRequestToken string
	RotationToken      string
}

// testRotator is an in-process rotation function that does the label work of a real one
// and can be told to fail at a step.
type testRotator struct {
	c *secretsmanager.Client

	mu     sync.Mutex
	events []rotationEvent
	failAt string
}

func (r *testRotator) handle(ctx context.Context, payload []byte) ([]byte, error) {
	var ev rotationEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	r.mu.Lock()
	r.events = append(r.events, ev)
	failAt := r.failAt
	r.mu.Unlock()
	if ev.Step == failAt {
		return nil, fmt.Errorf("injected failure at %s", ev.Step)
	}
	d, err := r.c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &ev.SecretID})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(d.VersionIdsToStages[ev.ClientRequestToken], "AWSPENDING") {
		return nil, fmt.Errorf("version %s is not AWSPENDING", ev.ClientRequestToken)
	}
	switch ev.Step {
	case "createSecret":
		_, err = r.c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &ev.SecretID, VersionId: &ev.ClientRequestToken, VersionStage: aws.String("AWSPENDING")})
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			_, err = r.c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: &ev.SecretID, ClientRequestToken: &ev.ClientRequestToken,
				SecretString: aws.String("rotated-" + ev.ClientRequestToken[:8]), VersionStages: []string{"AWSPENDING"}})
		}
		return nil, err
	case "finishSecret":
		var current string
		for id, st := range d.VersionIdsToStages {
			if slices.Contains(st, "AWSCURRENT") {
				current = id
			}
		}
		if current == ev.ClientRequestToken {
			return nil, nil
		}
		_, err = r.c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: &ev.SecretID, VersionStage: aws.String("AWSCURRENT"),
			MoveToVersionId: &ev.ClientRequestToken, RemoveFromVersionId: &current})
		return nil, err
	}
	return nil, nil
}

func (r *testRotator) steps() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		out = append(out, e.Step)
	}
	return out
}

func newRotationEnv(t *testing.T) (*secretsmanager.Client, *emulator.Control, *testRotator, string) {
	t.Helper()
	clock := newTestClock()
	srv, url := startEmulator(t, emulator.Options{Now: clock.Now})
	c := smClient(url, "us-east-1")
	rot := &testRotator{c: c}
	arn := srv.RegisterHandler("rotator", rot.handle, emulator.FunctionConfig{Timeout: 10 * time.Second})
	return c, emulator.NewControl(url), rot, arn
}

func waitRotations(t *testing.T, ctl *emulator.Control, arn string, n int) []emulator.RotationRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	recs, err := ctl.WaitRotations(ctx, arn, n)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRotateSecretRunsFourSteps(t *testing.T) {
	c, ctl, rot, fn := newRotationEnv(t)
	created := createSecret(t, c, "rot", "initial")
	out := must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: &fn,
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}}))(t)
	recs := waitRotations(t, ctl, *created.ARN, 1)
	if recs[0].Outcome != "succeeded" || recs[0].Token != *out.VersionId {
		t.Fatalf("rotation record: %+v", recs[0])
	}
	if got := rot.steps(); !slices.Equal(got, []string{"createSecret", "setSecret", "testSecret", "finishSecret"}) {
		t.Fatalf("steps %v", got)
	}
	for _, ev := range rot.events {
		if ev.SecretID != *created.ARN || ev.ClientRequestToken != *out.VersionId || ev.RotationToken == "" {
			t.Fatalf("event fields: %+v", ev)
		}
	}
	want := map[string][]string{*created.VersionId: {"AWSPREVIOUS"}, *out.VersionId: {"AWSCURRENT", "AWSPENDING"}}
	if got := stagesOf(t, c, "rot"); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("labels after rotation: %v", got)
	}
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rot")}))(t)
	if !*d.RotationEnabled || *d.RotationLambdaARN != fn || *d.RotationRules.AutomaticallyAfterDays != 30 || d.LastRotatedDate == nil || d.NextRotationDate == nil {
		t.Fatalf("rotation metadata: %+v", d)
	}
	if !d.NextRotationDate.After(*d.LastRotatedDate) {
		t.Fatalf("NextRotationDate %v not after LastRotatedDate %v", d.NextRotationDate, d.LastRotatedDate)
	}
	// A second rotation is allowed: AWSPENDING sits on the current version.
	must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot")}))(t)
	waitRotations(t, ctl, *created.ARN, 2)
}

func TestRotationFailureLeavesPending(t *testing.T) {
	for _, step := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		t.Run(step, func(t *testing.T) {
			c, ctl, rot, fn := newRotationEnv(t)
			rot.failAt = step
			created := createSecret(t, c, "rot", "initial")
			out := must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: &fn}))(t)
			recs := waitRotations(t, ctl, *created.ARN, 1)
			last := recs[0].Steps[len(recs[0].Steps)-1]
			if recs[0].Outcome != "failed" || last.Step != step || last.Outcome != "failed" || last.Error == "" {
				t.Fatalf("record: %+v", recs[0])
			}
			wantSteps := rotationStepsUpTo(step)
			if got := rot.steps(); !slices.Equal(got, wantSteps) {
				t.Fatalf("steps run %v, want %v", got, wantSteps)
			}
			// AWSCURRENT still on the original value; AWSPENDING where the failure left it.
			if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("rot")}); *got.SecretString != "initial" {
				t.Fatalf("current value changed by a failed rotation")
			}
			if st := stagesOf(t, c, "rot")[*out.VersionId]; !slices.Equal(st, []string{"AWSPENDING"}) {
				t.Fatalf("pending version labels %v", st)
			}
			_, err := c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot")})
			wantAPIError(t, err, "InvalidRequestException", "A previous rotation isn't complete.")
		})
	}
}

func rotationStepsUpTo(step string) []string {
	all := []string{"createSecret", "setSecret", "testSecret", "finishSecret"}
	return all[:slices.Index(all, step)+1]
}

func TestRotateSecretErrors(t *testing.T) {
	c, _, _, fn := newRotationEnv(t)
	createSecret(t, c, "rot", "v")
	tests := []struct {
		name      string
		in        *secretsmanager.RotateSecretInput
		code, msg string
	}{
		{"no function", &secretsmanager.RotateSecretInput{SecretId: aws.String("rot")}, "InvalidRequestException", "Lambda"},
		{"unknown function", &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:123456789012:function:nope")},
			"AccessDeniedException", "Secrets Manager cannot invoke the specified Lambda function."},
		{"rate too frequent", &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: &fn,
			RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(1 hours)")}}, "InvalidParameterException", "4 hours"},
		{"missing secret", &secretsmanager.RotateSecretInput{SecretId: aws.String("nope"), RotationLambdaARN: &fn}, "ResourceNotFoundException", "can't find"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RotateSecret(t.Context(), tc.in)
			wantAPIError(t, err, tc.code, tc.msg)
		})
	}
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rot")}))(t)
	if d.RotationEnabled != nil {
		t.Fatalf("refused RotateSecret enabled rotation")
	}
}

func TestRotateImmediatelyFalseRunsOnlyTest(t *testing.T) {
	c, ctl, rot, fn := newRotationEnv(t)
	created := createSecret(t, c, "rot", "v")
	must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: &fn, RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{ScheduleExpression: aws.String("rate(10 days)")}}))(t)
	recs := waitRotations(t, ctl, *created.ARN, 1)
	if got := rot.steps(); !slices.Equal(got, []string{"testSecret"}) || recs[0].Outcome != "succeeded" {
		t.Fatalf("steps %v, outcome %s", got, recs[0].Outcome)
	}
	want := map[string][]string{*created.VersionId: {"AWSCURRENT"}}
	if got := stagesOf(t, c, "rot"); !maps.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("the configuration test left versions behind: %v", got)
	}
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rot")}))(t)
	if d.LastRotatedDate != nil || d.NextRotationDate == nil {
		t.Fatalf("LastRotated %v NextRotation %v", d.LastRotatedDate, d.NextRotationDate)
	}
}

func TestScheduledRotationFiresWhenClockPasses(t *testing.T) {
	c, ctl, rot, fn := newRotationEnv(t)
	created := createSecret(t, c, "rot", "v")
	// Configured on 2026-03-14 15:09 UTC: the window opens at midnight two days later and
	// NextRotationDate is its end.
	must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: &fn, RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(2)}}))(t)
	waitRotations(t, ctl, *created.ARN, 1)
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rot")}))(t)
	if want := time.Date(2026, 3, 16, 23, 59, 59, 0, time.UTC); !d.NextRotationDate.Equal(want) {
		t.Fatalf("NextRotationDate %v, want %v", d.NextRotationDate, want)
	}

	noErr(t, ctl.AdvanceClock(t.Context(), 24*time.Hour)) // 03-15 15:09: not due
	if n := len(rot.steps()); n != 1 {
		t.Fatalf("rotation ran before it was due: %v", rot.steps())
	}
	noErr(t, ctl.AdvanceClock(t.Context(), 9*time.Hour)) // 03-16 00:09: the window is open
	recs := waitRotations(t, ctl, *created.ARN, 2)
	if recs[1].Outcome != "succeeded" || len(recs[1].Steps) != 4 {
		t.Fatalf("scheduled rotation: %+v", recs[1])
	}
	d = must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rot")}))(t)
	if want := time.Date(2026, 3, 18, 23, 59, 59, 0, time.UTC); !d.NextRotationDate.Equal(want) || d.LastRotatedDate == nil {
		t.Fatalf("after the scheduled rotation: next %v (want %v), last %v", d.NextRotationDate, want, d.LastRotatedDate)
	}
	if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("rot")}); *got.SecretString == "v" {
		t.Fatal("the scheduled rotation did not change the value")
	}
}

func TestCancelRotateSecret(t *testing.T) {
	c, ctl, rot, fn := newRotationEnv(t)
	rot.failAt = "setSecret"
	created := createSecret(t, c, "rot", "v")
	out := must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("rot"), RotationLambdaARN: &fn}))(t)
	waitRotations(t, ctl, *created.ARN, 1)
	cancel := must(c.CancelRotateSecret(t.Context(), &secretsmanager.CancelRotateSecretInput{SecretId: aws.String("rot")}))(t)
	if cancel.VersionId == nil || *cancel.VersionId != *out.VersionId {
		t.Fatalf("CancelRotateSecret VersionId = %v, want the stuck rotation's %s", cancel.VersionId, *out.VersionId)
	}
	d := must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("rot")}))(t)
	if *d.RotationEnabled || d.NextRotationDate != nil {
		t.Fatalf("after cancel: enabled %v next %v", *d.RotationEnabled, d.NextRotationDate)
	}
}

func TestFaultInjectionAndCallCounts(t *testing.T) {
	c, ctl, _, _ := newRotationEnv(t)
	createSecret(t, c, "f", "v")
	noErr(t, ctl.ResetCalls(t.Context()))
	noErr(t, ctl.InjectFault(t.Context(), emulator.Fault{Operation: "secretsmanager.GetSecretValue", Count: 2, ErrorCode: "InternalServiceError", Message: "boom"}))
	for range 2 {
		_, err := c.GetSecretValue(t.Context(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("f")})
		wantAPIError(t, err, "InternalServiceError", "boom")
	}
	getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("f")})
	calls := must(ctl.Calls(t.Context()))(t)
	if calls["secretsmanager.GetSecretValue"] != 3 || len(calls) != 1 {
		t.Fatalf("calls %v", calls)
	}
	noErr(t, ctl.InjectFault(t.Context(), emulator.Fault{Operation: "secretsmanager.DescribeSecret", Delay: "50ms"}))
	start := time.Now()
	must(c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("f")}))(t)
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("delay fault did not delay")
	}
	if err := ctl.InjectFault(t.Context(), emulator.Fault{Operation: "nodot"}); err == nil {
		t.Fatal("a fault without service.Operation was accepted")
	}
	noErr(t, ctl.Reset(t.Context()))
	_, err := c.DescribeSecret(t.Context(), &secretsmanager.DescribeSecretInput{SecretId: aws.String("f")})
	wantAPIError(t, err, "ResourceNotFoundException", "can't find")
}

// TestRotationWithExecutable rotates through a bootstrap built from testdata/lambda/rotator
// with aws-lambda-go, run as Lambda runs it: it calls back into the emulator with the SDK.
func TestRotationWithExecutable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Lambda bootstrap; skipped with -short")
	}
	tests := []struct {
		name     string
		failStep string
	}{
		{"all steps", ""},
		{"setSecret fails", "setSecret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, url := startEmulator(t, emulator.Options{})
			srv.SetEndpoint(url)
			fn, err := srv.RegisterExecutable("rotator", rotatorBootstrap(t), emulator.FunctionConfig{
				Timeout: 20 * time.Second, Env: map[string]string{"FAIL_STEP": tc.failStep}})
			noErr(t, err)
			c, ctl := smClient(url, "us-east-1"), emulator.NewControl(url)
			created := createSecret(t, c, "exec", "initial")
			out := must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("exec"), RotationLambdaARN: &fn}))(t)
			rec := waitRotations(t, ctl, *created.ARN, 1)[0]

			var steps []string
			for _, line := range strings.Split(srv.FunctionLogs("rotator"), "\n") {
				if rest, ok := strings.CutPrefix(line, "EVENT "); ok {
					var step, secret, token string
					if _, err := fmt.Sscanf(rest, "step=%s secret=%s token=%s", &step, &secret, &token); err != nil {
						t.Fatalf("event line %q: %v", line, err)
					}
					if secret != *created.ARN || token != *out.VersionId {
						t.Fatalf("event fields: %q", line)
					}
					steps = append(steps, step)
				}
			}
			labels := stagesOf(t, c, "exec")
			if tc.failStep == "" {
				if rec.Outcome != "succeeded" || !slices.Equal(steps, []string{"createSecret", "setSecret", "testSecret", "finishSecret"}) {
					t.Fatalf("outcome %s (%s), steps %v", rec.Outcome, rec.Error, steps)
				}
				want := map[string][]string{*created.VersionId: {"AWSPREVIOUS"}, *out.VersionId: {"AWSCURRENT", "AWSPENDING"}}
				if !maps.EqualFunc(labels, want, slices.Equal) {
					t.Fatalf("labels %v", labels)
				}
				if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("exec")}); *got.SecretString != "rotated-by-bootstrap" {
					t.Fatal("value not rotated")
				}
				return
			}
			if rec.Outcome != "failed" || !strings.Contains(rec.Error, "injected failure at setSecret") || !slices.Equal(steps, []string{"createSecret", "setSecret"}) {
				t.Fatalf("outcome %s (%s), steps %v", rec.Outcome, rec.Error, steps)
			}
			want := map[string][]string{*created.VersionId: {"AWSCURRENT"}, *out.VersionId: {"AWSPENDING"}}
			if !maps.EqualFunc(labels, want, slices.Equal) {
				t.Fatalf("labels after failure %v", labels)
			}
		})
	}
}

func TestFailedRotationReattemptedAtNextWindow(t *testing.T) {
	c, ctl, rot, fn := newRotationEnv(t)
	rot.failAt = "testSecret"
	created := createSecret(t, c, "retry", "v")
	out := must(c.RotateSecret(t.Context(), &secretsmanager.RotateSecretInput{SecretId: aws.String("retry"), RotationLambdaARN: &fn,
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(1)}}))(t)
	if recs := waitRotations(t, ctl, *created.ARN, 1); recs[0].Outcome != "failed" {
		t.Fatalf("first rotation: %+v", recs[0])
	}
	rot.mu.Lock()
	rot.failAt = ""
	rot.mu.Unlock()
	noErr(t, ctl.AdvanceClock(t.Context(), 48*time.Hour))
	recs := waitRotations(t, ctl, *created.ARN, 2)
	if recs[1].Outcome != "succeeded" || recs[1].Token != *out.VersionId {
		t.Fatalf("reattempt: %+v, want the stuck token %s", recs[1], *out.VersionId)
	}
	if got := getValue(t, c, &secretsmanager.GetSecretValueInput{SecretId: aws.String("retry")}); *got.VersionId != *out.VersionId {
		t.Fatalf("AWSCURRENT is %s after the reattempt", *got.VersionId)
	}
}
