package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Control is a client of the emulator's control API (see control.go), for tests.
type Control struct {
	endpoint string
	http     *http.Client
}

// NewControl returns a client for the emulator at endpoint, e.g. "http://127.0.0.1:4566".
func NewControl(endpoint string) *Control {
	return &Control{endpoint: strings.TrimSuffix(endpoint, "/"), http: &http.Client{Timeout: time.Minute}}
}

// Endpoint is the emulator's URL.
func (c *Control) Endpoint() string { return c.endpoint }

func (c *Control) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("control %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint+"/_emulator"+path, body)
	if err != nil {
		return fmt.Errorf("control %s %s: %w", method, path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("control %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("control %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("control %s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("control %s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// Calls returns the number of calls per operation ("secretsmanager.GetSecretValue": 3).
func (c *Control) Calls(ctx context.Context) (map[string]int64, error) {
	var out map[string]int64
	return out, c.do(ctx, http.MethodGet, "/calls", nil, &out)
}

// ResetCalls sets every call count to zero.
func (c *Control) ResetCalls(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/calls", nil, nil)
}

// InjectFault makes the next f.Count calls of f.Operation fail or wait.
func (c *Control) InjectFault(ctx context.Context, f Fault) error {
	return c.do(ctx, http.MethodPost, "/faults", f, nil)
}

// ClearFaults removes every fault not yet used up.
func (c *Control) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodDelete, "/faults", nil, nil)
}

// Rotations returns the rotation history, oldest first.
func (c *Control) Rotations(ctx context.Context) ([]RotationRecord, error) {
	var out []RotationRecord
	return out, c.do(ctx, http.MethodGet, "/rotations", nil, &out)
}

// AdvanceClock moves the emulator's clock forward by d; rotations that become due start.
func (c *Control) AdvanceClock(ctx context.Context, d time.Duration) error {
	return c.do(ctx, http.MethodPost, "/clock", map[string]string{"advance": d.String()}, nil)
}

// Reset forgets every secret, key, call count, fault, rotation and RDS registration.
func (c *Control) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/reset", nil, nil)
}

// RegisterDBInstance makes DescribeDBInstances answer for db.
func (c *Control) RegisterDBInstance(ctx context.Context, db DBInstance) error {
	return c.do(ctx, http.MethodPost, "/rds/instances", db, nil)
}

// RegisterDBCluster makes DescribeDBClusters answer for cl.
func (c *Control) RegisterDBCluster(ctx context.Context, cl DBCluster) error {
	return c.do(ctx, http.MethodPost, "/rds/clusters", cl, nil)
}

// WaitRotations polls until at least n rotations of secretARN have finished and returns them,
// oldest first. It gives up when ctx ends.
func (c *Control) WaitRotations(ctx context.Context, secretARN string, n int) ([]RotationRecord, error) {
	for {
		all, err := c.Rotations(ctx)
		if err != nil {
			return nil, err
		}
		var done []RotationRecord
		for _, r := range all {
			if r.SecretARN == secretARN && r.Outcome != "running" {
				done = append(done, r)
			}
		}
		if len(done) >= n {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return done, fmt.Errorf("waiting for %d rotations of %s (%d finished): %w", n, secretARN, len(done), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
