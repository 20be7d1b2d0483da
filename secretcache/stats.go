package secretcache

import (
	"sync/atomic"
	"unsafe"
)

// Stats are counters since New. They are read without stopping the cache, so they are
// consistent only once it is quiet.
type Stats struct {
	// Hits are reads answered from memory without waiting, StaleHits included.
	Hits uint64
	// StaleHits are hits served while refreshes were failing, within MaxStaleness.
	StaleHits uint64
	// Misses are reads that waited for Secrets Manager (first read, read after an idle
	// entry expired, Refresh, the retry of Do).
	Misses uint64
	// Errors are reads (and Refresh and Do calls) that returned an error.
	Errors uint64
	// APICalls = DescribeSecretCalls + GetSecretValueCalls: every call made to the client.
	APICalls            uint64
	DescribeSecretCalls uint64
	GetSecretValueCalls uint64
	// APIErrors are client calls that failed.
	APIErrors uint64
	// VersionChanges counts refreshes that found a new version for a cached stage.
	VersionChanges uint64
	// Retries counts functions that Do called again after a rejection and a refresh.
	Retries uint64
	// Evictions counts entries dropped to stay within MaxEntries.
	Evictions uint64
	// Entries is the number of cached (secret, stage or version) entries.
	Entries int
}

// stripes spread a counter that every hit increments over several cache lines, so that
// parallel readers do not all write the same one.
const stripes = 32

type stripe struct {
	n atomic.Uint64
	_ [128 - 8]byte // two cache lines: some CPUs prefetch lines in pairs
}

type stripedCounter struct{ s [stripes]stripe }

// add increments one stripe chosen from the calling goroutine's stack address: goroutines
// have distinct stacks, so concurrent readers mostly land on distinct stripes. No lock, no
// allocation.
func (c *stripedCounter) add() {
	var marker byte
	a := uintptr(unsafe.Pointer(&marker))
	c.s[(a>>13^a>>18)%stripes].n.Add(1)
}

func (c *stripedCounter) load() uint64 {
	var n uint64
	for i := range c.s {
		n += c.s[i].n.Load()
	}
	return n
}

type counters struct {
	hits, staleHits                               stripedCounter
	misses, errors, describe, getValue, apiErrors atomic.Uint64
	versionChanges, retries, evictions            atomic.Uint64
}
