package secretcache_test

import (
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/fakeclock"
)

type fakeClock = fakeclock.Clock

func newFakeClock() *fakeClock { return fakeclock.New() }

// fixedRandom makes jitter deterministic.
func fixedRandom(x float64) func() float64 { return func() float64 { return x } }

func mustString(t testing.TB, c *secretcache.Cache, id string, opts ...secretcache.GetOption) string {
	t.Helper()
	s, err := c.GetString(t.Context(), id, opts...)
	if err != nil {
		t.Fatalf("GetString(%s): %v", id, err)
	}
	return s
}
