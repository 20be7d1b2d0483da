package main

import (
	"math/bits"
	"time"
)

// The histogram is log-linear: values below 2^subBits ns have a bucket each; above, every
// power of two is split into 2^subBits buckets, so a bucket spans under 1/64 (1.6%) of its
// values. Durations of up to 2^maxBits ns (about 18 minutes) are kept; longer ones count
// in the last bucket.
const (
	subBits    = 6
	subCount   = 1 << subBits
	maxBits    = 40
	numBuckets = (maxBits - subBits + 1) * subCount
)

// histogram counts durations in fixed-size buckets. The zero value is empty.
type histogram struct {
	counts [numBuckets]uint64
	total  uint64
}

func bucketOf(ns uint64) int {
	if ns < subCount {
		return int(ns)
	}
	shift := bits.Len64(ns) - subBits - 1 // keeps the top subBits+1 bits
	i := (shift+1)*subCount + int(ns>>shift) - subCount
	return min(i, numBuckets-1)
}

// bucketLow is the smallest value that falls in bucket i.
func bucketLow(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	shift := i/subCount - 1
	return uint64(i%subCount+subCount) << shift
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.total++
}

func (h *histogram) merge(o *histogram) {
	for i, n := range o.counts {
		h.counts[i] += n
	}
	h.total += o.total
}

// quantile returns the middle of the bucket that holds the q-quantile, or 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total-1)) + 1 // 1-based rank of the value
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			lo := bucketLow(i)
			hi := lo + 1
			if i+1 < numBuckets {
				hi = bucketLow(i + 1)
			}
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return time.Duration(bucketLow(numBuckets - 1))
}
