package secretcache_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// A read of a version id together with a stage must stop answering once the version lost
// the stage: Secrets Manager refuses such a read then, and so must the cache, within its
// staleness bound.
func TestPinnedVersionWithStageIsRechecked(t *testing.T) {
	f := newFakeSM("db", "v1")
	v1 := f.holder("AWSCURRENT")
	c, clock := newFakeCache(t, f, secretcache.Options{})
	opts := []secretcache.GetOption{secretcache.VersionID(v1), secretcache.Stage("AWSCURRENT")}
	if got := mustString(t, c, "db", opts...); got != "v1" {
		t.Fatalf("got %q", got)
	}
	f.put("v2") // AWSCURRENT moves away from v1
	var lastErr error
	took := stepUntil(t, clock, 10*time.Second, 15*time.Minute, func() bool {
		v, err := c.Get(t.Context(), "db", opts...)
		if err == nil && !slices.Contains(v.VersionStages(), "AWSCURRENT") {
			t.Fatalf("served version %s labelled %v for a read of AWSCURRENT", v.VersionID(), v.VersionStages())
		}
		lastErr = err
		return err != nil
	})
	var nf *types.ResourceNotFoundException
	if !errors.As(lastErr, &nf) {
		t.Fatalf("error %v: want Secrets Manager's answer", lastErr)
	}
	t.Logf("version %s stopped answering as AWSCURRENT %s after the stage moved", v1, took)
	// A version read without a stage keeps its value: versions are immutable.
	if got := mustString(t, c, "db", secretcache.VersionID(v1)); got != "v1" {
		t.Fatalf("pinned version: %q", got)
	}
}

// Refresh (the agent's refreshNow=true) always asks Secrets Manager, even when the last
// answer was "not found" and the entry is backing off.
func TestRefreshBypassesACachedMiss(t *testing.T) {
	f := newFakeSM("db", "pw")
	f.setAbsent(true)
	c, _ := newFakeCache(t, f, secretcache.Options{})
	var nf *types.ResourceNotFoundException
	if _, err := c.Get(t.Context(), "db"); !errors.As(err, &nf) {
		t.Fatalf("before the secret exists: %v", err)
	}
	f.setAbsent(false) // the secret is created
	v, err := c.Refresh(t.Context(), "db")
	if err != nil {
		t.Fatalf("Refresh after the secret was created: %v", err)
	}
	if s, _ := v.SecretString(), 0; s != "pw" {
		t.Fatalf("Refresh: %q", s)
	}
	if got := mustString(t, c, "db"); got != "pw" {
		t.Fatalf("read after Refresh: %q", got)
	}
}

// Reads of ids that do not exist must not push real secrets out of the cache: anyone who can
// read through the cache could otherwise flush it.
func TestMissesDoNotEvictSecrets(t *testing.T) {
	f := newFakeSM("db", "pw")
	c, _ := newFakeCache(t, f, secretcache.Options{MaxEntries: 2, MaxMisses: 8})
	mustString(t, c, "db")
	mustString(t, c, f.arn)
	for i := range 1000 {
		if _, err := c.Get(t.Context(), fmt.Sprintf("unknown-%d", i)); err == nil {
			t.Fatalf("unknown-%d: no error", i)
		}
	}
	before := f.total()
	mustString(t, c, "db")
	mustString(t, c, f.arn)
	if n := f.total() - before; n != 0 {
		t.Fatalf("reading the two cached secrets after 1000 misses made %d calls: they were evicted", n)
	}
	if st := c.Stats(); st.Entries > 2+8 {
		t.Fatalf("%d entries, want at most MaxEntries+MaxMisses = 10", st.Entries)
	}
	// A secret that comes into existence still takes a slot, evicting the least recently
	// read one.
	f2 := newFakeSM("db", "pw")
	c2, _ := newFakeCache(t, f2, secretcache.Options{MaxEntries: 1})
	mustString(t, c2, "db")
	mustString(t, c2, f2.arn)
	if st := c2.Stats(); st.Entries != 1 || st.Evictions != 1 {
		t.Fatalf("stats %+v: want 1 entry after 1 eviction", st)
	}
}
