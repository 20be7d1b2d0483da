package secretcache

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/smithy-go"
)

var (
	// ErrClosed is returned by every read after Close.
	ErrClosed = errors.New("secretcache: cache is closed")

	// ErrNoSecretString is returned by GetString for a version that holds binary data.
	ErrNoSecretString = errors.New("secretcache: the secret version holds SecretBinary, not SecretString")

	// ErrNoSecretBinary is returned by GetBinary for a version that holds a string.
	ErrNoSecretBinary = errors.New("secretcache: the secret version holds SecretString, not SecretBinary")

	// ErrRejected marks an error as "the credentials in the secret were refused" (a
	// database said the password is wrong, an API answered 401). The function given to
	// Cache.Do returns such an error, made with Rejected or wrapping ErrRejected, to make
	// the cache refresh the secret and call the function once more with the new version.
	ErrRejected = errors.New("secretcache: credentials rejected")
)

// Rejected marks err as a rejection of the secret's credentials (see ErrRejected and
// Cache.Do). The result's message is err's; errors.Is finds both ErrRejected and err's chain.
// Rejected(nil) is nil.
func Rejected(err error) error {
	if err == nil {
		return nil
	}
	return &rejectedError{err: err}
}

type rejectedError struct{ err error }

func (e *rejectedError) Error() string        { return e.err.Error() }
func (e *rejectedError) Unwrap() error        { return e.err }
func (e *rejectedError) Is(target error) bool { return target == ErrRejected }

// Error is the error of a read that could not be answered: the secret and what was asked
// of it, what failed, and the underlying error (an AWS API error from the SDK, a context
// error, ...), which errors.As and errors.Is reach. It never contains a secret value.
type Error struct {
	SecretID     string
	VersionStage string // the stage asked for, "" when VersionID is set without one
	VersionID    string // the pinned version, if any
	// Stale is true when the cache holds a value whose last confirmation is older than
	// MaxStaleness and every refresh since has failed: the value is withheld.
	Stale bool
	// RetryAt, when not zero, is the earliest time the cache will call Secrets Manager again
	// for this secret; until then reads fail fast with this error (backoff).
	RetryAt time.Time
	Err     error
}

func (e *Error) Error() string {
	what := fmt.Sprintf("secret %q", e.SecretID)
	if e.VersionID != "" {
		what += fmt.Sprintf(" version %s", e.VersionID)
	}
	if e.VersionStage != "" {
		what += fmt.Sprintf(" stage %s", e.VersionStage)
	}
	msg := "secretcache: " + what
	if e.Stale {
		msg += ": no value confirmed within MaxStaleness"
	}
	return msg + ": " + strings.TrimPrefix(e.Err.Error(), "secretcache: ")
}

func (e *Error) Unwrap() error { return e.Err }

// transientCodes are AWS error codes that say "try again later", whatever their status.
var transientCodes = map[string]bool{
	"InternalServiceError": true, "InternalFailure": true, "ServiceUnavailable": true,
	"ThrottlingException": true, "Throttling": true, "TooManyRequestsException": true,
	"RequestTimeout": true, "RequestTimeoutException": true, "RequestLimitExceeded": true,
}

// IsTransient reports whether err, from a refresh, says nothing about the secret itself: a
// timeout, a network failure, an unreadable answer, a server error or throttling. These are
// the errors StaleIfError rides out (the AWS Secrets Manager Agent's
// ignore_transient_errors counts timeouts, I/O and response errors and 5xx answers). An
// answer from Secrets Manager that the secret or version cannot be read (not found, access
// denied, invalid request, decryption failure) is not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if transientCodes[ae.ErrorCode()] || ae.ErrorFault() == smithy.FaultServer {
			return true
		}
		var hs interface{ HTTPStatusCode() int }
		if errors.As(err, &hs) && (hs.HTTPStatusCode() >= 500 || hs.HTTPStatusCode() == 429) {
			return true
		}
		return false
	}
	var hs interface{ HTTPStatusCode() int }
	if errors.As(err, &hs) && hs.HTTPStatusCode() >= 400 && hs.HTTPStatusCode() < 500 && hs.HTTPStatusCode() != 429 {
		return false
	}
	// Anything else: timeouts, connection failures, answers that could not be decoded, an
	// answer without the stage asked for (a race with a rotation).
	return !errors.Is(err, ErrClosed)
}
