package secretcache_test

import (
	"context"
	"testing"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// Hit cost of the library alone (make bench); the emulator-backed benchmarks (calls per
// hour, time to see a rotation, outage) are in the main module's internal/secretcachetest.
func BenchmarkHit(b *testing.B) {
	f := newFakeSM("db", "pw")
	c, err := secretcache.New(f, secretcache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	if _, err := c.GetString(ctx, "db"); err != nil {
		b.Fatal(err)
	}
	b.Run("GetString", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GetString(ctx, "db"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetWithInfo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.GetWithInfo(ctx, "db"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
