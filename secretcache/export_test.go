package secretcache

// WaitIdle waits until no refresh is in flight (tests only): background refreshes that a
// read started are done when it returns.
func WaitIdle(c *Cache) { c.flights.wait() }
