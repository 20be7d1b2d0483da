package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// amzDate and authorization look like a SigV4 signature of us-east-1 secretsmanager.
	// Neither server verifies signatures, so they are fixed.
	amzDate       = "20261127T000000Z"
	authorization = "AWS4-HMAC-SHA256 Credential=test/20261127/us-east-1/secretsmanager/aws4_request, " +
		"SignedHeaders=host;x-amz-date, " +
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

	loadValueSize = 1024 // bytes of each SecretString of the load scenarios
)

// result is one scenario measured against one server.
type result struct {
	server, op string
	ok, errors int
	firstErr   string
	elapsed    time.Duration // measured window
	p50, p99   time.Duration
	dials      int64 // TCP connections opened during the measured window and warm-up
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// scenario is one operation; body returns the request body of a worker's seq-th call.
type scenario struct {
	op   string
	body func(worker, seq int) []byte
}

// benchServer starts the server, creates the secrets and runs every scenario against it.
func benchServer(ctx context.Context, cfg config, name string) (results []result, err error) {
	t, err := startTarget(ctx, cfg, name)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := t.stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("stop %s: %w", name, serr))
		}
	}()
	c := newLoadClient(cfg.conns)
	defer c.http.CloseIdleConnections()
	names := secretNames(cfg.secrets)
	if err := createSecrets(ctx, c, t.url, names); err != nil {
		return nil, err
	}
	for _, sc := range scenarios(names, cfg.conns) {
		slog.Info("running scenario", "server", name, "op", sc.op, "duration", cfg.duration, "conns", cfg.conns)
		r := runScenario(ctx, c, t.url, sc, cfg)
		r.server = name
		results = append(results, r)
		if ctx.Err() != nil {
			return results, ctx.Err()
		}
	}
	return results, nil
}

// loadClient is a keep-alive HTTP client that counts the connections it opens.
type loadClient struct {
	http  *http.Client
	dials atomic.Int64
}

func newLoadClient(conns int) *loadClient {
	c := &loadClient{}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.dials.Add(1)
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	c.http = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	return c
}

// newHeader returns the headers of a JSON 1.1 call of op. The header is only read by the
// transport, so one worker reuses it for all its calls.
func newHeader(op string) http.Header {
	return http.Header{
		"Content-Type":  {"application/x-amz-json-1.1"},
		"X-Amz-Target":  {"secretsmanager." + op},
		"X-Amz-Date":    {amzDate},
		"Authorization": {authorization},
	}
}

// call posts body and fails unless the answer is 200. The response body is discarded.
func (c *loadClient) call(ctx context.Context, url string, header http.Header, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header = header
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	return nil
}

func secretNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("emubench-%03d", i)
	}
	return names
}

// createSecrets creates every secret with a 1 KiB SecretString, before any timing.
func createSecrets(ctx context.Context, c *loadClient, url string, names []string) error {
	header := newHeader("CreateSecret")
	for i, name := range names {
		body, err := json.Marshal(map[string]string{
			"Name":               name,
			"SecretString":       string(secretValue(nil, "create", i, loadValueSize)),
			"ClientRequestToken": string(appendUUID(nil)),
		})
		if err != nil {
			return fmt.Errorf("encode CreateSecret: %w", err)
		}
		if err := c.call(ctx, url, header, body); err != nil {
			return fmt.Errorf("CreateSecret %s: %w", name, err)
		}
	}
	return nil
}

// scenarios are GetSecretValue of the secrets in turn, from pre-built bodies, and
// PutSecretValue of a new value with a new random ClientRequestToken on every call.
func scenarios(names []string, conns int) []scenario {
	gets := make([][]byte, len(names))
	for i, name := range names {
		gets[i] = []byte(`{"SecretId":"` + name + `"}`)
	}
	next := func(worker, seq int) int { return (worker + seq*conns) % len(names) }
	return []scenario{
		{op: "GetSecretValue", body: func(w, seq int) []byte { return gets[next(w, seq)] }},
		{op: "PutSecretValue", body: func(w, seq int) []byte { return putBody(names[next(w, seq)], w, seq) }},
	}
}

// putBody is a PutSecretValue body. It is built anew for every call: the transport may
// still hold the previous one.
func putBody(name string, worker, seq int) []byte {
	b := make([]byte, 0, loadValueSize+len(name)+100)
	b = append(b, `{"SecretId":"`...)
	b = append(b, name...)
	b = append(b, `","ClientRequestToken":"`...)
	b = appendUUID(b)
	b = append(b, `","SecretString":"`...)
	b = secretValue(b, fmt.Sprintf("w%d", worker), seq, loadValueSize)
	return append(b, `"}`...)
}

// secretValue appends a JSON-safe value of size bytes that is unique for (tag, n).
func secretValue(dst []byte, tag string, n, size int) []byte {
	prefix := fmt.Sprintf("%s-%d-", tag, n)
	dst = append(dst, prefix...)
	return append(dst, strings.Repeat("v", max(size-len(prefix), 0))...)
}

// appendUUID appends a random version-4 UUID: 36 characters.
func appendUUID(dst []byte) []byte {
	var raw [16]byte
	for i := 0; i < 16; i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			raw[i+j] = byte(v >> (8 * j))
		}
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], raw[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], raw[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], raw[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], raw[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], raw[10:16])
	return append(dst, out[:]...)
}

// workerStats is what one worker saw during the measured window.
type workerStats struct {
	ok, errors int
	firstErr   error
	hist       histogram
}

// runScenario runs cfg.conns workers for the warm-up and then the measured duration.
// Calls started during the warm-up are not counted.
func runScenario(ctx context.Context, c *loadClient, url string, sc scenario, cfg config) result {
	dials := c.dials.Load()
	start := time.Now()
	measureFrom := start.Add(cfg.warmup)
	until := measureFrom.Add(cfg.duration)
	stats := make([]workerStats, cfg.conns)
	var wg sync.WaitGroup
	for w := range stats {
		wg.Go(func() { runWorker(ctx, c, url, sc, w, measureFrom, until, &stats[w]) })
	}
	wg.Wait()
	return summarize(sc.op, stats, min(time.Since(measureFrom), cfg.duration), c.dials.Load()-dials)
}

func runWorker(ctx context.Context, c *loadClient, url string, sc scenario, w int,
	measureFrom, until time.Time, st *workerStats) {
	header := newHeader(sc.op)
	for seq := 0; ctx.Err() == nil; seq++ {
		body := sc.body(w, seq)
		t0 := time.Now()
		if !t0.Before(until) {
			return
		}
		err := c.call(ctx, url, header, body)
		latency := time.Since(t0)
		switch {
		case t0.Before(measureFrom):
		case err != nil:
			st.errors++
			if st.firstErr == nil {
				st.firstErr = err
			}
		default:
			st.ok++
			st.hist.record(latency)
		}
	}
}

func summarize(op string, stats []workerStats, elapsed time.Duration, dials int64) result {
	r := result{op: op, elapsed: elapsed, dials: dials}
	var h histogram
	for i := range stats {
		st := &stats[i]
		r.ok += st.ok
		r.errors += st.errors
		if st.firstErr != nil && r.firstErr == "" {
			r.firstErr = st.firstErr.Error()
		}
		h.merge(&st.hist)
	}
	r.p50, r.p99 = h.quantile(0.50), h.quantile(0.99)
	return r
}
