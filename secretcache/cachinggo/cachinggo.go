// Package cachinggo is a migration path from aws-secretsmanager-caching-go (v2): the same
// names — New with option functions, Cache with CacheConfig (MaxCacheSize, CacheItemTTL,
// VersionStage, Hook) and Client, GetSecretString, GetSecretStringWithStage,
// GetSecretBinary, their ...WithContext forms, RefreshNow — over a secretcache.Cache.
// Replacing the import path is the whole change for most programs:
//
//	import "github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/cachinggo"
//
//	cache, err := cachinggo.New()
//	s, err := cache.GetSecretString("prod/db")
//
// What changes behind the names: CacheItemTTL bounds how old a value may be (the cache
// checks ahead of it in the background, earlier in a secret's rotation window and while a
// rotation is in progress) instead of being a refresh interval on the read path; reads do
// not wait for refreshes; VersionStage is honoured by every getter; during an outage the
// last value is served up to StaleIfError past the TTL (caching-go serves it without a
// bound), then the error.
package cachinggo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// Defaults, as in caching-go.
const (
	DefaultMaxCacheSize = 1024
	DefaultCacheItemTTL = 3600000000000 // 1 hour in nanoseconds
	DefaultVersionStage = "AWSCURRENT"
	// DefaultStaleIfError bounds serving the last value while Secrets Manager fails (ours;
	// caching-go has no bound).
	DefaultStaleIfError = 24 * time.Hour
)

// CacheConfig is caching-go's configuration.
type CacheConfig struct {
	// MaxCacheSize is the most secrets kept (per stage); the least recently read is dropped.
	MaxCacheSize int
	// CacheItemTTL, in nanoseconds, is the oldest a served value may be (its last
	// confirmation by Secrets Manager); secretcache's MaxStaleness.
	CacheItemTTL int64
	// VersionStage is read when a call names no stage.
	VersionStage string
	// Hook transforms the secrets kept in memory (to encrypt them, say): Put receives each
	// *secretsmanager.GetSecretValueOutput and returns what is stored; Get must give the
	// *secretsmanager.GetSecretValueOutput back.
	Hook CacheHook
	// StaleIfError is how long past CacheItemTTL the last value is served while Secrets
	// Manager fails for transient reasons; default DefaultStaleIfError. Not in caching-go.
	StaleIfError time.Duration
}

// CacheHook is caching-go's hook interface.
type CacheHook interface {
	// Put prepares the object for storing in the cache.
	Put(data interface{}) interface{}
	// Get derives the object from the cached object.
	Get(data interface{}) interface{}
}

// SecretsManagerAPIClient is what the cache calls; *secretsmanager.Client satisfies it.
type SecretsManagerAPIClient = secretcache.Client

// Cache has caching-go's methods over a secretcache.Cache, created at the first read with
// the configuration as it is then.
type Cache struct {
	CacheConfig
	Client SecretsManagerAPIClient

	once  sync.Once
	cache *secretcache.Cache
	err   error
}

// New returns a Cache configured by optFns, which set fields of the Cache as in caching-go;
// without a Client, one is made from the SDK's default configuration.
func New(optFns ...func(*Cache)) (*Cache, error) {
	c := &Cache{CacheConfig: CacheConfig{MaxCacheSize: DefaultMaxCacheSize, VersionStage: DefaultVersionStage, CacheItemTTL: DefaultCacheItemTTL}}
	for _, fn := range optFns {
		fn(c)
	}
	if c.Client == nil {
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			return nil, err
		}
		c.Client = secretsmanager.NewFromConfig(cfg)
	}
	if _, err := c.underlying(); err != nil {
		return nil, err
	}
	return c, nil
}

// Cache returns the secretcache.Cache underneath, for its other methods (GetJSON, Do,
// Invalidate, Stats).
func (c *Cache) Cache() (*secretcache.Cache, error) { return c.underlying() }

// Close stops the background refreshes.
func (c *Cache) Close() error {
	if sc, err := c.underlying(); err == nil {
		return sc.Close()
	}
	return nil
}

func (c *Cache) underlying() (*secretcache.Cache, error) {
	c.once.Do(func() {
		cfg := c.CacheConfig
		if cfg.CacheItemTTL < 0 {
			c.err = errors.New("cannot set negative ttl on cache")
			return
		}
		ttl := time.Duration(cfg.CacheItemTTL)
		if ttl == 0 {
			ttl = DefaultCacheItemTTL
		}
		size := cfg.MaxCacheSize
		if size <= 0 {
			size = DefaultMaxCacheSize
		}
		stale := cfg.StaleIfError
		if stale == 0 {
			stale = DefaultStaleIfError
		}
		opts := secretcache.Options{MaxStaleness: ttl, MaxEntries: size, VersionStage: cfg.VersionStage, StaleIfError: stale}
		if ttl < 3*time.Second {
			// secretcache refreshes ahead of the bound; below a few seconds there is no room.
			opts.RefreshInterval = ttl / 2
		}
		if cfg.Hook != nil {
			opts.Hook = hookAdapter{cfg.Hook}
		}
		c.cache, c.err = secretcache.New(c.Client, opts)
	})
	return c.cache, c.err
}

// hookAdapter gives a caching-go hook the GetSecretValue answers it expects.
type hookAdapter struct{ h CacheHook }

func (a hookAdapter) Put(out *secretsmanager.GetSecretValueOutput) any { return a.h.Put(out) }

func (a hookAdapter) Get(stored any) (*secretsmanager.GetSecretValueOutput, error) {
	out, ok := a.h.Get(stored).(*secretsmanager.GetSecretValueOutput)
	if !ok {
		return nil, fmt.Errorf("the CacheHook's Get returned %T, want the *secretsmanager.GetSecretValueOutput given to Put", a.h.Get(stored))
	}
	return out, nil
}

// InvalidOperationError is caching-go's error for a string read of a binary secret and the
// reverse.
type InvalidOperationError struct{ Message string }

func (e *InvalidOperationError) Error() string { return e.Message }

func (c *Cache) stage(s string) []secretcache.GetOption {
	if s == "" {
		return nil
	}
	return []secretcache.GetOption{secretcache.Stage(s)}
}

// GetSecretString returns the secret string of the configured stage.
func (c *Cache) GetSecretString(secretID string) (string, error) {
	return c.GetSecretStringWithStageWithContext(context.Background(), secretID, "")
}

// GetSecretStringWithContext is GetSecretString with a context.
func (c *Cache) GetSecretStringWithContext(ctx context.Context, secretID string) (string, error) {
	return c.GetSecretStringWithStageWithContext(ctx, secretID, "")
}

// GetSecretStringWithStage returns the secret string of versionStage ("" : the configured
// stage).
func (c *Cache) GetSecretStringWithStage(secretID, versionStage string) (string, error) {
	return c.GetSecretStringWithStageWithContext(context.Background(), secretID, versionStage)
}

// GetSecretStringWithStageWithContext is GetSecretStringWithStage with a context.
func (c *Cache) GetSecretStringWithStageWithContext(ctx context.Context, secretID, versionStage string) (string, error) {
	sc, err := c.underlying()
	if err != nil {
		return "", err
	}
	s, err := sc.GetString(ctx, secretID, c.stage(versionStage)...)
	if errors.Is(err, secretcache.ErrNoSecretString) {
		return "", &InvalidOperationError{Message: "requested secret version does not contain SecretString"}
	}
	return s, err
}

// GetSecretBinary returns the binary secret of the configured stage.
func (c *Cache) GetSecretBinary(secretID string) ([]byte, error) {
	return c.GetSecretBinaryWithStageWithContext(context.Background(), secretID, "")
}

// GetSecretBinaryWithContext is GetSecretBinary with a context.
func (c *Cache) GetSecretBinaryWithContext(ctx context.Context, secretID string) ([]byte, error) {
	return c.GetSecretBinaryWithStageWithContext(ctx, secretID, "")
}

// GetSecretBinaryWithStage returns the binary secret of versionStage.
func (c *Cache) GetSecretBinaryWithStage(secretID, versionStage string) ([]byte, error) {
	return c.GetSecretBinaryWithStageWithContext(context.Background(), secretID, versionStage)
}

// GetSecretBinaryWithStageWithContext is GetSecretBinaryWithStage with a context.
func (c *Cache) GetSecretBinaryWithStageWithContext(ctx context.Context, secretID, versionStage string) ([]byte, error) {
	sc, err := c.underlying()
	if err != nil {
		return nil, err
	}
	b, err := sc.GetBinary(ctx, secretID, c.stage(versionStage)...)
	if errors.Is(err, secretcache.ErrNoSecretBinary) {
		return nil, &InvalidOperationError{Message: "requested secret version does not contain SecretBinary"}
	}
	return b, err
}

// RefreshNow checks the secret with Secrets Manager now (errors are kept for the next read,
// as in caching-go).
func (c *Cache) RefreshNow(secretID string) { c.RefreshNowWithContext(context.Background(), secretID) }

// RefreshNowWithContext is RefreshNow with a context.
func (c *Cache) RefreshNowWithContext(ctx context.Context, secretID string) {
	if sc, err := c.underlying(); err == nil {
		_, _ = sc.Refresh(ctx, secretID, c.stage(c.VersionStage)...)
	}
}
