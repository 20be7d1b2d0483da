package rotation

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DefaultSensitiveFields are the secret fields whose values the engine redacts from every
// log line and error it produces, should a rotator let one slip into a message (besides
// fields whose names contain password, secret, token, key, ...).
var DefaultSensitiveFields = []string{
	"password", "private_key", "api_key", "apikey", "key", "secret", "secret_key",
	"token", "access_key", "client_secret", "passphrase",
}

// minRedactLength is the shortest value redacted: shorter strings occur everywhere in
// ordinary text, and redacting them would make logs unreadable without protecting much.
const minRedactLength = 4

const redacted = "[REDACTED]"

// redactor replaces known secret values in text. It is shared by everything logged or
// returned during one invocation.
type redactor struct {
	sensitive func(field string) bool

	mu       sync.Mutex
	values   map[string]bool
	replacer *strings.Replacer
}

func newRedactor(sensitive func(string) bool) *redactor {
	return &redactor{sensitive: sensitive, values: map[string]bool{}}
}

// add registers values, with the escaped forms in which Go's %q and JSON would print them.
func (r *redactor) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) < minRedactLength {
			continue
		}
		forms := []string{v, strings.Trim(strconv.Quote(v), `"`)}
		if b, err := json.Marshal(v); err == nil {
			forms = append(forms, strings.Trim(string(b), `"`))
		}
		for _, f := range forms {
			if !r.values[f] {
				r.values[f] = true
				r.replacer = nil
			}
		}
	}
}

func (r *redactor) addSecret(s *Secret) {
	if s != nil {
		r.add(s.stringValues(r.sensitive)...)
	}
}

func (r *redactor) scrub(text string) string {
	r.mu.Lock()
	if r.replacer == nil && len(r.values) > 0 {
		vals := make([]string, 0, len(r.values))
		for v := range r.values {
			vals = append(vals, v)
		}
		// Longest first, so that a value containing another is replaced whole.
		slices.SortFunc(vals, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
		pairs := make([]string, 0, 2*len(vals))
		for _, v := range vals {
			pairs = append(pairs, v, redacted)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	rep := r.replacer
	r.mu.Unlock()
	if rep == nil {
		return text
	}
	return rep.Replace(text)
}

// redactingHandler scrubs known secret values from the message and attributes of every
// record before the wrapped handler sees it.
type redactingHandler struct {
	inner slog.Handler
	r     *redactor
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	scrubbed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		scrubbed[i] = h.attr(a)
	}
	return &redactingHandler{inner: h.inner.WithAttrs(scrubbed), r: h.r}
}

func (h *redactingHandler) WithGroup(name string) slog.Handler {
	return &redactingHandler{inner: h.inner.WithGroup(name), r: h.r}
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.scrub(v.String()))
	case slog.KindGroup:
		group := v.Group()
		out := make([]slog.Attr, len(group))
		for i, g := range group {
			out[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.r.scrub(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.r.scrub(x.String()))
		case []byte:
			return slog.String(a.Key, h.r.scrub(string(x)))
		default:
			// Anything else is shown as the JSON handler would marshal it; if that text
			// holds a secret, the scrubbed text is logged instead.
			if b, err := json.Marshal(x); err == nil {
				if s := string(b); h.r.scrub(s) != s {
					return slog.String(a.Key, h.r.scrub(s))
				}
			}
			if s := fmt.Sprintf("%+v", x); h.r.scrub(s) != s {
				return slog.String(a.Key, h.r.scrub(s))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
