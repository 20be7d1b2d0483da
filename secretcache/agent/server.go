package agent

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// handler serves the cache over HTTP with the API of the AWS Parameters and Secrets Lambda
// Extension and the AWS Secrets Manager Agent.
type handler struct {
	cache   *secretcache.Cache
	token   []byte
	timeout time.Duration
	slots   chan struct{} // one per request in progress
	log     *slog.Logger
}

// NewHandler serves cache over HTTP.
func NewHandler(c *secretcache.Cache, token string, maxConns int, timeout time.Duration, log *slog.Logger) *handler {
	return &handler{cache: c, token: []byte(token), timeout: timeout, slots: make(chan struct{}, maxConns), log: log}
}

// getSecretValueOutput is the JSON of a GetSecretValue answer.
type getSecretValueOutput struct {
	ARN           string      `json:"ARN"`
	Name          string      `json:"Name"`
	VersionID     string      `json:"VersionId"`
	SecretString  *string     `json:"SecretString,omitempty"`
	SecretBinary  []byte      `json:"SecretBinary,omitempty"` // base64, as in the API
	VersionStages []string    `json:"VersionStages"`
	CreatedDate   json.Number `json:"CreatedDate,omitempty"` // epoch seconds, as in the API
}

type request struct {
	secretID, stage, version string
	refreshNow               bool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w}
	h.serve(rw, r)
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rw.status), slog.Duration("duration", time.Since(start)))
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request) {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			writeError(w, http.StatusForbidden, "AccessDeniedException", "The agent answers loopback clients only.")
			return
		}
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowedException", "Only GET is allowed.")
		return
	}
	if r.URL.Path == "/ping" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("healthy"))
		return
	}
	// A forwarded request came through a proxy: refuse it, the token check assumes the
	// caller is on this host.
	if len(r.Header.Values("X-Forwarded-For")) > 0 {
		writeError(w, http.StatusBadRequest, "InvalidRequestException", "Forwarded requests are refused.")
		return
	}
	tok := r.Header.Values(TokenHeader)
	switch {
	case len(tok) == 0:
		writeError(w, http.StatusUnauthorized, "UnauthorizedException", "Missing the "+TokenHeader+" header.")
		return
	case len(tok) > 1 || subtle.ConstantTimeCompare([]byte(tok[0]), h.token) != 1:
		writeError(w, http.StatusForbidden, "AccessDeniedException", "Bad "+TokenHeader+" header.")
		return
	}
	var req request
	var err error
	switch {
	case r.URL.Path == "/secretsmanager/get":
		req, err = parseQuery(r.URL.Query(), true)
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		req, err = parseQuery(r.URL.Query(), false)
		req.secretID = strings.TrimPrefix(r.URL.Path, "/v1/")
		if err == nil && req.secretID == "" {
			err = errors.New("missing the secret id: GET /v1/SECRET_ID")
		}
	default:
		writeError(w, http.StatusNotFound, "UnknownOperationException", "No such path: use /secretsmanager/get?secretId=..., /v1/SECRET_ID or /ping.")
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameterException", err.Error())
		return
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		writeError(w, http.StatusTooManyRequests, "ThrottlingException", "Too many requests in progress.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	var opts []secretcache.GetOption
	if req.stage != "" {
		opts = append(opts, secretcache.Stage(req.stage))
	}
	if req.version != "" {
		opts = append(opts, secretcache.VersionID(req.version))
	}
	var v *secretcache.Value
	if req.refreshNow {
		v, err = h.cache.Refresh(ctx, req.secretID, opts...)
	} else {
		v, err = h.cache.Get(ctx, req.secretID, opts...)
	}
	if err != nil {
		status, code, msg := describeError(err)
		if status >= 500 {
			h.log.LogAttrs(ctx, slog.LevelWarn, "read failed", slog.String("secret", req.secretID), slog.String("error", err.Error()))
		}
		writeError(w, status, code, msg)
		return
	}
	out := getSecretValueOutput{ARN: v.ARN(), Name: v.Name(), VersionID: v.VersionID(), VersionStages: v.VersionStages()}
	if v.HasSecretString() {
		s := v.SecretString()
		out.SecretString = &s
	} else {
		out.SecretBinary = v.SecretBinary()
	}
	if t := v.CreatedDate(); !t.IsZero() {
		out.CreatedDate = json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

func parseQuery(q url.Values, withSecretID bool) (request, error) {
	var req request
	for name, vals := range q {
		if len(vals) != 1 {
			return req, fmt.Errorf("parameter %s given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "secretId":
			if !withSecretID {
				return req, errors.New("unknown parameter secretId: the path names the secret")
			}
			req.secretID = v
		case "versionStage":
			req.stage = v
		case "versionId":
			req.version = v
		case "refreshNow":
			switch strings.ToLower(v) {
			case "true", "1":
				req.refreshNow = true
			case "false", "0":
			default:
				return req, fmt.Errorf("refreshNow %q: want true or false", v)
			}
		default:
			return req, fmt.Errorf("unknown parameter %s", name)
		}
	}
	if withSecretID && req.secretID == "" {
		return req, errors.New("missing parameter secretId")
	}
	return req, nil
}

// describeError maps a read error to an HTTP status and the AWS error type and message
// (the cache's errors never contain secret values).
func describeError(err error) (status int, code, msg string) {
	var ae smithy.APIError
	var ce *secretcache.Error
	switch {
	case errors.As(err, &ae):
		status = http.StatusBadRequest
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() >= 400 {
			status = re.HTTPStatusCode()
		} else if ae.ErrorFault() == smithy.FaultServer {
			status = http.StatusInternalServerError
		}
		msg = ae.ErrorMessage()
		if errors.As(err, &ce) && ce.Stale {
			msg += " (no value confirmed within the TTL)"
		}
		return status, ae.ErrorCode(), msg
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "TimeoutError", "Secrets Manager did not answer in time."
	case errors.Is(err, context.Canceled):
		return 499, "RequestCanceled", "The request was canceled."
	case errors.Is(err, secretcache.ErrClosed):
		return http.StatusServiceUnavailable, "ServiceUnavailable", "The agent is shutting down."
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return http.StatusBadGateway, "ConnectionError", "Secrets Manager could not be reached."
	}
	return http.StatusInternalServerError, "InternalFailure", err.Error()
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
