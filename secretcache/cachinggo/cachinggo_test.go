package cachinggo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/cachinggo"
)

// cachingGo is the method set of aws-secretsmanager-caching-go v2's *secretcache.Cache: a
// program written against it compiles against the adapter.
type cachingGo interface {
	GetSecretString(secretId string) (string, error)
	GetSecretStringWithContext(ctx context.Context, secretId string) (string, error)
	GetSecretStringWithStage(secretId string, versionStage string) (string, error)
	GetSecretStringWithStageWithContext(ctx context.Context, secretId string, versionStage string) (string, error)
	GetSecretBinary(secretId string) ([]byte, error)
	GetSecretBinaryWithContext(ctx context.Context, secretId string) ([]byte, error)
	GetSecretBinaryWithStage(secretId string, versionStage string) ([]byte, error)
	GetSecretBinaryWithStageWithContext(ctx context.Context, secretId string, versionStage string) ([]byte, error)
	RefreshNow(secretId string)
	RefreshNowWithContext(ctx context.Context, secretId string)
}

var _ cachingGo = (*cachinggo.Cache)(nil)

// memSM is an in-memory Secrets Manager: secrets by name, versions with stages.
type memSM struct {
	mu    sync.Mutex
	seq   int
	vs    map[string]map[string]*secretsmanager.GetSecretValueOutput
	calls int
}

func newMemSM() *memSM {
	return &memSM{vs: map[string]map[string]*secretsmanager.GetSecretValueOutput{}}
}

func (m *memSM) put(name string, str *string, bin []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	if m.vs[name] == nil {
		m.vs[name] = map[string]*secretsmanager.GetSecretValueOutput{}
	}
	for _, o := range m.vs[name] {
		o.VersionStages = slices.DeleteFunc(o.VersionStages, func(s string) bool { return s == "AWSPREVIOUS" })
		if slices.Contains(o.VersionStages, "AWSCURRENT") {
			o.VersionStages = []string{"AWSPREVIOUS"}
		}
	}
	id := fmt.Sprintf("v%d", m.seq)
	m.vs[name][id] = &secretsmanager.GetSecretValueOutput{ARN: aws.String("arn:aws:secretsmanager:us-east-1:1:secret:" + name),
		Name: aws.String(name), VersionId: aws.String(id), SecretString: str, SecretBinary: bin, VersionStages: []string{"AWSCURRENT"}}
}

func (m *memSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	for _, o := range m.vs[aws.ToString(in.SecretId)] {
		if slices.Contains(o.VersionStages, aws.ToString(in.VersionStage)) {
			c := *o
			c.VersionStages = slices.Clone(o.VersionStages)
			return &c, nil
		}
	}
	return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
}

func (m *memSM) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	vs := m.vs[aws.ToString(in.SecretId)]
	if vs == nil {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret.")}
	}
	out := &secretsmanager.DescribeSecretOutput{VersionIdsToStages: map[string][]string{}}
	for id, o := range vs {
		out.ARN = o.ARN
		out.VersionIdsToStages[id] = slices.Clone(o.VersionStages)
	}
	return out, nil
}

// xorHook "encrypts" what the cache keeps, as a caching-go hook would with a KMS data key.
type xorHook struct {
	mu       sync.Mutex
	puts     int
	gets     int
	putTypes []string
}

func xor(b []byte) []byte {
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ 0x5a
	}
	return out
}

type sealed struct {
	out    secretsmanager.GetSecretValueOutput // without the secret
	cipher []byte
	isStr  bool
}

func (h *xorHook) Put(data interface{}) interface{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.puts++
	h.putTypes = append(h.putTypes, fmt.Sprintf("%T", data))
	o := data.(*secretsmanager.GetSecretValueOutput)
	s := &sealed{out: *o}
	s.out.SecretString, s.out.SecretBinary = nil, nil
	if o.SecretString != nil {
		s.cipher, s.isStr = xor([]byte(*o.SecretString)), true
	} else {
		s.cipher = xor(o.SecretBinary)
	}
	return s
}

func (h *xorHook) Get(data interface{}) interface{} {
	h.mu.Lock()
	h.gets++
	h.mu.Unlock()
	s := data.(*sealed)
	o := s.out
	if s.isStr {
		o.SecretString = aws.String(string(xor(s.cipher)))
	} else {
		o.SecretBinary = xor(s.cipher)
	}
	return &o
}

func TestCachingGoNames(t *testing.T) {
	sm := newMemSM()
	sm.put("db", aws.String("pw1"), nil)
	sm.put("db", aws.String("pw2"), nil)
	sm.put("key", nil, []byte{1, 2, 3})
	hook := &xorHook{}
	c, err := cachinggo.New(
		func(c *cachinggo.Cache) { c.Client = sm },
		func(c *cachinggo.Cache) { c.CacheConfig.Hook = hook },
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	for range 3 {
		if s, err := c.GetSecretString("db"); err != nil || s != "pw2" {
			t.Fatalf("GetSecretString: %q %v", s, err)
		}
	}
	if s, err := c.GetSecretStringWithStage("db", "AWSPREVIOUS"); err != nil || s != "pw1" {
		t.Fatalf("GetSecretStringWithStage: %q %v", s, err)
	}
	if b, err := c.GetSecretBinary("key"); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Fatalf("GetSecretBinary: %v %v", b, err)
	}
	var ioe *cachinggo.InvalidOperationError
	if _, err := c.GetSecretBinary("db"); !errors.As(err, &ioe) {
		t.Fatalf("binary read of a string: %v", err)
	}
	if _, err := c.GetSecretString("key"); !errors.As(err, &ioe) {
		t.Fatalf("string read of a binary: %v", err)
	}
	var nf *types.ResourceNotFoundException
	if _, err := c.GetSecretString("nope"); !errors.As(err, &nf) {
		t.Fatalf("missing secret: %v", err)
	}
	// The hook saw every GetSecretValue answer, and every read went through it.
	if hook.puts != 3 || hook.gets != 5 || hook.putTypes[0] != "*secretsmanager.GetSecretValueOutput" {
		t.Fatalf("hook: %d puts %v, %d gets", hook.puts, hook.putTypes, hook.gets)
	}
	// RefreshNow shows a new version at once.
	sm.put("db", aws.String("pw3"), nil)
	c.RefreshNow("db")
	if s, err := c.GetSecretString("db"); err != nil || s != "pw3" {
		t.Fatalf("after RefreshNow: %q %v", s, err)
	}
}

func TestCachingGoConfig(t *testing.T) {
	sm := newMemSM()
	sm.put("db", aws.String("pw1"), nil)
	sm.put("db", aws.String("pw2"), nil)
	for i := range 3 {
		sm.put(fmt.Sprintf("s%d", i), aws.String("x"), nil)
	}
	// VersionStage is honoured by GetSecretString (caching-go ignores it there).
	c, err := cachinggo.New(func(c *cachinggo.Cache) {
		c.Client = sm
		c.VersionStage = "AWSPREVIOUS"
		c.MaxCacheSize = 2
		c.CacheItemTTL = int64(60e9)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if s, err := c.GetSecretString("db"); err != nil || s != "pw1" {
		t.Fatalf("VersionStage AWSPREVIOUS: %q %v", s, err)
	}
	for i := range 3 {
		if _, err := c.GetSecretStringWithStage(fmt.Sprintf("s%d", i), "AWSCURRENT"); err != nil {
			t.Fatal(err)
		}
	}
	sc, _ := c.Cache()
	if st := sc.Stats(); st.Entries != 2 || st.Evictions != 2 {
		t.Fatalf("MaxCacheSize 2: %+v", st)
	}
	if _, err := cachinggo.New(func(c *cachinggo.Cache) { c.Client = sm; c.CacheItemTTL = -1 }); err == nil {
		t.Fatal("negative CacheItemTTL accepted")
	}
}
