package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

const memValueSize = 4096 // bytes of each SecretString of the memory figure

// memResult is the heap that an emulator holds for many secrets and versions.
type memResult struct {
	secrets, versions int
	heapDelta         int64 // HeapInuse after minus before, bytes
	payload           int64 // bytes of SecretString stored
	elapsed           time.Duration
	listedVersions    int // versions ListSecretVersionIds reports for the first secret; -1 unknown
}

// measureMemory creates secrets×versions values of 4 KiB through the emulator's handler,
// without network, and measures the growth of HeapInuse after a GC.
func measureMemory(ctx context.Context, secrets, versions int) (memResult, error) {
	em, err := emulator.New(emulator.Options{})
	if err != nil {
		return memResult{}, fmt.Errorf("new emulator: %w", err)
	}
	defer em.Close()
	slog.Info("measuring memory", "secrets", secrets, "versions", versions, "value_bytes", memValueSize)
	before := heapInuse()
	start := time.Now()
	if err := fillSecrets(ctx, em, secrets, versions); err != nil {
		return memResult{}, err
	}
	elapsed := time.Since(start)
	after := heapInuse()
	listed := countVersions(ctx, em, memSecretName(0))
	runtime.KeepAlive(em)
	return memResult{
		secrets: secrets, versions: versions,
		heapDelta:      int64(after) - int64(before),
		payload:        int64(secrets) * int64(versions) * memValueSize,
		elapsed:        elapsed,
		listedVersions: listed,
	}, nil
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func memSecretName(i int) string { return fmt.Sprintf("emubench-mem-%05d", i) }

// fillSecrets creates each secret with its first version and puts the others.
func fillSecrets(ctx context.Context, h http.Handler, secrets, versions int) error {
	for i := range secrets {
		name := memSecretName(i)
		for v := range versions {
			op, body, err := memBody(name, i, v)
			if err != nil {
				return err
			}
			if _, err := serveLocal(ctx, h, op, body); err != nil {
				return fmt.Errorf("%s %s version %d: %w", op, name, v, err)
			}
		}
	}
	return nil
}

func memBody(name string, i, v int) (op string, body []byte, err error) {
	op, key := "CreateSecret", "Name"
	if v > 0 {
		op, key = "PutSecretValue", "SecretId"
	}
	body, err = json.Marshal(map[string]string{
		key:                  name,
		"SecretString":       string(secretValue(nil, fmt.Sprintf("m%d", i), v, memValueSize)),
		"ClientRequestToken": string(appendUUID(nil)),
	})
	if err != nil {
		return "", nil, fmt.Errorf("encode %s: %w", op, err)
	}
	return op, body, nil
}

// serveLocal sends one call to h in-process and returns the body of a 200 answer.
func serveLocal(ctx context.Context, h http.Handler, op string, body []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header = newHeader(op)
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
	}
	return rec.Body.Bytes(), nil
}

// countVersions asks for the versions of a secret, deprecated ones included, so the
// figure shows whether every version was kept; -1 when the call fails.
func countVersions(ctx context.Context, h http.Handler, name string) int {
	body, err := json.Marshal(map[string]any{"SecretId": name, "IncludeDeprecated": true, "MaxResults": 100})
	if err != nil {
		return -1
	}
	out, err := serveLocal(ctx, h, "ListSecretVersionIds", body)
	if err != nil {
		slog.Warn("ListSecretVersionIds failed", "err", err)
		return -1
	}
	var resp struct{ Versions []json.RawMessage }
	if err := json.Unmarshal(out, &resp); err != nil {
		slog.Warn("ListSecretVersionIds answer", "err", err)
		return -1
	}
	return len(resp.Versions)
}
