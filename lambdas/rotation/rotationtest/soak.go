package rotationtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// SoakOptions configure Soak.
type SoakOptions struct {
	// Rounds is the number of rotation rounds (reattempts of an unfinished rotation
	// included); 50 when zero.
	Rounds int
	// Seed makes the faults reproducible; Soak reports it in every failure message.
	Seed uint64
	// Operations are the Secrets Manager operations faults are injected into; by default
	// every operation the engine calls.
	Operations []string
	// MaxDelay bounds the delay faults; 300 ms when zero.
	MaxDelay time.Duration
	// Logf, when set, receives one line per round (the plan and the outcome).
	Logf func(format string, args ...any)
}

// SoakResult is what a soak measured.
type SoakResult struct {
	Seed       uint64
	Rounds     int
	Succeeded  int // rounds whose rotation succeeded
	Failed     int // rounds whose rotation failed (a fault or a kill hit it)
	Reattempts int // rounds that were a reattempt of an unfinished rotation
	Faults     int // faults injected
	Kills      int // steps whose function was killed (before or after its work)
	// Lockouts are the rounds after which the AWSCURRENT secret did not log in, with the
	// error of loginWorks (which must not hold a secret value).
	Lockouts []string
	// StrayPending says what AWSPENDING was left once reattempts had completed ("" when
	// none).
	StrayPending string
	Elapsed      time.Duration
}

// RotationsPerSecond is the number of successful rotations per second of the soak.
func (r SoakResult) RotationsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Succeeded) / r.Elapsed.Seconds()
}

func (r SoakResult) String() string {
	return fmt.Sprintf("seed %d: %d rounds (%d succeeded, %d failed, %d reattempts), %d faults, %d kills, %d lockouts, %.2f rotations/s, stray AWSPENDING: %q",
		r.Seed, r.Rounds, r.Succeeded, r.Failed, r.Reattempts, r.Faults, r.Kills, len(r.Lockouts), r.RotationsPerSecond(), r.StrayPending)
}

// Check fails the test when the soak locked the secret out or left an AWSPENDING behind.
func (r SoakResult) Check(t interface {
	Helper()
	Errorf(string, ...any)
}) {
	t.Helper()
	for _, l := range r.Lockouts {
		t.Errorf("lockout (%s): %s", r.summary(), l)
	}
	if r.StrayPending != "" {
		t.Errorf("AWSPENDING left after the reattempts completed (%s): %s", r.summary(), r.StrayPending)
	}
}

func (r SoakResult) summary() string { return fmt.Sprintf("seed %d", r.Seed) }

// DefaultSoakOperations are the Secrets Manager operations the engine calls.
var DefaultSoakOperations = []string{"DescribeSecret", "GetSecretValue", "PutSecretValue", "UpdateSecretVersionStage", "GetRandomPassword"}

// stepPlan is what the soak does to one step of a round.
type stepPlan struct {
	faults     []emulator.Fault // injected just before the step is invoked
	killBefore bool             // the function dies before doing anything
	killAfter  bool             // the function dies after its work, before answering
}

func (p stepPlan) String() string {
	var parts []string
	for _, f := range p.faults {
		s := f.Operation
		if f.ErrorCode != "" {
			s += fmt.Sprintf(" %s x%d", f.ErrorCode, max(f.Count, 1))
		}
		if f.Delay != "" {
			s += " delay " + f.Delay
		}
		parts = append(parts, s)
	}
	if p.killBefore {
		parts = append(parts, "kill before")
	}
	if p.killAfter {
		parts = append(parts, "kill after")
	}
	return strings.Join(parts, ", ")
}

// proxy is the function the soak rotates with: it invokes the function under test through
// the Lambda API, injecting the round's faults before a step and failing the step as a
// killed function would.
type proxy struct {
	env    *emulatortest.Env
	target string
	lambda *lambda.Client

	mu   sync.Mutex
	plan map[rotation.Step]stepPlan
}

func (p *proxy) setPlan(plan map[rotation.Step]stepPlan) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plan = plan
}

func (p *proxy) handle(ctx context.Context, payload []byte) ([]byte, error) {
	var ev rotation.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("soak proxy: decode the event: %w", err)
	}
	p.mu.Lock()
	sp := p.plan[ev.Step]
	p.mu.Unlock()
	for _, f := range sp.faults {
		if err := p.env.Control.InjectFault(ctx, f); err != nil {
			return nil, fmt.Errorf("soak proxy: inject a fault: %w", err)
		}
	}
	if sp.killBefore {
		return nil, errors.New("soak: function killed before the step")
	}
	out, err := p.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(p.target), Payload: payload})
	if err != nil {
		return nil, fmt.Errorf("soak proxy: invoke %s: %w", p.target, err)
	}
	if out.FunctionError != nil {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(out.Payload, &fe)
		return nil, fmt.Errorf("%s: %s", aws.ToString(out.FunctionError), fe.ErrorMessage)
	}
	if sp.killAfter {
		return nil, errors.New("soak: function killed after the step")
	}
	return out.Payload, nil
}

// Soak rotates secretARN with the function fnARN for opts.Rounds rounds, each with random
// Secrets Manager faults (bursts of retryable errors past the SDK's retries, throttling,
// non-retryable errors, delays) injected before random steps, and the function killed
// before or after random steps. After every round, the AWSCURRENT value must log in
// (loginWorks, which must not put a secret value in its error); a rotation left unfinished
// is reattempted with the same token, as Secrets Manager does at the next window. At the
// end, faults stop, reattempts run until a rotation completes, and no AWSPENDING may be
// left. Faults go to the whole emulator: nothing else may use it meanwhile.
//
// fnARN's function is invoked through a proxy function registered as "soak-proxy", which
// becomes the secret's rotation function.
func Soak(ctx context.Context, env *emulatortest.Env, fnARN, secretARN string, loginWorks func(ctx context.Context, secretValue string) error, opts SoakOptions) (SoakResult, error) {
	if opts.Rounds <= 0 {
		opts.Rounds = 50
	}
	if len(opts.Operations) == 0 {
		opts.Operations = DefaultSoakOperations
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 300 * time.Millisecond
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	px := &proxy{env: env, target: fnARN, lambda: lambda.NewFromConfig(env.AWSConfig(1))}
	proxyARN := env.Register("soak-proxy", px.handle, emulator.FunctionConfig{Timeout: emulatortest.WaitTimeout})

	res := SoakResult{Seed: opts.Seed}
	start := time.Now()
	for i := range opts.Rounds {
		plan := randomPlan(rng, opts)
		for _, sp := range plan {
			res.Faults += len(sp.faults)
			if sp.killBefore || sp.killAfter {
				res.Kills++
			}
		}
		px.setPlan(plan)
		rec, reattempt, err := rotateOnce(ctx, env, secretARN, proxyARN)
		if err != nil {
			return res, fmt.Errorf("soak seed %d, round %d: %w", opts.Seed, i+1, err)
		}
		px.setPlan(nil)
		if err := env.Control.ClearFaults(ctx); err != nil {
			return res, fmt.Errorf("soak: clear faults: %w", err)
		}
		res.Rounds++
		if reattempt {
			res.Reattempts++
		}
		if rec.Outcome == "succeeded" {
			res.Succeeded++
		} else {
			res.Failed++
		}
		logf("soak round %d: plan %s; reattempt=%v; %s %s", i+1, describePlan(plan), reattempt, rec.Outcome, firstLine(rec.Error))
		if err := currentLogsIn(ctx, env, secretARN, loginWorks); err != nil {
			res.Lockouts = append(res.Lockouts, fmt.Sprintf("round %d (plan %s; rotation %s: %s): %v", i+1, describePlan(plan), rec.Outcome, firstLine(rec.Error), err))
		}
	}
	// The next windows, without faults: the rotation converges.
	for range 3 {
		rec, _, err := rotateOnce(ctx, env, secretARN, proxyARN)
		if err != nil {
			return res, fmt.Errorf("soak: final rotation: %w", err)
		}
		if rec.Outcome == "succeeded" {
			break
		}
		logf("soak: final rotation %s: %s", rec.Outcome, firstLine(rec.Error))
	}
	res.Elapsed = time.Since(start)
	if err := currentLogsIn(ctx, env, secretARN, loginWorks); err != nil {
		res.Lockouts = append(res.Lockouts, fmt.Sprintf("after the final rotation: %v", err))
	}
	st, err := stages(ctx, env, secretARN)
	if err != nil {
		return res, err
	}
	if p := emulatortest.Holder(st, rotation.StagePending); p != "" {
		res.StrayPending = fmt.Sprintf("version %s has %v", p, st[p])
	}
	return res, nil
}

// rotateOnce runs the next rotation: the reattempt of an unfinished one (the clock moved
// past the next window), or a new RotateSecret.
func rotateOnce(ctx context.Context, env *emulatortest.Env, arn, fnARN string) (emulator.RotationRecord, bool, error) {
	all, err := env.Control.Rotations(ctx)
	if err != nil {
		return emulator.RotationRecord{}, false, err
	}
	n := 1
	for _, r := range all {
		if r.SecretARN == arn {
			n++
		}
	}
	st, err := stages(ctx, env, arn)
	if err != nil {
		return emulator.RotationRecord{}, false, err
	}
	p := emulatortest.Holder(st, rotation.StagePending)
	reattempt := p != "" && !slices.Contains(st[p], rotation.StageCurrent)
	if reattempt {
		if err := env.Control.AdvanceClock(ctx, 31*24*time.Hour); err != nil {
			return emulator.RotationRecord{}, false, err
		}
	} else if _, err := env.SM.RotateSecret(ctx, emulatortest.RotateInput(arn, fnARN)); err != nil {
		return emulator.RotationRecord{}, false, fmt.Errorf("RotateSecret: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, emulatortest.WaitTimeout)
	defer cancel()
	recs, err := env.Control.WaitRotations(wctx, arn, n)
	if err != nil {
		return emulator.RotationRecord{}, reattempt, err
	}
	return recs[n-1], reattempt, nil
}

func stages(ctx context.Context, env *emulatortest.Env, arn string) (map[string][]string, error) {
	d, err := env.SM.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("DescribeSecret: %w", err)
	}
	return d.VersionIdsToStages, nil
}

func currentLogsIn(ctx context.Context, env *emulatortest.Env, arn string, loginWorks func(context.Context, string) error) error {
	v, err := env.ValueErr(arn, rotation.StageCurrent)
	if err != nil {
		return fmt.Errorf("read AWSCURRENT: %w", err)
	}
	return loginWorks(ctx, v)
}

// randomPlan picks, for each step, nothing (mostly), faults, or a kill.
func randomPlan(rng *rand.Rand, opts SoakOptions) map[rotation.Step]stepPlan {
	plan := map[rotation.Step]stepPlan{}
	// One to two faults, at random steps.
	for range 1 + rng.IntN(2) {
		s := rotation.Steps[rng.IntN(len(rotation.Steps))]
		sp := plan[s]
		sp.faults = append(sp.faults, randomFault(rng, opts))
		plan[s] = sp
	}
	// A kill in one round of three.
	if rng.IntN(3) == 0 {
		s := rotation.Steps[rng.IntN(len(rotation.Steps))]
		sp := plan[s]
		if rng.IntN(2) == 0 {
			sp.killBefore = true
		} else {
			sp.killAfter = true
		}
		plan[s] = sp
	}
	return plan
}

func randomFault(rng *rand.Rand, opts SoakOptions) emulator.Fault {
	f := emulator.Fault{Operation: "secretsmanager." + opts.Operations[rng.IntN(len(opts.Operations))]}
	switch rng.IntN(4) {
	case 0: // throttling, often past the SDK's retries
		f.ErrorCode, f.Count = "ThrottlingException", 1+rng.IntN(6)
	case 1: // a burst of server errors
		f.ErrorCode, f.Count = "InternalServiceError", 1+rng.IntN(6)
	case 2: // a non-retryable error
		f.ErrorCode = []string{"AccessDeniedException", "InvalidRequestException", "ResourceNotFoundException"}[rng.IntN(3)]
		f.Message = "soak: injected"
	default: // a slow call
		f.Delay = (time.Duration(1+rng.Int64N(int64(opts.MaxDelay/time.Millisecond))) * time.Millisecond).String()
	}
	return f
}

func describePlan(plan map[rotation.Step]stepPlan) string {
	var parts []string
	for _, s := range rotation.Steps {
		if sp, ok := plan[s]; ok {
			parts = append(parts, string(s)+": "+sp.String())
		}
	}
	return "{" + strings.Join(parts, "; ") + "}"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// SoakOptionsFromEnv is rounds rounds (SOAK_ROUNDS overrides it: make bench runs a long
// soak) with a random seed (SOAK_SEED repeats a run), logging each round to t.
func SoakOptionsFromEnv(t testing.TB, rounds int) SoakOptions {
	t.Helper()
	o := SoakOptions{Rounds: rounds, Logf: t.Logf}
	if v := os.Getenv("SOAK_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("SOAK_ROUNDS=%q: want a positive number", v)
		}
		o.Rounds = n
	}
	if v := os.Getenv("SOAK_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SOAK_SEED=%q: %v", v, err)
		}
		o.Seed = n
	} else {
		o.Seed = rand.Uint64()
	}
	if o.Rounds > 200 {
		o.Logf = nil // a long soak reports its lockouts, not every round
	}
	return o
}
