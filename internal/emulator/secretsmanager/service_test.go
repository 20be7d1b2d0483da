package secretsmanager

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// sealedKeys stands in for KMS: a blob is the encryption context's secret ARN, then the
// plaintext reversed, so that a blob opened under another context fails. (The real KMS is
// tested through the emulator.)
type sealedKeys struct{}

func (sealedKeys) Encrypt(_, _ string, pt []byte, ctx map[string]string) ([]byte, error) {
	out := append([]byte(ctx["SecretARN"]+"|"+ctx["SecretVersionId"]+"|"), pt...)
	slices.Reverse(out[len(out)-len(pt):])
	return out, nil
}

func (sealedKeys) Decrypt(_ string, blob []byte, ctx map[string]string) ([]byte, error) {
	prefix := []byte(ctx["SecretARN"] + "|" + ctx["SecretVersionId"] + "|")
	if !bytes.HasPrefix(blob, prefix) {
		return nil, &apiError{Type: "InvalidCiphertextException", Status: 400}
	}
	pt := bytes.Clone(blob[len(prefix):])
	slices.Reverse(pt)
	return pt, nil
}

type noFunctions struct{}

func (noFunctions) Invoke(context.Context, string, string, []byte) ([]byte, string, error) {
	return nil, "", errors.New("no functions")
}
func (noFunctions) Exists(string, string) bool { return false }

type noHistory struct{}

func (noHistory) RecordRotation(*RotationRecord)                              {}
func (noHistory) UpdateRotation(r *RotationRecord, f func(r *RotationRecord)) { f(r) }

func newTestService() *Service {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	return New(Config{Account: "123456789012", Now: func() time.Time { return now }, Keys: sealedKeys{}, Functions: noFunctions{}, History: noHistory{}})
}

func ptr[T any](v T) *T { return &v }

// The model runs without HTTP or JSON: operations on typed inputs, state through Snapshot.
// Staging labels and values survive MarshalState and LoadState into another Service.
func TestServiceStateRoundTrip(t *testing.T) {
	s := newTestService()
	defer s.Close()
	const tok1, tok2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
	s.mu.Lock()
	_, err := s.smCreateSecret("eu-west-1", &createSecretInput{Name: ptr("app/db"), SecretString: ptr("v1"), ClientRequestToken: ptr(tok1),
		Tags: []tag{{Key: "env", Value: "test"}}})
	if err == nil {
		_, err = s.smPutSecretValue("eu-west-1", &putSecretValueInput{SecretID: ptr("app/db"), SecretString: ptr("v2"), ClientRequestToken: ptr(tok2)})
	}
	s.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	data, err := s.MarshalState(nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(`"v1"`)) || bytes.Contains(data, []byte(`"v2"`)) {
		t.Fatalf("the state holds a plaintext value: %s", data)
	}
	s2 := newTestService()
	defer s2.Close()
	if err := s2.LoadState(data); err != nil {
		t.Fatal(err)
	}
	s2.mu.Lock()
	defer s2.mu.Unlock()
	for stage, want := range map[string]string{"AWSCURRENT": "v2", "AWSPREVIOUS": "v1"} {
		out, err := s2.smGetSecretValue("eu-west-1", &getSecretValueInput{SecretID: ptr("app/db"), VersionStage: ptr(stage)})
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		if v := out.(*secretValueOutput); v.SecretString == nil || *v.SecretString != want {
			t.Fatalf("%s = %+v, want %q", stage, v, want)
		}
	}
	if sec := s2.lookupSecret("eu-west-1", "app/db"); sec == nil || len(sec.Tags) != 1 || sec.Tags[0] != (tag{Key: "env", Value: "test"}) {
		t.Fatalf("tags after LoadState: %+v", sec)
	}
	// A damaged state is refused, not half loaded.
	if err := newTestService().LoadState([]byte(`{"eu-west-1":{"app/db":{"name":"other","region":"eu-west-1","versions":{}}}}`)); err == nil {
		t.Fatal("LoadState accepted a secret filed under another name")
	}
}
