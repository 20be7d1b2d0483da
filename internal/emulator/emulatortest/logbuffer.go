package emulatortest

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// LogBuffer collects log output safely from many goroutines. Values given to Forbid must
// never appear in it: the test fails at its end (and at every Check) if one does, without
// printing the value.
type LogBuffer struct {
	t         testing.TB
	mu        sync.Mutex
	buf       bytes.Buffer
	forbidden []string
}

// NewLogBuffer returns an empty buffer checked when the test ends.
func NewLogBuffer(t testing.TB) *LogBuffer {
	b := &LogBuffer{t: t}
	t.Cleanup(func() { b.Check() })
	return b
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Logger is a JSON logger at debug level writing to the buffer: what a Lambda function
// writes to CloudWatch, with everything a debugging user could turn on.
func (b *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Forbid adds secret values that must never appear in the log. Empty values are ignored.
func (b *LogBuffer) Forbid(values ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, v := range values {
		if v != "" {
			b.forbidden = append(b.forbidden, v)
		}
	}
}

// Check fails the test if a forbidden value is in the buffer or in any of the extra texts
// (another process's log, an error message). It names which value (by position) leaked
// and where, never the value itself.
func (b *LogBuffer) Check(extra ...string) {
	b.t.Helper()
	b.mu.Lock()
	texts := append([]string{b.buf.String()}, extra...)
	forbidden := append([]string(nil), b.forbidden...)
	b.mu.Unlock()
	for i, text := range texts {
		where := "the log buffer"
		if i > 0 {
			where = "extra text " + string(rune('0'+i))
		}
		for j, v := range forbidden {
			if strings.Contains(text, v) {
				b.t.Errorf("secret value #%d (of %d forbidden, %d bytes) appears in %s", j+1, len(forbidden), len(v), where)
			}
		}
	}
}
