package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/smithy-go"
)

// propagationRetry bounds the retries of a call that AWS refuses while IAM has not caught
// up with a principal created moments before (in the same apply): Secrets Manager and KMS
// answer MalformedPolicyDocumentException for a policy naming a role IAM does not yet
// know. hashicorp/aws retries those for about two minutes; so does this provider.
type propagationRetry struct {
	// Timeout is the total time spent retrying; Backoff the first wait, doubled after each
	// refusal up to maxPropagationBackoff.
	Timeout time.Duration
	Backoff time.Duration
}

const maxPropagationBackoff = 10 * time.Second

// defaultPropagationRetry is hashicorp/aws's IAM propagation budget.
var defaultPropagationRetry = propagationRetry{Timeout: 2 * time.Minute, Backoff: time.Second}

// errorCodeRetriedForIAM is the error AWS gives for a principal it does not know yet.
const errorCodeRetriedForIAM = "MalformedPolicyDocumentException"

// propagationExhaustedError is AWS's refusal of a policy after the retry budget is spent.
type propagationExhaustedError struct {
	err      error
	timeout  time.Duration
	attempts int
}

func (e *propagationExhaustedError) Error() string {
	return fmt.Sprintf("%v (%s)", e.err, e.Note())
}

func (e *propagationExhaustedError) Unwrap() error { return e.err }

// Note says what was tried, for messages that quote AWS's message rather than the error.
func (e *propagationExhaustedError) Note() string {
	return fmt.Sprintf("still refused after retrying for %s (%d attempts) in case IAM had not yet propagated a principal the policy names; "+
		"check that every principal exists", e.timeout, e.attempts)
}

// retryWhileIAMPropagates calls call until it succeeds, fails with another error, or the
// budget is spent; then the last error is returned, saying that it was retried.
func retryWhileIAMPropagates[T any](ctx context.Context, r propagationRetry, call func(context.Context) (T, error)) (T, error) {
	if r.Timeout <= 0 {
		r = defaultPropagationRetry
	}
	deadline := time.Now().Add(r.Timeout)
	wait := r.Backoff
	for attempt := 1; ; attempt++ {
		out, err := call(ctx)
		var apiErr smithy.APIError
		if err == nil || !errors.As(err, &apiErr) || apiErr.ErrorCode() != errorCodeRetriedForIAM {
			return out, err
		}
		if time.Now().Add(wait).After(deadline) {
			return out, &propagationExhaustedError{err: err, timeout: r.Timeout, attempts: attempt}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return out, fmt.Errorf("%w (retrying stopped: %w)", err, ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, maxPropagationBackoff)
	}
}
