package secretcache

import (
	"errors"
	"fmt"
	"strings"
	"time"
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
