// Package emulator is a local, wire-compatible stand-in for the AWS APIs this project uses.
//
// Server is an http.Handler: mount it on an httptest.Server in tests, or run cmd/emulator.
// Requests are routed by protocol: JSON 1.1 with X-Amz-Target "secretsmanager.<Op>".
package emulator

import (
	"log/slog"
	"net/http"
	"time"
)

// DefaultAccountID is the one account every resource of the emulator belongs to.
const DefaultAccountID = "123456789012"

// DefaultRegion is used when a request carries no SigV4 credential scope.
const DefaultRegion = "us-east-1"

// Options configure a Server. The zero value is usable.
type Options struct {
	// AccountID of every ARN; DefaultAccountID when empty.
	AccountID string
	// Now returns the current time; time.Now when nil. Tests pass a controllable clock.
	Now func() time.Time
	// StatePath, when set, is a file that keeps the state across restarts.
	StatePath string
	// Logger receives one line per request at debug level and errors; discarded when nil.
	Logger *slog.Logger
}

// Server is the emulator. It is safe for concurrent use.
type Server struct {
	opts Options
}

// New returns a Server. With Options.StatePath it loads the state file, and fails when the
// file exists but cannot be read.
func New(opts Options) (*Server, error) {
	return &Server{opts: opts}, nil
}

// ServeHTTP routes a request to the service it is for.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}

// Close writes the state file, when there is one, and stops background work.
func (s *Server) Close() error { return nil }
