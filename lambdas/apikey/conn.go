package apikey

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxBody is the largest answer read from the service.
const maxBody = 1 << 20

// userAgent identifies the rotator to the service.
const userAgent = "secretsmanager-apikey-rotator/1"

// newHTTPClient returns a client that verifies TLS against the system roots plus the
// certificates of APIKEY_CA_BUNDLE, never follows redirects (a redirect could carry the
// key's header to another host), and keeps connections alive between invocations.
func newHTTPClient(lookup func(string) (string, bool)) (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if v, ok := lookup(EnvCABundle); ok && strings.TrimSpace(v) != "" {
		pemText := []byte(v)
		if !strings.Contains(v, "-----BEGIN") {
			pemText, err = os.ReadFile(strings.TrimSpace(v))
			if err != nil {
				return nil, fmt.Errorf("%s: read the CA bundle: %w", EnvCABundle, err)
			}
		}
		if !roots.AppendCertsFromPEM(pemText) {
			return nil, fmt.Errorf("%s: no PEM certificate found in the CA bundle", EnvCABundle)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 4
	tr.IdleConnTimeout = 60 * time.Second
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// retryPolicy is how requests are timed and retried.
type retryPolicy struct {
	Timeout     time.Duration // one attempt
	MaxAttempts int
	BaseDelay   time.Duration // first backoff; doubles each retry
	MaxDelay    time.Duration // longest wait, for backoff and Retry-After alike
}

// request is one HTTP call to the service.
type request struct {
	op     string // what it does, for errors and logs: "create a key"
	method string
	url    string
	header http.Header
	body   []byte
	// idempotent requests are retried after 5xx answers and transport errors (the service
	// may have acted on the first attempt); others only after 429 and failed connections,
	// which the service did not act on.
	idempotent bool
	// ok lists statuses other than 2xx that count as success (404 for a revoke).
	ok []int
	// secrets are values to scrub from any answer quoted in an error.
	secrets []string
}

// response is a successful answer.
type response struct {
	status   int
	header   http.Header
	body     []byte
	attempts int
}

// HTTPError is a request to the service that failed: a non-2xx answer, or no answer. Its
// message says which request (method and URL without credentials), the status
// and the start of the service's answer (with known key values removed), or the transport
// error, and how many attempts were made.
type HTTPError struct {
	Op       string // "create a key", "test the new key", "revoke key k_1", "list keys"
	Method   string
	URL      string // without user info
	Status   int    // 0 when there was no answer
	Body     string // start of a non-2xx answer, scrubbed
	Attempts int
	Elapsed  time.Duration
	Err      error // transport error, when Status is 0
	// GaveUp says why retrying stopped early, if it did (Retry-After too long, deadline).
	GaveUp string
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Method, e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d %s", e.Status, http.StatusText(e.Status))
		if e.Body != "" {
			fmt.Fprintf(&b, ": %s", e.Body)
		}
	} else {
		b.WriteString(e.Err.Error())
	}
	if e.Attempts == 1 {
		b.WriteString(" (1 attempt")
	} else {
		fmt.Fprintf(&b, " (%d attempts in %s", e.Attempts, e.Elapsed.Round(time.Millisecond))
	}
	if e.GaveUp != "" {
		b.WriteString("; " + e.GaveUp)
	}
	b.WriteString(")")
	return b.String()
}

func (e *HTTPError) Unwrap() error { return e.Err }

// Unauthorized reports whether the service refused the credential (401 or 403).
func (e *HTTPError) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden
}

// retryClient sends requests with per-attempt timeouts and retries with exponential
// backoff and jitter on 429, 5xx (when safe) and failed connections, honouring
// Retry-After.
type retryClient struct {
	hc     *http.Client
	policy retryPolicy
	sleep  func(context.Context, time.Duration) error
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// errAttemptTimeout is the cause of an attempt that ran out of its own time.
var errAttemptTimeout = errors.New("attempt timed out")

// timeoutError is an attempt without an answer within the timeout setting; errors.Is sees
// errAttemptTimeout and context.DeadlineExceeded in it.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string {
	return fmt.Sprintf("no answer within %s (the timeout setting)", e.d.Round(time.Millisecond))
}

func (e timeoutError) Is(target error) bool {
	return target == errAttemptTimeout || target == context.DeadlineExceeded
}

func (c *retryClient) do(ctx context.Context, r request) (*response, error) {
	start := time.Now()
	shown := redactURL(r.url)
	fail := func(attempt int, status int, body []byte, err error, gaveUp string) *HTTPError {
		he := &HTTPError{Op: r.op, Method: r.method, URL: shown, Status: status, Attempts: attempt, Elapsed: time.Since(start), Err: err, GaveUp: gaveUp}
		if status != 0 {
			he.Body = snippet(body, r.secrets)
		}
		return he
	}
	sleep := c.sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	for attempt := 1; ; attempt++ {
		status, header, body, err := c.once(ctx, r)
		if err == nil && (status/100 == 2 || slices.Contains(r.ok, status)) {
			return &response{status: status, header: header, body: body, attempts: attempt}, nil
		}
		if ctx.Err() != nil {
			return nil, fail(attempt, status, body, err, "")
		}
		retry, why := c.retryable(r, status, err)
		if !retry {
			return nil, fail(attempt, status, body, err, "")
		}
		if attempt >= c.policy.MaxAttempts {
			return nil, fail(attempt, status, body, err, "")
		}
		delay := c.backoff(attempt)
		if ra, ok := retryAfter(header, time.Now()); ok {
			if ra > c.policy.MaxDelay {
				return nil, fail(attempt, status, body, err, fmt.Sprintf("the service asked to retry after %s (Retry-After), longer than retry_max_delay %s", ra.Round(time.Second), c.policy.MaxDelay))
			}
			delay = ra
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay+100*time.Millisecond {
			return nil, fail(attempt, status, body, err, fmt.Sprintf("no time left before the function's deadline to wait %s and retry", delay.Round(time.Millisecond)))
		}
		Logger(ctx).WarnContext(ctx, "api key service request failed; retrying", "operation", r.op, "method", r.method,
			"url", shown, "attempt", attempt, "reason", why, "retry_in_ms", delay.Milliseconds())
		if err := sleep(ctx, delay); err != nil {
			return nil, fail(attempt, status, body, err, "")
		}
	}
}

// once sends one attempt. A transport error comes back as err; any answer as its status,
// headers and (bounded) body.
func (c *retryClient) once(ctx context.Context, r request) (int, http.Header, []byte, error) {
	timeout := c.policy.Timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < timeout {
		timeout = time.Until(dl)
	}
	actx, cancel := context.WithTimeoutCause(ctx, timeout, errAttemptTimeout)
	defer cancel()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, r.url, body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("build the request: %w", err)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", userAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, transportError(actx, timeout, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("HTTP %d, then reading the answer failed: %w", resp.StatusCode, transportError(actx, timeout, err))
	}
	if len(data) > maxBody {
		return 0, nil, nil, fmt.Errorf("HTTP %d with an answer larger than %d bytes", resp.StatusCode, maxBody)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// transportError replaces the bare context errors of a timed-out attempt by a sentence,
// keeping the cause for errors.Is.
func transportError(actx context.Context, timeout time.Duration, err error) error {
	if errors.Is(context.Cause(actx), errAttemptTimeout) {
		return timeoutError{timeout}
	}
	// *url.Error repeats method and URL, which HTTPError already shows.
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryable says whether a failed attempt may be retried, and why.
func (c *retryClient) retryable(r request, status int, err error) (bool, string) {
	switch {
	case err != nil && refused(err):
		return true, "connection failed: " + err.Error()
	case err != nil && errors.Is(err, errAttemptTimeout):
		return r.idempotent, "timeout"
	case err != nil:
		var ce *tls.CertificateVerificationError
		if errors.As(err, &ce) {
			return false, ""
		}
		return r.idempotent, err.Error()
	case status == http.StatusTooManyRequests:
		return true, "HTTP 429"
	case status == http.StatusInternalServerError, status == http.StatusBadGateway,
		status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		// 503 and 502 mean the request did not reach the application, but proxies are not
		// always that careful: retry only what can be repeated.
		return r.idempotent, "HTTP " + strconv.Itoa(status)
	}
	return false, ""
}

// refused reports a failure to connect, after which the service cannot have acted.
func refused(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns) && (dns.IsTemporary || dns.IsTimeout)
}

// backoff is the wait before retry number attempt (1, 2, ...): exponential from BaseDelay,
// capped at MaxDelay, with "equal jitter" (between half and all of it).
func (c *retryClient) backoff(attempt int) time.Duration {
	d := c.policy.BaseDelay
	for i := 1; i < attempt && d < c.policy.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, c.policy.MaxDelay)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// snippet returns the start of an answer for an error message: one line, printable, at
// most 200 bytes, with the given secret values removed.
func snippet(body []byte, secrets []string) string {
	s := string(body)
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[REDACTED]")
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}

// redactURL drops user info from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
