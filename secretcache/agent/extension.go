package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The Lambda Extensions API (2020-01-01), as a Lambda extension speaks it: register, then
// wait for events until SHUTDOWN. The agent registers for SHUTDOWN only: it serves requests
// between invocations as during them, and INVOKE events would only wake it for nothing.
const (
	extensionAPI = "/2020-01-01/extension"
	// extensionShutdownGrace is what the agent takes of Lambda's 2 s after SHUTDOWN.
	extensionShutdownGrace = 1500 * time.Millisecond
)

type extensionClient struct {
	base string // http://$AWS_LAMBDA_RUNTIME_API/2020-01-01/extension
	name string
	id   string
	hc   *http.Client
}

// extensionName is the name the extension registers under: Lambda requires an external
// extension's to be its file name (extensions/secretcache-agent in the layer).
func extensionName(_ []string, _ func(string) string) string {
	if exe, err := os.Executable(); err == nil {
		return filepath.Base(exe)
	}
	return filepath.Base(os.Args[0])
}

func newExtensionClient(runtimeAPI, name string) *extensionClient {
	// No client timeout: /event/next blocks until the next event, which may be hours.
	return &extensionClient{base: "http://" + runtimeAPI + extensionAPI, name: name, hc: &http.Client{}}
}

// register registers the extension and keeps its identifier.
func (x *extensionClient) register(ctx context.Context) error {
	body, _ := json.Marshal(map[string][]string{"events": {"SHUTDOWN"}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.base+"/register", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Lambda-Extension-Name", x.name)
	req.Header.Set("Content-Type", "application/json")
	resp, err := x.hc.Do(req)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("register: %s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	x.id = resp.Header.Get("Lambda-Extension-Identifier")
	if x.id == "" {
		return errors.New("register: no Lambda-Extension-Identifier in the answer")
	}
	return nil
}

// event is the part of an Extensions API event the agent reads.
type event struct {
	EventType      string `json:"eventType"`
	ShutdownReason string `json:"shutdownReason"`
}

// loop waits for events and returns at SHUTDOWN (nil) or on an error of the API.
func (x *extensionClient) loop(ctx context.Context, log *slog.Logger) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, x.base+"/event/next", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Lambda-Extension-Identifier", x.id)
		resp, err := x.hc.Do(req)
		if err != nil {
			return fmt.Errorf("event/next: %w", err)
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("event/next: %s: %s", resp.Status, strings.TrimSpace(string(b)))
		}
		var ev event
		if err := json.Unmarshal(b, &ev); err != nil {
			return fmt.Errorf("event/next: %w", err)
		}
		log.Debug("extension event", "type", ev.EventType, "shutdown_reason", ev.ShutdownReason)
		if ev.EventType == "SHUTDOWN" {
			return nil
		}
	}
}

// initError reports a failed start: Lambda fails the function's init with errType.
func (x *extensionClient) initError(ctx context.Context, errType string, cause error) {
	if x.id == "" {
		// Lambda accepts init/error from a registered extension only; register to say it.
		if err := x.register(ctx); err != nil {
			return
		}
	}
	body, _ := json.Marshal(map[string]any{"errorMessage": cause.Error(), "errorType": errType})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.base+"/init/error", bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Lambda-Extension-Identifier", x.id)
	req.Header.Set("Lambda-Extension-Function-Error-Type", errType)
	if resp, err := x.hc.Do(req); err == nil {
		resp.Body.Close()
	}
}
