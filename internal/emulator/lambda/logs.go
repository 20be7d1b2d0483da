package lambda

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// ---- logs ----

// logRing keeps the last functionLogBytes bytes a function logged.
type logRing struct {
	mu    sync.Mutex
	buf   []byte
	total int64 // bytes ever written
}

func (r *logRing) write(p []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	r.total += int64(len(p))
	if len(r.buf) > 2*functionLogBytes {
		r.buf = append(r.buf[:0:0], r.buf[len(r.buf)-functionLogBytes:]...)
	}
}

func (r *logRing) printf(format string, args ...any) {
	r.write(fmt.Appendf(nil, format, args...))
}

func (r *logRing) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.buf[max(0, len(r.buf)-functionLogBytes):])
}

func (r *logRing) offset() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

// since returns at most the last n bytes written after offset mark, as far as still kept.
func (r *logRing) since(mark int64, n int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := min(int64(len(r.buf)), r.total-mark, int64(n))
	return bytes.Clone(r.buf[int64(len(r.buf))-k:])
}

// newTraceID returns an X-Ray trace header for an invocation, as Lambda passes one.
func newTraceID() string {
	id := strings.ReplaceAll(awsapi.NewUUID(), "-", "")
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), id[:24], id[16:32])
}
