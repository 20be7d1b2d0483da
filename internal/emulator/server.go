// Package emulator is a local, wire-compatible stand-in for the AWS APIs this project uses.
//
// Server is an http.Handler: mount it on an httptest.Server in tests, or run cmd/emulator.
// Requests are routed by protocol: JSON 1.1 with X-Amz-Target "secretsmanager.<Op>" for
// Secrets Manager. The region of a request is the one in its SigV4 credential scope;
// signatures are not checked.
package emulator

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/kms"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/lambda"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/rds"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/secretsmanager"
)

// DefaultAccountID is the one account every resource of the emulator belongs to.
const DefaultAccountID = "123456789012"

// DefaultRegion is used when a request carries no SigV4 credential scope.
const DefaultRegion = awsapi.DefaultRegion

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

// Server is the emulator: one service per package (secretsmanager, kms, lambda, sts, rds),
// routed by protocol, with the control API and the state file above them. It is safe for
// concurrent use; each service has its own lock.
type Server struct {
	account string
	now     func() time.Time
	log     *slog.Logger

	// sm is Secrets Manager (package secretsmanager); its lock is taken before the KMS one.
	sm *secretsmanager.Service
	// kms is the KMS service (package kms).
	kms *kms.Service
	// functions is the Lambda service (package lambda).
	functions *lambda.Service
	// rds holds the DB instances and clusters tests register (package rds).
	rds rds.Registry

	persist *persister
	ctrl    *control

	// bg tracks the scheduler; bgCtx ends it on Close.
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

// New returns a Server. With Options.StatePath it loads the state file, and fails when the
// file exists but cannot be read.
func New(opts Options) (*Server, error) {
	s := &Server{account: opts.AccountID, log: opts.Logger, ctrl: newControl()}
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	if s.account == "" {
		s.account = DefaultAccountID
	}
	base := opts.Now
	if base == nil {
		base = time.Now
	}
	// The control API can move the clock forward; every reading of time goes through s.now.
	s.now = func() time.Time { return base().Add(time.Duration(s.ctrl.offset.Load())) }
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.functions = lambda.New(s.account, s.log, s.beforeOperation)
	s.kms = kms.New(s.account, s.now, s.markDirty)
	s.sm = secretsmanager.New(secretsmanager.Config{
		Account: s.account, Now: s.now, Log: s.log, Keys: s.kms, Functions: s.functions, History: s.ctrl, Changed: s.markDirty,
	})
	if opts.StatePath != "" {
		p, err := newPersister(opts.StatePath, s.log)
		if err != nil {
			return nil, err
		}
		if err := p.load(s); err != nil {
			return nil, err
		}
		s.persist = p
		p.start(s)
	}
	s.bg.Add(1)
	go s.scheduler()
	return s, nil
}

// ServeHTTP routes a request to the service it is for.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(target, "secretsmanager."):
		s.serveJSON(w, r, "secretsmanager", strings.TrimPrefix(target, "secretsmanager."), s.sm.Operation)
	case strings.HasPrefix(target, "TrentService."):
		s.serveJSON(w, r, "kms", strings.TrimPrefix(target, "TrentService."), s.kms.Operation)
	case strings.HasPrefix(r.URL.Path, "/_emulator/"):
		s.serveControl(w, r)
	case strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/"):
		s.functions.ServeInvoke(w, r)
	case target == "" && awsapi.IsQueryRequest(r):
		s.serveQuery(w, r)
	case target != "":
		writeJSONError(w, newError("UnknownOperationException", "The operation %s is not supported by this endpoint.", target))
	default:
		writeJSONError(w, &apiError{Type: "UnknownOperationException",
			Message: fmt.Sprintf("No AWS operation matches %s %s: send X-Amz-Target for the JSON protocols.", r.Method, r.URL.Path),
			Status:  http.StatusNotFound})
	}
}

// markDirty tells the state file, when there is one, that the state changed.
func (s *Server) markDirty() {
	if s.persist != nil {
		s.persist.markDirty()
	}
}

// operationLookup finds the handler of a JSON 1.1 operation of one service.
type operationLookup func(name string) (func(ctx context.Context, region string, body []byte) (any, error), bool)

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, service, op string, lookup operationLookup) {
	handle, ok := lookup(op)
	if !ok {
		writeJSONError(w, newError("UnknownOperationException", "The operation %s is not supported by this endpoint.", op))
		return
	}
	if r.Method != http.MethodPost {
		writeJSONError(w, &apiError{Type: "MethodNotAllowed", Message: "JSON 1.1 operations must be sent with POST.", Status: http.StatusMethodNotAllowed})
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeJSONError(w, err)
		return
	}
	region := requestRegion(r)
	if err := s.beforeOperation(r.Context(), service+"."+op); err != nil {
		writeJSONError(w, err)
		return
	}
	out, err := handle(r.Context(), region, body)
	if err != nil {
		s.log.Debug("request failed", "op", op, "region", region, "error", err)
		writeJSONError(w, err)
		return
	}
	writeJSON(w, out)
}

// schedulerTick is how often, in real time, the emulator looks for rotations that are due.
const schedulerTick = time.Second

// scheduler starts due rotations as the clock passes their NextRotationDate.
func (s *Server) scheduler() {
	defer s.bg.Done()
	t := time.NewTicker(schedulerTick)
	defer t.Stop()
	for {
		select {
		case <-s.bgCtx.Done():
			return
		case <-t.C:
			s.sm.RunDueRotations()
		}
	}
}

// Close stops rotations and the scheduler, then writes the state file, when there is one.
func (s *Server) Close() error {
	s.bgCancel()
	s.bg.Wait()
	s.sm.Close()
	s.functions.Close() // kills every function process and waits for it
	if s.persist == nil {
		return nil
	}
	return s.persist.stop(s)
}
