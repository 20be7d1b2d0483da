// Package kms is the emulator's KMS: keys (symmetric with real AES-GCM, other specs as
// metadata), multi-Region keys and replicas, aliases, policies, key rotation, scheduled
// deletion, tags, and Encrypt/Decrypt/ReEncrypt/GenerateDataKey, over the JSON 1.1 protocol
// (X-Amz-Target "TrentService.<Op>"). Secrets Manager encrypts secret values through
// Service.Encrypt and Service.Decrypt.
package kms

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// Service is the KMS of one account. It is safe for concurrent use: its mutex guards every
// key and alias. Callers that hold a lock of their own (Secrets Manager) take it before
// this one, never after.
type Service struct {
	account string
	now     func() time.Time
	// changed is called after every successful mutating operation: the state file's cue.
	changed func()

	mu      sync.Mutex
	regions map[string]*kmsRegion // by region
}

// New returns the KMS of account, reading the time from now. changed, when not nil, is
// called after each change to the state.
func New(account string, now func() time.Time, changed func()) *Service {
	if changed == nil {
		changed = func() {}
	}
	return &Service{account: account, now: now, changed: changed, regions: map[string]*kmsRegion{}}
}

// operation is one JSON 1.1 operation: it decodes the body and runs with s.mu held.
type operation func(s *Service, region string, body []byte) (any, error)

// op adapts a typed handler. Mutating handlers report the change when they succeed.
func op[In any](f func(s *Service, region string, in *In) (any, error), mutating bool) operation {
	return func(s *Service, region string, body []byte) (any, error) {
		in := new(In)
		if err := awsapi.DecodeJSON(body, in); err != nil {
			return nil, err
		}
		s.mu.Lock()
		out, err := f(s, region, in)
		s.mu.Unlock()
		if err == nil && mutating {
			s.changed()
		}
		return out, err
	}
}

// Operation returns the handler of a KMS operation, or false when KMS has none of that name.
func (s *Service) Operation(name string) (func(ctx context.Context, region string, body []byte) (any, error), bool) {
	f, ok := kmsOperations[name]
	if !ok {
		return nil, false
	}
	return func(_ context.Context, region string, body []byte) (any, error) { return f(s, region, body) }, true
}

// Encrypt encrypts for an AWS service (Secrets Manager) under keyRef: a key id, key ARN,
// alias name or alias ARN, or "" for the service's AWS managed key aws/secretsmanager of
// region, which it creates on first use.
func (s *Service) Encrypt(region, keyRef string, plaintext []byte, encryptionContext map[string]string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serviceEncrypt(region, keyRef, plaintext, encryptionContext)
}

// Decrypt decrypts a blob made by Encrypt in region.
func (s *Service) Decrypt(region string, blob []byte, encryptionContext map[string]string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serviceDecrypt(region, blob, encryptionContext)
}

// Reset forgets every key and alias.
func (s *Service) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regions = map[string]*kmsRegion{}
}

// MarshalState encodes the state for the state file.
func (s *Service) MarshalState() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.regions) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(s.snapshot())
	if err != nil {
		return nil, fmt.Errorf("encode KMS state: %w", err)
	}
	return b, nil
}

// LoadState replaces the state with one MarshalState encoded, refusing one that is
// incomplete. Empty data is an empty state.
func (s *Service) LoadState(data json.RawMessage) error {
	var snap Snapshot
	if len(data) > 0 {
		if err := json.Unmarshal(data, &snap); err != nil {
			return fmt.Errorf("KMS state: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loadKMS(snap.restore())
}

// OperationNames lists the KMS operations the emulator implements, sorted.
func OperationNames() []string {
	return slices.Sorted(maps.Keys(kmsOperations))
}
