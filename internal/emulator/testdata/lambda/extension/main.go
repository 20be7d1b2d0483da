// Command extension is a Lambda extension for the emulator's tests: it speaks the
// Extensions API at AWS_LAMBDA_RUNTIME_API with the standard library only, as an external
// extension in a layer's /opt/extensions would. It appends one line per lifecycle step to the
// file EXT_LOG ("REGISTER <response>", "INVOKE <request id>", "SHUTDOWN <reason>"), and
// serves GET /state on EXT_ADDR with its registration and a few environment variables.
//
// It waits a little before it listens and before its first /event/next, so that a function
// invoked too early (before the extension's init ended) finds nothing listening. EXT_MODE
// selects a failure: "crash" exits before registering; "exit-error" registers, then posts
// /exit/error and exits before its first event.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

var logMu sync.Mutex

func record(format string, args ...any) {
	logMu.Lock()
	defer logMu.Unlock()
	f, err := os.OpenFile(os.Getenv("EXT_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, "extension log:", err)
		os.Exit(2)
	}
	defer f.Close()
	fmt.Fprintf(f, format+"\n", args...)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "extension:", err)
		os.Exit(1)
	}
}

func run() error {
	mode := os.Getenv("EXT_MODE")
	if mode == "crash" {
		fmt.Println("extension crashing before it registers")
		os.Exit(3)
	}
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2020-01-01/extension"
	req, _ := http.NewRequest(http.MethodPost, base+"/register", jsonBody(`{"events":["INVOKE","SHUTDOWN"]}`))
	req.Header.Set("Lambda-Extension-Name", filepath.Base(os.Args[0]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("register: %w", err)
	}
	regBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("register: %s %s", resp.Status, regBody)
	}
	id := resp.Header.Get("Lambda-Extension-Identifier")
	record("REGISTER %s", regBody)
	if mode == "exit-error" {
		req, _ := http.NewRequest(http.MethodPost, base+"/exit/error", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		req.Header.Set("Lambda-Extension-Function-Error-Type", "Extension.TestFailure")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		os.Exit(4)
	}

	time.Sleep(300 * time.Millisecond)
	ln, err := net.Listen("tcp", os.Getenv("EXT_ADDR"))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	state, _ := json.Marshal(map[string]any{
		"registration": json.RawMessage(regBody),
		"env": map[string]string{
			"CUSTOM":   os.Getenv("CUSTOM"),
			"_HANDLER": os.Getenv("_HANDLER"),
		},
	})
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(state)
		}))
	}()

	for {
		req, _ := http.NewRequest(http.MethodGet, base+"/event/next", nil)
		req.Header.Set("Lambda-Extension-Identifier", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("event/next: %w", err)
		}
		var ev struct {
			EventType      string `json:"eventType"`
			RequestID      string `json:"requestId"`
			ShutdownReason string `json:"shutdownReason"`
		}
		err = json.NewDecoder(resp.Body).Decode(&ev)
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("event/next: %s: %w", resp.Status, err)
		}
		switch ev.EventType {
		case "INVOKE":
			record("INVOKE %s", ev.RequestID)
		case "SHUTDOWN":
			record("SHUTDOWN %s", ev.ShutdownReason)
			return nil
		default:
			return fmt.Errorf("unexpected event %q", ev.EventType)
		}
	}
}

func jsonBody(s string) io.Reader { return strings.NewReader(s) }
