// Package fakeclock is a secretcache.Clock that moves only when told to, for tests: the
// cache's refreshes, backoff and staleness then run in simulated time, without sleeping,
// and the same clock can drive a local Secrets Manager emulator.
package fakeclock

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Clock is a fake clock. Advance runs due timers in time order, in the calling goroutine,
// each seeing Now() equal to its due time; a timer that a callback arms and that falls due
// before the target runs in the same Advance. So when Advance returns, every refresh it
// triggered has finished.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*timer
}

type timer struct {
	at   time.Time
	seq  int
	f    func()
	done bool
}

// Start is the time a new Clock shows.
var Start = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// New returns a clock showing Start.
func New() *Clock { return &Clock{now: Start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arranges for f to run when the clock has been advanced by d.
func (c *Clock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.done {
			return false
		}
		t.done = true
		c.timers = slices.DeleteFunc(c.timers, func(x *timer) bool { return x == t })
		return true
	}
}

// Advance moves the clock forward by d, running the timers that fall due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	for {
		sort.Slice(c.timers, func(i, j int) bool {
			if !c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].at.Before(c.timers[j].at)
			}
			return c.timers[i].seq < c.timers[j].seq
		})
		if len(c.timers) == 0 || c.timers[0].at.After(target) {
			c.now = target
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		t.done = true
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.f()
		c.mu.Lock()
	}
}

// AdvanceTo moves the clock to t (nothing if t is not in the future).
func (c *Clock) AdvanceTo(t time.Time) {
	if d := t.Sub(c.Now()); d > 0 {
		c.Advance(d)
	}
}
