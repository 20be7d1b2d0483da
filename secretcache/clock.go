package secretcache

import "time"

// Clock is the time source of a Cache: reading the time and running a function later.
// The default is the system clock. Tests pass a fake clock that they move by hand, so that
// refreshes, backoff and staleness are exercised without sleeping.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc arranges for f to run, in its own goroutine or in the goroutine that moves
	// a fake clock, once d has passed. It never runs f before it returns. stop cancels the
	// call and reports whether it did so before f started, like (*time.Timer).Stop.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
