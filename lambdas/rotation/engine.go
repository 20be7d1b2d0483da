package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Strategy is what a rotator implements: how to make the next secret, install it in the
// service, and check it. The engine does everything else (event checks, staging labels,
// idempotence, logs). Each method may be called again for the same rotation after a
// failure or a retried invocation, and must then do nothing more than once.
type Strategy interface {
	// NewPending returns the next secret (createSecret). Fields of the current secret that
	// it leaves out are copied in by the engine, so a strategy may return only what changes.
	// It is called only when the pending version has no value yet. It should not change the
	// service; where the service itself makes the credential (API keys), it must do so
	// idempotently, keyed by the event's token, since createSecret can be retried after the
	// service acted but before the pending value was stored.
	NewPending(ctx context.Context, run *Run) (*Secret, error)
	// Set makes the service accept the pending secret (setSecret), keeping the current one
	// working where the service allows it.
	Set(ctx context.Context, run *Run) error
	// Test checks that the pending secret works (testSecret).
	Test(ctx context.Context, run *Run) error
}

// Finisher is implemented by strategies that clean up after AWSCURRENT moved (revoke a key
// two generations old, for instance). Finish runs in finishSecret after the move, and again
// if finishSecret is retried before the engine removed AWSPENDING from the new version;
// the Run's Current is then the new secret and its Previous the one it replaced.
type Finisher interface {
	Finish(ctx context.Context, run *Run) error
}

// Installer is implemented by strategies whose change to the service makes the current
// secret stop working (a single database user's password): rather than in setSecret, the
// change is made in finishSecret, just before AWSCURRENT moves, so that no failure between
// steps (a Secrets Manager error, a killed function) can leave AWSCURRENT unable to log in.
// Install makes the service accept the pending secret (and checks that it does) and
// returns how to put the current secret back; the engine calls undo when AWSCURRENT cannot
// be moved. Install may be called again after a failure and must then do nothing twice.
type Installer interface {
	Install(ctx context.Context, run *Run) (undo func(context.Context) error, err error)
}

// Engine runs the rotation steps for a Strategy.
type Engine struct {
	strategy  Strategy
	client    SecretsManagerAPI
	cfg       *aws.Config
	log       *slog.Logger
	lookup    func(string) (string, bool)
	policy    PasswordPolicy
	sensitive map[string]bool

	mu        sync.Mutex
	loadedCfg *aws.Config
	sm        SecretsManagerAPI
}

// Option configures an Engine.
type Option func(*Engine)

// WithClient makes the engine use c instead of a client built from the environment.
func WithClient(c SecretsManagerAPI) Option { return func(e *Engine) { e.client = c } }

// WithAWSConfig makes the engine build its client (and Run.AWSConfig answer) from cfg
// instead of the default configuration. SECRETS_MANAGER_ENDPOINT still applies.
func WithAWSConfig(cfg aws.Config) Option { return func(e *Engine) { e.cfg = &cfg } }

// WithLogger sends the engine's logs to l instead of JSON on standard output.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithLookupEnv replaces os.LookupEnv for the engine's variables (the password policy,
// SECRETS_MANAGER_ENDPOINT, AWS_LAMBDA_LOG_LEVEL), for tests.
func WithLookupEnv(lookup func(string) (string, bool)) Option {
	return func(e *Engine) { e.lookup = lookup }
}

// WithPasswordPolicy sets the policy the environment variables apply to
// (DefaultPasswordPolicy otherwise).
func WithPasswordPolicy(p PasswordPolicy) Option { return func(e *Engine) { e.policy = p } }

// New returns an engine for s.
func New(s Strategy, opts ...Option) *Engine {
	e := &Engine{strategy: s, lookup: os.LookupEnv, policy: DefaultPasswordPolicy, sensitive: map[string]bool{}}
	for _, f := range DefaultSensitiveFields {
		e.sensitive[f] = true
	}
	for _, o := range opts {
		o(e)
	}
	if e.log == nil {
		e.log = slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: lambdaLogLevel(e.lookup)}))
	}
	return e
}

// Handler returns the function to pass to lambda.Start.
func Handler(s Strategy, opts ...Option) func(context.Context, Event) error {
	return New(s, opts...).Handle
}

// Start runs s as a Lambda function; it does not return.
func Start(s Strategy, opts ...Option) { lambda.Start(Handler(s, opts...)) }

// Invoke handles a raw Lambda payload (the event's JSON). It is the Handle of hosts other
// than lambda.Start, such as the emulator's in-process functions.
func (e *Engine) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrInvalidEvent, err)
	}
	return nil, e.Handle(ctx, ev)
}

// lambdaLogLevel reads AWS_LAMBDA_LOG_LEVEL (Lambda's advanced logging controls).
func lambdaLogLevel(lookup func(string) (string, bool)) slog.Level {
	v, _ := lookup("AWS_LAMBDA_LOG_LEVEL")
	switch strings.ToUpper(v) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (e *Engine) isSensitive(field string) bool {
	f := strings.ToLower(field)
	if e.sensitive[f] {
		return true
	}
	if strings.HasSuffix(f, "arn") {
		return false
	}
	for _, part := range []string{"password", "passwd", "secret", "private", "token", "apikey", "api_key", "passphrase", "credential"} {
		if strings.Contains(f, part) {
			return true
		}
	}
	return false
}

// awsConfig returns the configured or default SDK configuration, loaded once.
func (e *Engine) awsConfig(ctx context.Context) (aws.Config, error) {
	if e.cfg != nil {
		return *e.cfg, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loadedCfg == nil {
		cfg, err := loadAWSConfig(ctx, e.lookup)
		if err != nil {
			return aws.Config{}, err
		}
		e.loadedCfg = &cfg
	}
	return *e.loadedCfg, nil
}

func (e *Engine) secretsManager(ctx context.Context) (SecretsManagerAPI, error) {
	if e.client != nil {
		return e.client, nil
	}
	cfg, err := e.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sm == nil {
		e.sm = newSecretsManagerClient(cfg, e.lookup)
	}
	return e.sm, nil
}

// invocation is the state of one Handle call.
type invocation struct {
	ev     Event
	arn    string
	redact *redactor
	log    *slog.Logger
	client *countingClient
	detail string
}

// Handle runs one step of a rotation. It logs one line for the step (secret ARN, token,
// step, outcome, duration, Secrets Manager calls, and the error if any) and returns a
// *StepError when the step fails.
func (e *Engine) Handle(ctx context.Context, ev Event) (err error) {
	start := time.Now()
	inv := &invocation{ev: ev, arn: ev.SecretID, redact: newRedactor(e.isSensitive)}
	inv.log = slog.New(&redactingHandler{inner: e.log.Handler(), r: inv.redact})
	inv.client = &countingClient{log: inv.log.With("secret", ev.SecretID, "token", ev.ClientRequestToken, "step", string(ev.Step))}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
		if err != nil {
			err = inv.stepError(err)
		}
		attrs := []any{"secret", inv.arn, "token", ev.ClientRequestToken, "step", string(ev.Step)}
		level, outcome := slog.LevelInfo, "succeeded"
		if err != nil {
			level, outcome = slog.LevelError, "failed"
		}
		attrs = append(attrs, "outcome", outcome, "duration_ms", ms(time.Since(start)), "calls", inv.client.calls.Load())
		if inv.detail != "" {
			attrs = append(attrs, "detail", inv.detail)
		}
		if err != nil {
			attrs = append(attrs, "error", err.Error())
		}
		inv.log.Log(ctx, level, "rotation step", attrs...)
	}()
	return e.handle(ctx, inv)
}

func (inv *invocation) stepError(err error) *StepError {
	var se *StepError
	if errors.As(err, &se) {
		return se
	}
	msg := fmt.Sprintf("rotation step %s of secret %s, version %s: %v", inv.ev.Step, inv.arn, inv.ev.ClientRequestToken, err)
	return &StepError{Step: inv.ev.Step, SecretARN: inv.arn, Token: inv.ev.ClientRequestToken, Err: err, msg: inv.redact.scrub(msg)}
}

func (e *Engine) handle(ctx context.Context, inv *invocation) error {
	ev := inv.ev
	if err := ev.validate(); err != nil {
		return err
	}
	sm, err := e.secretsManager(ctx)
	if err != nil {
		return err
	}
	inv.client.inner = sm
	meta, err := inv.client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return fmt.Errorf("DescribeSecret: %w", err)
	}
	if meta.ARN != nil {
		inv.arn = *meta.ARN
		inv.client.log = inv.log.With("secret", inv.arn, "token", ev.ClientRequestToken, "step", string(ev.Step))
	} else {
		meta.ARN = aws.String(ev.SecretID)
	}
	if !aws.ToBool(meta.RotationEnabled) {
		return fmt.Errorf("%w: DescribeSecret reports RotationEnabled=%v; enable rotation (RotateSecret) before invoking the rotation function",
			ErrRotationDisabled, aws.ToBool(meta.RotationEnabled))
	}
	stages, ok := meta.VersionIdsToStages[ev.ClientRequestToken]
	if !ok {
		return fmt.Errorf("%w: no version %s among the secret's staged versions (a stale or mistyped token?)", ErrUnknownVersion, ev.ClientRequestToken)
	}
	log := inv.log.With("secret", inv.arn, "token", ev.ClientRequestToken, "step", string(ev.Step))
	run := newRun(e, ev, meta, inv.client, log, inv.redact)
	if slices.Contains(stages, StageCurrent) {
		if ev.Step == StepFinish && slices.Contains(stages, StagePending) {
			// A finishSecret that moved AWSCURRENT but did not complete: finish the job.
			inv.detail = "AWSCURRENT already moved; completing finishSecret"
			return e.finishTail(ctx, inv, run)
		}
		inv.detail = "version is already AWSCURRENT; nothing to do"
		return nil
	}
	if !slices.Contains(stages, StagePending) {
		return fmt.Errorf("%w: version %s has staging labels %v, not AWSPENDING (was a newer rotation started?)", ErrNotPending, ev.ClientRequestToken, stages)
	}
	switch ev.Step {
	case StepCreate:
		return e.create(ctx, inv, run)
	case StepSet:
		if err := e.strategy.Set(ctx, run); err != nil {
			return fmt.Errorf("set the pending secret in the service: %w", err)
		}
		return nil
	case StepTest:
		return e.test(ctx, inv, run)
	default: // StepFinish; validate refused anything else
		return e.finish(ctx, inv, run)
	}
}

func (e *Engine) create(ctx context.Context, inv *invocation, run *Run) error {
	_, err := run.Pending(ctx)
	if err == nil {
		inv.detail = "pending version already has a value"
		return nil
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	cur, err := run.Current(ctx)
	if err != nil {
		return err
	}
	pending, err := e.strategy.NewPending(ctx, run)
	if err != nil {
		return fmt.Errorf("make the pending secret: %w", err)
	}
	if pending == nil {
		return errors.New("make the pending secret: the strategy returned no secret")
	}
	pending = pending.Clone()
	pending.mergeMissing(cur)
	inv.redact.addSecret(pending)
	body, err := pending.MarshalJSON()
	if err != nil {
		return fmt.Errorf("encode the pending secret: %w", err)
	}
	in := &secretsmanager.PutSecretValueInput{
		SecretId:           run.meta.ARN,
		ClientRequestToken: aws.String(run.Token()),
		SecretString:       aws.String(string(body)),
		VersionStages:      []string{StagePending},
	}
	if inv.ev.RotationToken != "" {
		in.RotationToken = aws.String(inv.ev.RotationToken)
	}
	if _, err := inv.client.PutSecretValue(ctx, in); err != nil {
		return fmt.Errorf("PutSecretValue (AWSPENDING): %w", err)
	}
	run.remember(run.Token(), pending)
	inv.detail = "pending version created"
	return nil
}

func (e *Engine) test(ctx context.Context, inv *invocation, run *Run) error {
	if _, err := run.Pending(ctx); errors.Is(err, ErrNotFound) {
		// RotateSecret with RotateImmediately=false runs testSecret alone, on a version
		// without a value, to check the configuration: the engine read the secret's
		// metadata; check that the current secret is readable, and stop there.
		if _, err := run.Current(ctx); err != nil {
			return err
		}
		inv.detail = "no pending value (configuration test): current secret readable"
		return nil
	} else if err != nil {
		return err
	}
	if err := e.strategy.Test(ctx, run); err != nil {
		return fmt.Errorf("test the pending secret: %w", err)
	}
	return nil
}

func (e *Engine) finish(ctx context.Context, inv *invocation, run *Run) error {
	token := run.Token()
	// Never make a version without a value current: every reader of the secret would fail.
	// (Secrets Manager runs finishSecret only after createSecret succeeded, but a stray or
	// hand-made event must not be able to do that.)
	if _, err := run.Pending(ctx); err != nil {
		return fmt.Errorf("AWSCURRENT not moved: %w", err)
	}
	currentID, _ := run.VersionIDs()
	var undo func(context.Context) error
	if in, ok := e.strategy.(Installer); ok {
		// The current secret is read now, so that undo never depends on a call that may fail.
		if _, err := run.Current(ctx); err != nil {
			return fmt.Errorf("AWSCURRENT not moved: %w", err)
		}
		u, err := in.Install(ctx, run)
		if err != nil {
			return fmt.Errorf("AWSCURRENT not moved: install the pending secret in the service: %w", err)
		}
		undo = u
	}
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId:        run.meta.ARN,
		VersionStage:    aws.String(StageCurrent),
		MoveToVersionId: aws.String(token),
	}
	if currentID != "" {
		in.RemoveFromVersionId = aws.String(currentID)
	}
	// The move is retried for most of the invocation's time; what is left is for finding
	// out where the label is and, if it did not move, putting the current secret back.
	budget := labelBudget(ctx)
	mctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	moved, err := e.patiently(mctx, inv, func(ctx context.Context) (bool, error) {
		_, err := inv.client.UpdateSecretVersionStage(ctx, in)
		if err == nil {
			return true, nil
		}
		// A request retried by the SDK may have been applied the first time: look again.
		if ok, derr := hasStage(ctx, inv.client, run, token, StageCurrent); derr == nil && ok {
			return true, nil
		}
		return false, err
	})
	if !moved {
		err = fmt.Errorf("move AWSCURRENT from version %s to %s (UpdateSecretVersionStage, retried for up to %s): %w", currentID, token, budget.Round(time.Millisecond), err)
		if undo == nil {
			return err
		}
		// Undo only when the label is known not to have moved: putting the current secret
		// back under a version that is AWSCURRENT after all would lock it out.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
		defer cancel()
		if ok, derr := hasStage(uctx, inv.client, run, token, StageCurrent); derr != nil {
			return fmt.Errorf("%w; whether AWSCURRENT moved is unknown (DescribeSecret: %w), so the service keeps the pending secret until the rotation is reattempted", err, derr)
		} else if ok {
			moved = true
		}
		if !moved {
			if uerr := undo(uctx); uerr != nil {
				return fmt.Errorf("%w; and putting the AWSCURRENT secret back in the service failed: %w", err, uerr)
			}
			inv.log.Warn("AWSCURRENT could not be moved; the service was given the AWSCURRENT secret back", "error", inv.redact.scrub(err.Error()))
			return fmt.Errorf("%w (the service was given the AWSCURRENT secret back)", err)
		}
	}
	run.currentMoved()
	return e.finishTail(ctx, inv, run)
}

// undoTimeout bounds putting the current secret back, which runs even when the step's
// context has ended (what is left of the invocation's time bounds it in practice).
const undoTimeout = 10 * time.Second

// labelBudget is how long the engine keeps retrying a label change: all but a quarter of
// the invocation's remaining time (the quarter between 500 ms and 10 s), at most two
// minutes. Without a deadline, one minute.
func labelBudget(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return time.Minute
	}
	left := time.Until(dl)
	reserve := min(max(left/4, 500*time.Millisecond), 10*time.Second)
	return min(max(left-reserve, 0), 2*time.Minute)
}

// patiently runs try until it reports done or ctx ends, waiting between attempts (50 ms
// doubling to 2 s). It returns the last error.
func (e *Engine) patiently(ctx context.Context, inv *invocation, try func(context.Context) (bool, error)) (bool, error) {
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		done, err := try(ctx)
		if done {
			return true, nil
		}
		if dl, ok := ctx.Deadline(); ctx.Err() != nil || ok && time.Now().Add(wait).After(dl) {
			return false, err
		}
		inv.log.Warn("label change failed; retrying", "attempt", attempt, "error", inv.redact.scrub(err.Error()))
		select {
		case <-ctx.Done():
			return false, err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// finishTail runs the strategy's cleanup, then removes AWSPENDING from the new current
// version. AWSPENDING stays until the cleanup succeeded, so that a retried finishSecret
// knows it still has work to do; a version holding both labels is a finished rotation for
// Secrets Manager, so a new rotation can start meanwhile.
func (e *Engine) finishTail(ctx context.Context, inv *invocation, run *Run) error {
	token := run.Token()
	if f, ok := e.strategy.(Finisher); ok {
		if err := f.Finish(ctx, run); err != nil {
			return fmt.Errorf("AWSCURRENT moved to the new version, but the cleanup failed: %w", err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, labelBudget(ctx))
	defer cancel()
	removed, err := e.patiently(rctx, inv, func(ctx context.Context) (bool, error) {
		_, err := inv.client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
			SecretId:            run.meta.ARN,
			VersionStage:        aws.String(StagePending),
			RemoveFromVersionId: aws.String(token),
		})
		if err == nil {
			return true, nil
		}
		has, derr := hasStage(ctx, inv.client, run, token, StagePending)
		return derr == nil && !has, err
	})
	if !removed {
		return fmt.Errorf("AWSCURRENT moved to the new version, but removing AWSPENDING from it failed (UpdateSecretVersionStage): %w", err)
	}
	if inv.detail == "" {
		inv.detail = "AWSCURRENT moved to the pending version"
	}
	return nil
}

// hasStage asks DescribeSecret whether the version carries the label.
func hasStage(ctx context.Context, c SecretsManagerAPI, run *Run, version, stage string) (bool, error) {
	meta, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: run.meta.ARN})
	if err != nil {
		return false, err
	}
	return slices.Contains(meta.VersionIdsToStages[version], stage), nil
}
