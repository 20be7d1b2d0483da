package apikey_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// faultCase is a rotation with something going wrong; after it, the AWSCURRENT key must
// work, and (once the fault is gone) the next rotation must complete.
type faultCase struct {
	name     string
	settings map[string]any // over keyService.settings
	warmup   int            // successful rotations before the fault
	service  func(*keyService)
	inject   func(e *env)
	// want: "succeeded", or "failed" with wantErr in the error and failedStep failing.
	want       string
	failedStep rotation.Step
	wantErr    []string
	check      func(t *testing.T, e *env, rec emulator.RotationRecord)
}

// runFaultCase creates a secret, rotates once with the fault, checks the outcome and the
// invariant, then removes the fault and rotates again.
func runFaultCase(t *testing.T, tc faultCase) {
	t.Helper()
	e := newEnv(t)
	if tc.service != nil {
		e.svc.configure(tc.service)
	}
	e.registerInProcess()
	id0, key0 := e.svc.issue("app")
	arn := e.CreateSecret("api", e.secret(id0, key0, e.svc.settings(tc.settings), nil))
	n := 1
	for ; n <= tc.warmup; n++ {
		if rec := e.rotate(arn, n); rec.Outcome != "succeeded" {
			t.Fatalf("warm-up rotation %d: %s", n, rec.Error)
		}
	}
	e.svc.resetLog()
	if tc.inject != nil {
		tc.inject(e)
	}
	rec := e.rotate(arn, n)
	if rec.Outcome != tc.want {
		t.Fatalf("rotation %s, want %s: %s\nlog:\n%s", rec.Outcome, tc.want, rec.Error, e.logs)
	}
	if tc.want == "failed" {
		for _, w := range tc.wantErr {
			if !strings.Contains(rec.Error, w) {
				t.Errorf("error does not mention %q:\n%s", w, rec.Error)
			}
		}
		if last := rec.Steps[len(rec.Steps)-1]; last.Step != string(tc.failedStep) {
			t.Errorf("step %s failed, want %s: %s", last.Step, tc.failedStep, last.Error)
		}
	}
	if tc.check != nil {
		tc.check(t, e, rec)
	}
	if testing.Verbose() {
		t.Logf("rotation %s: %s", rec.Outcome, rec.Error)
	}
	e.checkNoSecrets("the rotation error", rec.Error)

	// The invariant, then recovery.
	e.hook(rotation.StepCreate, nil)
	e.hook(rotation.StepSet, nil)
	e.hook(rotation.StepTest, nil)
	e.hook(rotation.StepFinish, nil)
	e.svc.clearFaults()
	if err := e.Control.ClearFaults(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.svc.mu.Lock()
	down := e.svc.down
	e.svc.mu.Unlock()
	if down {
		e.svc.start()
	}
	e.checkCurrent(arn)
	rec = e.rotateAgain(arn, n+1)
	if rec.Outcome != "succeeded" {
		t.Fatalf("the rotation after the fault: %s\nlog:\n%s", rec.Error, e.logs)
	}
	cur := e.checkCurrent(arn)
	want := []string{cur.ID}
	if tc.settings["revoke_mode"] == "overlap" {
		want = []string{deref(cur.PrevID), cur.ID}
	}
	if got := e.svc.activeIDs(); !slices.Equal(got, want) {
		t.Errorf("after recovery the service has active keys %v, want %v", got, want)
	}
	if p := e.svc.peak(); p > 2 {
		t.Errorf("the service had %d active keys at once", p)
	}
	e.checkNoSecrets("the rotator's log", e.logs.String())
}

// requests returns the service's log for one operation.
func requests(e *env, op string) []svcRequest {
	var out []svcRequest
	for _, r := range e.svc.log() {
		if r.op == op {
			out = append(out, r)
		}
	}
	return out
}

// TestRetries: 429 and 5xx answers are retried with backoff (Retry-After honoured), a
// create whose answer was lost is retried without making a second key, and what cannot or
// should not be retried fails with an error naming the request, status and attempts.
func TestRetries(t *testing.T) {
	t.Parallel()
	cases := []faultCase{
		{
			name:   "429 with Retry-After on create",
			inject: func(e *env) { e.svc.inject(svcFault{op: "create", status: 429, retryAfter: "1", count: 2}) },
			want:   "succeeded",
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				creates := requests(e, "create")
				if len(creates) != 3 {
					t.Fatalf("%d create requests, want 3 (two 429s, then success)", len(creates))
				}
				for i := 1; i < len(creates); i++ {
					if gap := creates[i].at.Sub(creates[i-1].at); gap < 950*time.Millisecond {
						t.Errorf("retry %d came %s after a 429 with Retry-After: 1", i, gap)
					}
				}
				if e.svc.created() != 2 {
					t.Errorf("%d keys created, want 1 more than the initial one", e.svc.created()-1)
				}
			},
		},
		{
			name:   "503 burst on test",
			inject: func(e *env) { e.svc.inject(svcFault{op: "test", status: 503, count: 3}) },
			want:   "succeeded",
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if n := len(requests(e, "test")); n != 4 {
					t.Errorf("%d test requests, want 4", n)
				}
				if !strings.Contains(e.logs.String(), `"reason":"HTTP 503"`) {
					t.Errorf("the retries are not logged")
				}
			},
		},
		{
			name:   "500 on the revoke at finishSecret",
			inject: func(e *env) { e.svc.inject(svcFault{op: "revoke", status: 500, count: 2}) },
			want:   "succeeded",
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if got := e.svc.activeIDs(); len(got) != 1 {
					t.Errorf("active keys %v after the revoke was retried, want one", got)
				}
			},
		},
		{
			name:   "create answer lost (502 after the key was made)",
			inject: func(e *env) { e.svc.inject(svcFault{op: "create", status: 502, after: true}) },
			want:   "succeeded",
			check: func(t *testing.T, e *env, rec emulator.RotationRecord) {
				creates := requests(e, "create")
				if len(creates) != 2 || creates[0].idemKey != rec.Token || creates[1].idemKey != rec.Token {
					t.Errorf("create requests %+v; want two with the rotation token as Idempotency-Key", creates)
				}
				if e.svc.created() != 2 {
					t.Errorf("%d keys created for one rotation, want 1 (the retry must get the same key)", e.svc.created()-1)
				}
			},
		},
		{
			name:     "create without idempotency header is not retried after 5xx",
			settings: map[string]any{"idempotency_header": "none"},
			inject:   func(e *env) { e.svc.inject(svcFault{op: "create", status: 500}) },
			want:     "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"create a new key (authenticated with the current key): POST https://127.0.0.1:", "/v1/keys: HTTP 500 Internal Server Error", "injected 500", "(1 attempt)"},
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if r := requests(e, "create"); len(r) != 1 || r[0].idemKey != "" {
					t.Errorf("create requests %+v, want one without Idempotency-Key", r)
				}
			},
		},
		{
			name:     "429 burst longer than max_attempts",
			settings: map[string]any{"max_attempts": 3},
			inject:   func(e *env) { e.svc.inject(svcFault{op: "create", status: 429, count: 10}) },
			want:     "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"rotation step createSecret", "create a new key (authenticated with the current key)", "HTTP 429 Too Many Requests", "(3 attempts in"},
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if e.svc.created() != 1 {
					t.Errorf("a key was created although every create got 429")
				}
			},
		},
		{
			name:   "Retry-After longer than retry_max_delay",
			inject: func(e *env) { e.svc.inject(svcFault{op: "create", status: 429, retryAfter: "120"}) },
			want:   "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"HTTP 429", "the service asked to retry after 2m0s (Retry-After), longer than retry_max_delay 2s"},
		},
		{
			name:   "400 is not retried",
			inject: func(e *env) { e.svc.inject(svcFault{op: "create", status: 400, rawBody: `{"error":"name too long"}`}) },
			want:   "failed", failedStep: rotation.StepCreate,
			wantErr: []string{`HTTP 400 Bad Request: {"error":"name too long"} (1 attempt)`},
		},
		{
			name:   "create answer is not JSON",
			inject: func(e *env) { e.svc.inject(svcFault{op: "create", status: 201, rawBody: "<html>maintenance</html>"}) },
			want:   "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"read the create answer (HTTP 201): the answer is not JSON (24 bytes)"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, tc)
		})
	}
}

// TestServiceDown: the service stops (connections refused) at a step; the rotation fails
// there, the AWSCURRENT key keeps working, and once the service is back the next rotation
// completes and leaves only the new key active.
func TestServiceDown(t *testing.T) {
	t.Parallel()
	down := func(step rotation.Step) func(e *env) {
		return func(e *env) { e.hook(step, func(context.Context) { e.svc.stop() }) }
	}
	cases := []faultCase{
		{
			name: "from createSecret", inject: down(rotation.StepCreate),
			want: "failed", failedStep: rotation.StepCreate,
			wantErr:  []string{"create a new key (authenticated with the current key): POST", "connection refused", "(3 attempts in"},
			settings: map[string]any{"max_attempts": 3},
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if e.svc.created() != 1 {
					t.Errorf("a key was created")
				}
			},
		},
		{
			// setSecret has nothing to do for API keys; the rotation stops at testSecret.
			name: "from setSecret", inject: down(rotation.StepSet),
			want: "failed", failedStep: rotation.StepTest,
			wantErr: []string{"rotation step testSecret", "does not work: GET https://127.0.0.1:", "connection refused"},
		},
		{
			name: "at testSecret", inject: down(rotation.StepTest),
			want: "failed", failedStep: rotation.StepTest,
			wantErr: []string{"rotation step testSecret", "GET https://127.0.0.1:", "/v1/whoami", "connection refused"},
		},
		{
			// The new key is current, the old one could not be revoked: it stays valid
			// until the next rotation revokes it before creating its key.
			name: "at finishSecret", inject: down(rotation.StepFinish),
			want: "failed", failedStep: rotation.StepFinish,
			wantErr: []string{"AWSCURRENT moved to the new version, but the cleanup failed", "revoke the replaced key 101 (authenticated with the new key): DELETE https://127.0.0.1:", "connection refused"},
			check: func(t *testing.T, e *env, rec emulator.RotationRecord) {
				if got := e.Stages(e.firstARN(t))[rec.Token]; !slices.Contains(got, rotation.StageCurrent) {
					t.Errorf("the new version has labels %v, want AWSCURRENT", got)
				}
			},
		},
		{
			name: "overlap, at createSecret", inject: down(rotation.StepCreate),
			settings: map[string]any{"revoke_mode": "overlap", "max_attempts": 2},
			want:     "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"create a new key (authenticated with the current key): POST", "connection refused"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, tc)
		})
	}
}

// firstARN is the ARN of the only secret of the env.
func (e *env) firstARN(t *testing.T) string {
	out, err := e.SM.ListSecrets(context.Background(), &secretsmanager.ListSecretsInput{})
	if err != nil || len(out.SecretList) == 0 {
		t.Fatalf("ListSecrets: %v", err)
	}
	return aws.ToString(out.SecretList[0].ARN)
}

// TestRevokeBeforeCreate: the key that the last rotation replaced is revoked at the start
// of the next one. In overlap mode a failure there stops the rotation before a key is
// made (a third key would exceed the service's limit, and the old key must not outlive
// its rotation); a revoke that finds the key already gone (404, a retried createSecret)
// passes. In immediate mode the revoke only repeats finishSecret's, and its failure is
// logged without stopping the rotation.
func TestRevokeBeforeCreate(t *testing.T) {
	t.Parallel()
	cases := []faultCase{
		{
			name: "overlap, revoke refused", warmup: 1,
			settings: map[string]any{"revoke_mode": "overlap"},
			inject:   func(e *env) { e.svc.inject(svcFault{op: "revoke", status: 403}) },
			want:     "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"revoke the key before the current one (previous_key_id 101), before creating a new key; no key was created", "DELETE https://127.0.0.1:", "/v1/keys/101: HTTP 403 Forbidden"},
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if r := requests(e, "create"); len(r) != 0 {
					t.Errorf("%d create requests after the revoke failed", len(r))
				}
			},
		},
		{
			// The revoke worked, the create failed: the retried createSecret finds the
			// old key gone (404) and goes on.
			name: "overlap, create fails after the revoke", warmup: 1,
			settings: map[string]any{"revoke_mode": "overlap"},
			inject:   func(e *env) { e.svc.inject(svcFault{op: "create", status: 400}) },
			want:     "failed", failedStep: rotation.StepCreate,
			wantErr: []string{"HTTP 400 Bad Request"},
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if r := requests(e, "revoke"); len(r) != 1 || r[0].status != 204 {
					t.Errorf("revoke requests %+v, want one that succeeded", r)
				}
			},
		},
		{
			name: "immediate, repeated revoke refused", warmup: 1,
			inject: func(e *env) { e.svc.inject(svcFault{op: "revoke", status: 403}) },
			want:   "succeeded",
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if !strings.Contains(e.logs.String(), `"msg":"could not confirm that the key replaced by the last rotation is revoked; continuing","secret":`) {
					t.Errorf("the failed repeat revoke is not logged")
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, tc)
		})
	}
}

// TestSlowAnswers: an attempt that gets no answer within the timeout is abandoned; a
// create is retried with the same idempotency key (one key made), a test that never
// answers fails the rotation with the timeout in the error.
func TestSlowAnswers(t *testing.T) {
	t.Parallel()
	cases := []faultCase{
		{
			name:     "slow create",
			settings: map[string]any{"timeout": "300ms"},
			inject:   func(e *env) { e.svc.inject(svcFault{op: "create", delay: time.Second}) },
			want:     "succeeded",
			check: func(t *testing.T, e *env, _ emulator.RotationRecord) {
				if n := len(requests(e, "create")); n != 2 {
					t.Errorf("%d create requests, want 2", n)
				}
				if e.svc.created() != 2 {
					t.Errorf("%d keys made for one rotation, want 1", e.svc.created()-1)
				}
				if !strings.Contains(e.logs.String(), `"reason":"timeout"`) {
					t.Errorf("the timed-out attempt is not logged")
				}
			},
		},
		{
			name:     "test never answers in time",
			settings: map[string]any{"timeout": "200ms", "max_attempts": 2},
			inject:   func(e *env) { e.svc.inject(svcFault{op: "test", delay: 2 * time.Second, count: 5}) },
			want:     "failed", failedStep: rotation.StepTest,
			wantErr: []string{"the new key", "no answer within 200ms (the timeout setting)", "(2 attempts in"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runFaultCase(t, tc)
		})
	}
}

// TestCrashAfterCreate: the service made the key but PutSecretValue failed (as if the
// function died in between). The retried createSecret must not leak a key: with the
// idempotency header the service returns the same key; without it, list_url finds the
// orphan (named with the token) and revokes it. Without either, the orphan fills the
// service's two slots and the next create says so.
func TestCrashAfterCreate(t *testing.T) {
	t.Parallel()
	putFails := func(e *env) {
		// The engine's client makes 3 attempts: fail them all.
		if err := e.Control.InjectFault(context.Background(), emulator.Fault{Operation: "secretsmanager.PutSecretValue", ErrorCode: "InternalServiceError", Count: 3}); err != nil {
			e.t.Fatal(err)
		}
	}
	cases := []struct {
		faultCase
		after func(t *testing.T, e *env, arn string, first emulator.RotationRecord)
	}{
		{
			faultCase: faultCase{name: "idempotent create"},
			after: func(t *testing.T, e *env, arn string, first emulator.RotationRecord) {
				creates := requests(e, "create")
				if len(creates) != 2 || creates[0].idemKey != first.Token || creates[1].idemKey != first.Token {
					t.Errorf("create requests %+v, want two with the token %s", creates, first.Token)
				}
				if e.svc.created() != 2 {
					t.Errorf("%d keys made, want 1 (the retry gets the first one back)", e.svc.created()-1)
				}
			},
		},
		{
			faultCase: faultCase{
				name:     "service without idempotency, list_url reclaims the orphan",
				settings: map[string]any{"idempotency_header": "none", "create_body": map[string]any{"name": "rotation {token}"}, "list_url": "LIST", "list_items_path": "data"},
				service:  func(s *keyService) { s.idempotency = false },
			},
			after: func(t *testing.T, e *env, arn string, first emulator.RotationRecord) {
				creates := requests(e, "create")
				if len(creates) != 2 || creates[0].idemKey != "" {
					t.Errorf("create requests %+v, want two without Idempotency-Key", creates)
				}
				if e.svc.created() != 3 {
					t.Fatalf("%d keys made, want 2 (the orphan and the stored one)", e.svc.created()-1)
				}
				if n := len(requests(e, "list")); n != 2 {
					t.Errorf("%d list requests, want one per createSecret attempt", n)
				}
				if !strings.Contains(e.logs.String(), "revoked keys that an earlier attempt of this rotation created") {
					t.Errorf("the reclaimed orphan is not logged")
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tc.service != nil {
				e.svc.configure(tc.service)
			}
			if tc.settings["list_url"] == "LIST" {
				tc.settings["list_url"] = e.svc.base + "/v1/keys"
			}
			e.registerInProcess()
			id0, key0 := e.svc.issue("app")
			arn := e.CreateSecret("api", e.secret(id0, key0, e.svc.settings(tc.settings), nil))
			putFails(e)
			first := e.rotate(arn, 1)
			if first.Outcome != "failed" || !strings.Contains(first.Error, "PutSecretValue") {
				t.Fatalf("rotation with PutSecretValue failing: %s %s", first.Outcome, first.Error)
			}
			if !e.svc.works(key0) {
				t.Fatal("the current key stopped working")
			}
			if got := e.svc.activeIDs(); len(got) != 2 {
				t.Fatalf("active keys %v after the failed attempt, want the current key and the unstored one", got)
			}
			rec := e.rotateAgain(arn, 2)
			if rec.Outcome != "succeeded" {
				t.Fatalf("retried rotation: %s\n%s", rec.Error, e.logs)
			}
			cur := e.checkCurrent(arn)
			if got := e.svc.activeIDs(); !slices.Equal(got, []string{cur.ID}) {
				t.Errorf("active keys %v, want only the current %s (no leaked key)", got, cur.ID)
			}
			tc.after(t, e, arn, first)
			e.checkNoSecrets("the rotator's log", e.logs.String())
		})
	}

	t.Run("neither: the orphan is reported by the service", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.svc.configure(func(s *keyService) { s.idempotency = false })
		e.registerInProcess()
		id0, key0 := e.svc.issue("app")
		arn := e.CreateSecret("api", e.secret(id0, key0, e.svc.settings(nil), nil))
		putFails(e)
		if rec := e.rotate(arn, 1); rec.Outcome != "failed" {
			t.Fatalf("rotation %s", rec.Outcome)
		}
		rec := e.rotateAgain(arn, 2)
		if rec.Outcome != "failed" || !strings.Contains(rec.Error, "HTTP 409 Conflict") || !strings.Contains(rec.Error, "too many active keys") {
			t.Fatalf("retried rotation: %s %s", rec.Outcome, rec.Error)
		}
		if !e.svc.works(key0) {
			t.Fatal("the current key stopped working")
		}
	})
}
