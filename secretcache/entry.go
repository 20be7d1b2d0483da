package secretcache

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// mode says what a read does with an entry's snapshot.
type mode uint8

const (
	// modeFresh: serve the value; the entry's timer keeps it fresh.
	modeFresh mode = iota
	// modeStale: serve the value; refreshes are failing but it is within MaxStaleness.
	modeStale
	// modeDue: serve the value and start a background refresh: the entry was idle when
	// its refresh came due, so the timer did not spend a call on it.
	modeDue
	// modeNone: nothing to serve; wait for a refresh, or fail fast during backoff.
	modeNone
)

// snapshot is what readers see of an entry: immutable, swapped atomically.
type snapshot struct {
	mode      mode
	val       *Value
	confirmed time.Time // when val was last confirmed current
	failing   bool      // the last refresh failed: val is served stale
}

var emptySnapshot = &snapshot{mode: modeNone}

// flight is one refresh in progress; everyone who needs its answer waits on done.
type flight struct {
	done   chan struct{}
	forced bool
	val    *Value
	err    error
}

// entry is the cache's state for one key. Readers use snap (and touch lastUse) without
// locking; everything else is guarded by mu and changed only by the slow path, refreshes
// and timers.
type entry struct {
	c       *Cache
	key     key
	snap    atomic.Pointer[snapshot]
	lastUse atomic.Uint64 // cache epoch at the last read
	held    atomic.Bool   // has held a value: counts against MaxEntries, else MaxMisses

	mu             sync.Mutex
	dead           bool      // invalidated, evicted or closed: no more timers or refreshes
	val            *Value    // last good value
	verified       time.Time // when val was last confirmed (start of that refresh)
	meta           meta      // from the last DescribeSecret
	haveMeta       bool
	describeDenied bool // DescribeSecret is refused: refresh with GetSecretValue alone
	pendingStreak  int
	failures       int
	lastErr        error
	retryAt        time.Time // no call before this after a failure
	nextCheck      time.Time // next refresh when healthy; zero: none (pinned versions)
	forcedAt       time.Time // end of the last forced refresh
	flight         *flight
	mark           uint64 // cache epoch when the last refresh started: lastUse >= mark means read since
	timerGen       uint64
	stopTimer      func() bool
}

func newEntry(c *Cache, k key) *entry {
	e := &entry{c: c, key: k}
	e.snap.Store(emptySnapshot)
	return e
}

func (e *entry) deadline() time.Time { return e.verified.Add(e.c.opt.MaxStaleness) }

// pinned reports whether the entry is a version read without a stage: a version's value
// never changes, so it is never checked again. A version read with a stage is checked like
// a stage read, since the stage can move away from it.
func (e *entry) pinned() bool { return e.key.version != "" && e.key.stage == "" }

// servableUntil is when val stops being served: MaxStaleness after its last confirmation,
// extended by StaleIfError while the refreshes fail for transient reasons (the service or
// the network is down), cut short as soon as Secrets Manager answers that the secret or
// version cannot be read.
func (e *entry) servableUntilLocked() time.Time {
	d := e.deadline()
	if e.lastErr != nil {
		if !IsTransient(e.lastErr) {
			return e.verified
		}
		d = d.Add(e.c.opt.StaleIfError)
	}
	return d
}

// servableLocked reports whether val may be handed out at now.
func (e *entry) servableLocked(now time.Time) bool {
	if e.val == nil {
		return false
	}
	return e.pinned() || now.Before(e.servableUntilLocked())
}

func (e *entry) errorLocked(now time.Time) error {
	return &Error{SecretID: e.key.id, VersionStage: e.key.stage, VersionID: e.key.version,
		Stale: e.val != nil && !e.servableLocked(now) && IsTransient(e.lastErr), RetryAt: e.retryAt, Err: e.lastErr}
}

func (e *entry) logAttrs(attrs ...slog.Attr) []slog.Attr {
	return append([]slog.Attr{slog.String("secret", e.key.id), slog.String("stage", e.key.stage),
		slog.String("version_id", e.key.version)}, attrs...)
}

// startLocked starts a refresh in its own goroutine.
func (e *entry) startLocked(forced bool) *flight {
	f := &flight{done: make(chan struct{}), forced: forced}
	e.flight = f
	e.mark = e.c.epoch.Add(1)
	in := fetchInput{val: e.val, describeDenied: e.describeDenied,
		changed: e.lastErr != nil && e.val != nil && e.haveMeta && e.meta.versionID != e.val.versionID}
	e.c.flights.add(1)
	go e.run(f, in)
	return f
}

func (e *entry) run(f *flight, in fetchInput) {
	defer e.c.flights.add(-1)
	start := e.c.clock.Now()
	ctx, cancel := context.WithTimeout(e.c.ctx, e.c.opt.FetchTimeout)
	res := e.c.fetch(ctx, e.key, in)
	cancel()
	e.finish(f, start, res)
}

// finish applies a refresh's result, publishes the new snapshot and schedules the next
// check, then releases the waiters.
func (e *entry) finish(f *flight, start time.Time, res fetchResult) {
	c := e.c
	e.mu.Lock()
	now := c.clock.Now()
	e.flight = nil
	if f.forced {
		e.forcedAt = now
	}
	if res.haveMeta {
		if res.meta.pendingID != "" && res.meta.pendingID == e.meta.pendingID {
			e.pendingStreak++
		} else {
			e.pendingStreak = 0
		}
		e.meta, e.haveMeta = res.meta, true
	}
	if res.describeDenied && !e.describeDenied {
		e.describeDenied = true
		c.log.LogAttrs(c.ctx, slog.LevelWarn, "DescribeSecret is denied; refreshing with GetSecretValue alone", e.logAttrs()...)
	}
	first := false
	if res.err == nil {
		first = !e.held.Swap(true)
		old := e.val
		e.val, e.verified, e.failures, e.lastErr, e.retryAt = res.val, start, 0, nil, time.Time{}
		e.snap.Store(&snapshot{mode: modeFresh, val: res.val, confirmed: start})
		if old != nil && old.versionID != res.val.versionID {
			c.st.versionChanges.Add(1)
			c.log.LogAttrs(c.ctx, slog.LevelInfo, "secret version changed", e.logAttrs(
				slog.String("old_version", old.versionID), slog.String("new_version", res.val.versionID))...)
		}
		if !e.pinned() {
			var why string
			e.nextCheck, why = c.pol.next(now, &e.meta, e.haveMeta, e.pendingStreak, c.opt.Random())
			c.log.LogAttrs(c.ctx, slog.LevelDebug, "next check", e.logAttrs(
				slog.Time("at", e.nextCheck), slog.String("reason", why))...)
		}
		f.val = res.val
	} else {
		e.failures++
		e.lastErr = res.err
		e.retryAt = now.Add(c.pol.backoff(e.failures, c.opt.Random()))
		if e.servableLocked(now) {
			e.snap.Store(&snapshot{mode: modeStale, val: e.val, confirmed: e.verified, failing: true})
		} else {
			e.snap.Store(emptySnapshot)
		}
		f.err = e.errorLocked(now)
		if !c.closed.Load() {
			c.log.LogAttrs(c.ctx, slog.LevelWarn, "refresh failed", e.logAttrs(
				slog.Int("failures", e.failures), slog.Time("retry_at", e.retryAt),
				slog.Bool("serving_stale", e.servableLocked(now)), slog.String("error", res.err.Error()))...)
		}
	}
	e.rescheduleLocked(now)
	e.mu.Unlock()
	if first {
		c.admit(e)
	}
	close(f.done)
}

// rescheduleLocked arms the timer for the next thing due: a check (or a retry after a
// failure) still ahead, or the staleness deadline if it comes first. Entries that never
// held a value have no timer: the next read retries, after the backoff.
func (e *entry) rescheduleLocked(now time.Time) {
	if e.dead || e.val == nil {
		return
	}
	at := e.nextCheck
	if e.lastErr != nil {
		at = e.retryAt
	}
	if !at.After(now) {
		at = time.Time{} // passed: the entry is idle, its next read refreshes it
	}
	if !e.pinned() && e.servableLocked(now) && (at.IsZero() || e.servableUntilLocked().Before(at)) {
		at = e.servableUntilLocked()
	}
	if at.IsZero() {
		return
	}
	if e.stopTimer != nil {
		e.stopTimer()
	}
	e.timerGen++
	gen := e.timerGen
	// Measured from the clock as it is now: a refresh that finished in the background may
	// have seen an earlier time.
	e.stopTimer = e.c.clock.AfterFunc(max(at.Sub(e.c.clock.Now()), 0), func() { e.tick(gen) })
}

// tick runs when the entry's timer fires: it withholds a value past MaxStaleness, and
// refreshes a due entry if it was read since its last refresh. An idle entry costs no
// call: it is marked due, and its next read refreshes it in the background.
func (e *entry) tick(gen uint64) {
	c := e.c
	e.mu.Lock()
	if e.dead || gen != e.timerGen {
		e.mu.Unlock()
		return
	}
	e.stopTimer = nil
	now := c.clock.Now()
	servable := e.servableLocked(now)
	if !servable && e.snap.Load().mode != modeNone {
		e.snap.Store(emptySnapshot)
		c.log.LogAttrs(c.ctx, slog.LevelWarn, "withholding value: not confirmed within MaxStaleness", e.logAttrs(
			slog.Time("last_confirmed", e.verified), slog.Duration("max_staleness", c.opt.MaxStaleness))...)
	}
	due := e.nextCheck
	if e.lastErr != nil {
		due = e.retryAt
	}
	switch {
	case e.flight != nil:
		// A refresh is running; its finish arms the timer.
	case due.IsZero() || now.Before(due):
		e.rescheduleLocked(now) // woke for the deadline
	case e.lastUse.Load() < e.mark:
		// Idle since the last refresh.
		if servable {
			e.snap.Store(&snapshot{mode: modeDue, val: e.val, confirmed: e.verified, failing: e.lastErr != nil})
			e.rescheduleLocked(now) // the deadline still applies
		}
	default:
		f := e.startLocked(false)
		e.mu.Unlock()
		<-f.done
		return
	}
	e.mu.Unlock()
}

// kick starts a background refresh of an entry in modeDue.
func (e *entry) kick() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.dead || e.flight != nil || e.snap.Load().mode != modeDue {
		return
	}
	if e.lastErr != nil && e.c.clock.Now().Before(e.retryAt) {
		return
	}
	e.startLocked(false)
	// Readers need not come here again while it runs.
	m := modeFresh
	if e.lastErr != nil {
		m = modeStale
	}
	e.snap.Store(&snapshot{mode: m, val: e.val, confirmed: e.verified, failing: e.lastErr != nil})
}

// await serves a read that found nothing to serve: it joins or starts a refresh, or fails
// fast during backoff. retry means the entry changed meanwhile and the read starts over.
func (e *entry) await(ctx context.Context) (v *Value, err error, retry bool) {
	e.mu.Lock()
	if e.dead || e.snap.Load().mode != modeNone {
		e.mu.Unlock()
		return nil, nil, true
	}
	f := e.flight
	if f == nil {
		if now := e.c.clock.Now(); e.lastErr != nil && now.Before(e.retryAt) {
			err := e.errorLocked(now)
			e.mu.Unlock()
			return nil, err, false
		}
		f = e.startLocked(false)
	}
	e.mu.Unlock()
	return e.wait(ctx, f)
}

func (e *entry) wait(ctx context.Context, f *flight) (*Value, error, bool) {
	e.c.st.misses.Add(1)
	select {
	case <-f.done:
		return f.val, f.err, false
	case <-ctx.Done():
		return nil, &Error{SecretID: e.key.id, VersionStage: e.key.stage, VersionID: e.key.version, Err: context.Cause(ctx)}, false
	}
}

// forceRefresh refreshes now, unless the answer is already known (see Cache.Refresh).
func (e *entry) forceRefresh(ctx context.Context, seen *Value) (*Value, error, bool) {
	c := e.c
	e.mu.Lock()
	if e.dead {
		e.mu.Unlock()
		return nil, nil, true
	}
	now := c.clock.Now()
	f := e.flight
	if f == nil {
		switch {
		case seen != nil && e.servableLocked(now) && e.val.versionID != seen.versionID:
			// Another caller's refresh already found a newer version.
			v := e.val
			e.mu.Unlock()
			return v, nil, false
		case !e.forcedAt.IsZero() && now.Before(e.forcedAt.Add(c.opt.MinRefreshInterval)):
			// A forced refresh just ran: share its answer. A backoff after a failed
			// ordinary read does not hold a forced one back: a secret created after a
			// "not found" is found at once.
			if e.lastErr != nil {
				err := e.errorLocked(now)
				e.mu.Unlock()
				return nil, err, false
			}
			if e.val != nil {
				v := e.val
				e.mu.Unlock()
				return v, nil, false
			}
		}
		f = e.startLocked(true)
	}
	e.mu.Unlock()
	return e.wait(ctx, f)
}

// kill stops the entry's timer; the entry is no longer in the table.
func (e *entry) kill() {
	e.mu.Lock()
	e.dead = true
	e.timerGen++
	if e.stopTimer != nil {
		e.stopTimer()
		e.stopTimer = nil
	}
	e.mu.Unlock()
}
