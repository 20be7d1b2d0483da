package secretsmanager

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// Keys is the KMS that Secrets Manager encrypts secret values with (package kms).
type Keys interface {
	// Encrypt encrypts under keyRef (a key id, key ARN, alias or alias ARN), or under the
	// AWS managed key aws/secretsmanager of region when keyRef is "".
	Encrypt(region, keyRef string, plaintext []byte, encryptionContext map[string]string) ([]byte, error)
	Decrypt(region string, blob []byte, encryptionContext map[string]string) ([]byte, error)
}

// Functions are the Lambda functions that rotations invoke (package lambda).
type Functions interface {
	// Invoke runs a function synchronously; functionError is set when the function failed.
	Invoke(ctx context.Context, region, nameOrARN string, payload []byte) (result []byte, functionError string, err error)
	Exists(region, nameOrARN string) bool
}

// History keeps the record of every rotation (the emulator's control API).
type History interface {
	RecordRotation(r *RotationRecord)
	// UpdateRotation runs f on r under the history's lock.
	UpdateRotation(r *RotationRecord, f func(r *RotationRecord))
}

// Config is what a Service needs from the rest of the emulator.
type Config struct {
	Account   string
	Now       func() time.Time
	Log       *slog.Logger
	Keys      Keys
	Functions Functions
	History   History
	// Changed is called after each change of the state: the state file's cue.
	Changed func()
}

// Service is the Secrets Manager of one account, in every region. It is safe for
// concurrent use: mu guards the secrets and the rotations in flight; the KMS lock is taken
// after it, never before.
type Service struct {
	account   string
	now       func() time.Time
	log       *slog.Logger
	keys      Keys
	functions Functions
	history   History
	dirty     func()

	mu        sync.Mutex
	regions   map[string]*smRegion
	rotations map[string]*rotationJob // in flight, by secret ARN

	// bg tracks rotations; bgCtx ends them on Close.
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

type smRegion struct {
	byName map[string]*smSecret
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{
		account: cfg.Account, now: cfg.Now, log: cfg.Log, keys: cfg.Keys, functions: cfg.Functions, history: cfg.History,
		dirty: cfg.Changed, regions: map[string]*smRegion{}, rotations: map[string]*rotationJob{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.dirty == nil {
		s.dirty = func() {}
	}
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	return s
}

// operation is one JSON 1.1 operation: it decodes the body, then runs with s.mu held.
type operation func(s *Service, region string, body []byte) (any, error)

// op adapts a typed handler. Mutating handlers report the change when they succeed.
func op[In any](f func(s *Service, region string, in *In) (any, error), mutating bool) operation {
	return func(s *Service, region string, body []byte) (any, error) {
		in := new(In)
		if err := awsapi.DecodeJSON(body, in); err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		out, err := f(s, region, in)
		if err == nil && mutating {
			s.dirty()
		}
		return out, err
	}
}

// Operation returns the handler of an operation (X-Amz-Target "secretsmanager.<name>"), or
// false when Secrets Manager has none of that name.
func (s *Service) Operation(name string) (func(ctx context.Context, region string, body []byte) (any, error), bool) {
	f, ok := smOperations[name]
	if !ok {
		return nil, false
	}
	return func(_ context.Context, region string, body []byte) (any, error) { return f(s, region, body) }, true
}

// OperationNames lists the operations of the API, sorted.
func OperationNames() []string {
	return slices.Sorted(maps.Keys(smOperations))
}

// Reset forgets every secret. Rotations in flight run on and find their secret gone.
func (s *Service) Reset() {
	s.mu.Lock()
	s.regions = map[string]*smRegion{}
	s.mu.Unlock()
	s.dirty()
}

// Close stops the rotations in flight and waits for them.
func (s *Service) Close() {
	s.bgCancel()
	s.bg.Wait()
}
