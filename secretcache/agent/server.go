package agent

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// Response headers that make a stale answer visible (the body is the GetSecretValue JSON,
// unchanged, so that clients of the AWS agent parse it as before).
const (
	// HeaderStale is "true" on a value served while refreshes fail (see
	// secretcache.Options.StaleIfError); absent otherwise.
	HeaderStale = "X-Secretcache-Stale"
	// HeaderConfirmed is when Secrets Manager last confirmed the value (RFC 3339).
	HeaderConfirmed = "X-Secretcache-Confirmed"
)

// Handler serves secrets over HTTP with the requests and answers of the AWS Secrets Manager
// Agent (aws/aws-secretsmanager-agent, server.rs): local refusals are plain text (400
// "Forwarded", 403 "Bad Token", 405 "Not allowed", 404 "Not found", 429 "Connection limit
// exceeded"); Secrets Manager's errors are {"__type", "message"} JSON with its status.
type Handler struct {
	cache      *secretcache.Cache // nil: no caching, every read asks client
	client     secretcache.Client
	token      []byte
	headers    []string
	pathPrefix string
	timeout    time.Duration
	slots      chan struct{} // one per request in progress
	log        *slog.Logger
}

// HandlerOptions configure a Handler.
type HandlerOptions struct {
	// Cache answers reads; nil turns caching off: every read calls Client.
	Cache *secretcache.Cache
	// Client is used when Cache is nil.
	Client secretcache.Client
	// Token is the SSRF token requests must carry in one of Headers.
	Token string
	// Headers that may carry the token; default X-Aws-Parameters-Secrets-Token and
	// X-Vault-Token.
	Headers []string
	// PathPrefix of path-style requests; default "/v1/".
	PathPrefix string
	// MaxConn bounds the requests served at once; more get 429. Default 800.
	MaxConn int
	// Timeout bounds a request's wait for Secrets Manager; 0: none.
	Timeout time.Duration
	Logger  *slog.Logger
}

// NewHandler returns a Handler.
func NewHandler(o HandlerOptions) *Handler {
	if len(o.Headers) == 0 {
		o.Headers = defaultSSRFHeaders
	}
	if o.PathPrefix == "" {
		o.PathPrefix = defaultPrefix
	}
	if o.MaxConn <= 0 {
		o.MaxConn = defaultMaxConn
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// /ping gets two more slots, as in the AWS agent: a health check is answered when
	// the agent is saturated.
	return &Handler{cache: o.Cache, client: o.Client, token: []byte(o.Token), headers: o.Headers,
		pathPrefix: o.PathPrefix, timeout: o.Timeout, slots: make(chan struct{}, o.MaxConn+2), log: o.Logger}
}

// output is the JSON of a GetSecretValue answer, as the AWS agent writes it: CreatedDate is
// a string of epoch seconds with a fraction ("1569534789.046").
type output struct {
	ARN           string   `json:"ARN"`
	Name          string   `json:"Name"`
	VersionID     string   `json:"VersionId"`
	SecretString  *string  `json:"SecretString,omitempty"`
	SecretBinary  []byte   `json:"SecretBinary,omitempty"` // base64
	VersionStages []string `json:"VersionStages,omitempty"`
	CreatedDate   *string  `json:"CreatedDate"`
}

func epochString(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
	return &s
}

type request struct {
	secretID, stage, version string
	refreshNow               bool
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &statusWriter{ResponseWriter: w}
	h.serve(rw, r)
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rw.status), slog.Duration("duration", time.Since(start)))
}

// plain writes a local refusal as the AWS agent does: a status and a short text.
func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg))
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	ping := r.URL.Path == "/ping"
	// Requests in flight: /ping may use the two extra slots, others leave them free.
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
		if !ping && len(h.slots) > cap(h.slots)-2 {
			plain(w, http.StatusTooManyRequests, "Connection limit exceeded")
			return
		}
	default:
		plain(w, http.StatusTooManyRequests, "Connection limit exceeded")
		return
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			plain(w, http.StatusForbidden, "Bad Token")
			return
		}
	}
	if !ping {
		// A forwarded request came through a proxy: the token check assumes the caller is
		// on this host.
		if len(r.Header.Values("X-Forwarded-For")) > 0 {
			plain(w, http.StatusBadRequest, "Forwarded")
			return
		}
		if !h.tokenOK(r.Header) {
			plain(w, http.StatusForbidden, "Bad Token")
			return
		}
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		plain(w, http.StatusMethodNotAllowed, "Not allowed")
		return
	}
	var req request
	var err error
	switch {
	case ping:
		_, _ = w.Write([]byte("healthy"))
		return
	case r.URL.Path == "/secretsmanager/get":
		req, err = parseQuery(r.URL.Query(), true)
	case r.URL.Path == "/systemsmanager/parameters/get":
		plain(w, http.StatusNotFound, "Not found: secretcache-agent serves Secrets Manager secrets only; "+
			"read Parameter Store parameters with the AWS Parameters and Secrets Lambda Extension or the SSM API")
		return
	case strings.HasPrefix(r.URL.Path, h.pathPrefix):
		req, err = parseQuery(r.URL.Query(), false)
		req.secretID = strings.TrimPrefix(r.URL.Path, h.pathPrefix)
		if err == nil && req.secretID == "" {
			err = errors.New("missing secret ID")
		}
	default:
		plain(w, http.StatusNotFound, "Not found")
		return
	}
	if err != nil {
		plain(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx := r.Context()
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	out, info, err := h.read(ctx, req)
	if err != nil {
		status, body := describeError(err)
		if status >= 500 {
			h.log.LogAttrs(ctx, slog.LevelWarn, "read failed", slog.String("secret", req.secretID), slog.String("error", err.Error()))
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !info.Confirmed.IsZero() {
		w.Header().Set(HeaderConfirmed, info.Confirmed.UTC().Format(time.RFC3339))
	}
	if info.Stale {
		w.Header().Set(HeaderStale, "true")
	}
	_ = json.NewEncoder(w).Encode(out)
}

// tokenOK reports whether one of the token headers carries the token (the AWS agent accepts
// the first header of its list that matches).
func (h *Handler) tokenOK(hd http.Header) bool {
	for _, name := range h.headers {
		for _, v := range hd.Values(name) {
			if subtle.ConstantTimeCompare([]byte(v), h.token) == 1 {
				return true
			}
		}
	}
	return false
}

func (h *Handler) read(ctx context.Context, req request) (*output, secretcache.ReadInfo, error) {
	if h.cache == nil {
		in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.secretID)}
		if req.stage != "" {
			in.VersionStage = aws.String(req.stage)
		}
		if req.version != "" {
			in.VersionId = aws.String(req.version)
		}
		o, err := h.client.GetSecretValue(ctx, in)
		if err != nil {
			return nil, secretcache.ReadInfo{}, err
		}
		return &output{ARN: aws.ToString(o.ARN), Name: aws.ToString(o.Name), VersionID: aws.ToString(o.VersionId),
			SecretString: o.SecretString, SecretBinary: o.SecretBinary, VersionStages: o.VersionStages,
			CreatedDate: epochString(aws.ToTime(o.CreatedDate))}, secretcache.ReadInfo{Confirmed: time.Now()}, nil
	}
	var opts []secretcache.GetOption
	if req.stage != "" {
		opts = append(opts, secretcache.Stage(req.stage))
	}
	if req.version != "" {
		opts = append(opts, secretcache.VersionID(req.version))
	}
	var v *secretcache.Value
	var info secretcache.ReadInfo
	var err error
	if req.refreshNow {
		v, info, err = h.cache.RefreshWithInfo(ctx, req.secretID, opts...)
	} else {
		v, info, err = h.cache.GetWithInfo(ctx, req.secretID, opts...)
	}
	if err != nil {
		return nil, info, err
	}
	out := &output{ARN: v.ARN(), Name: v.Name(), VersionID: v.VersionID(), VersionStages: v.VersionStages(), CreatedDate: epochString(v.CreatedDate())}
	if v.HasSecretString() {
		s := v.SecretString()
		out.SecretString = &s
	} else {
		out.SecretBinary = v.SecretBinary()
	}
	return out, info, nil
}

// parseQuery reads the query as the AWS agent does (parse.rs), except that a repeated
// parameter takes its last value, as the Lambda extension does.
func parseQuery(q url.Values, withSecretID bool) (request, error) {
	var req request
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch name {
		case "secretId":
			if !withSecretID {
				return req, errors.New("unknown parameter: secretId")
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
				return req, errors.New("invalid refreshNow value")
			}
		default:
			return req, errors.New("unknown parameter: " + name)
		}
	}
	if withSecretID && req.secretID == "" {
		return req, errors.New("missing parameter secretId")
	}
	return req, nil
}

// describeError maps a read error to the AWS agent's status and JSON body (the cache's errors
// never contain secret values): Secrets Manager's code and message with its HTTP status;
// 504 TimeoutError, 502 ConnectionError; else 500 InternalFailure.
func describeError(err error) (int, []byte) {
	body := func(code, msg string) []byte {
		b, _ := json.Marshal(struct {
			Type    string `json:"__type"`
			Message string `json:"message,omitempty"`
		}{code, msg})
		return b
	}
	var ae smithy.APIError
	var ce *secretcache.Error
	switch {
	case errors.As(err, &ae):
		status := http.StatusBadRequest
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() >= 400 {
			status = re.HTTPStatusCode()
		} else if secretcache.IsTransient(err) {
			status = http.StatusInternalServerError
		}
		msg := ae.ErrorMessage()
		if errors.As(err, &ce) && ce.Stale {
			msg += " (no value confirmed within the TTL and the stale-if-error bound)"
		}
		return status, body(ae.ErrorCode(), msg)
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, body("TimeoutError", "Timeout")
	case errors.Is(err, context.Canceled), errors.Is(err, secretcache.ErrClosed):
		return http.StatusServiceUnavailable, body("InternalFailure", "")
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return http.StatusBadGateway, body("ConnectionError", "Read Error")
	}
	return http.StatusInternalServerError, body("InternalFailure", "")
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
