package main

import (
	"context"
	"flag"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseFunctionFlags(args []string) (*functionFlags, error) {
	var f functionFlags
	fl := flag.NewFlagSet("test", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	fl.Func("function", "", f.add)
	fl.Func("function-env", "", f.addEnv)
	fl.Func("function-handler", "", f.setHandler)
	fl.Func("function-extension", "", f.addExtension)
	if err := fl.Parse(args); err != nil {
		return nil, err
	}
	return &f, f.check()
}

func TestFunctionFlags(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	f, err := parseFunctionFlags([]string{
		"-function-env", "rot:EXCLUDE_CHARACTERS=/@\"=x", // before its -function, with '=' in the value
		"-function", "rot=./bootstrap",
		"-function-env", "rot:PASSWORD_LENGTH=40",
		"-function-handler", "rot=lambda_function.lambda_handler",
		"-function", "app=bin/app",
		"-function-extension", "app=ext/agent",
		"-function-extension", "app=ext/other",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.list) != 2 || f.list[0].name != "rot" || f.list[1].name != "app" {
		t.Fatalf("functions %+v", f.list)
	}
	rot, app := f.list[0], f.list[1]
	if rot.path != abs("bootstrap") || !maps.Equal(rot.config.Env, map[string]string{"EXCLUDE_CHARACTERS": `/@"=x`, "PASSWORD_LENGTH": "40"}) ||
		rot.config.Handler != "lambda_function.lambda_handler" {
		t.Errorf("rot: %+v", rot)
	}
	if app.path != abs("bin/app") || !slices.Equal(app.config.Extensions, []string{abs("ext/agent"), abs("ext/other")}) {
		t.Errorf("app: %+v", app)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-function", "nopath"}, "want NAME=PATH"},
		{[]string{"-function", "a=x", "-function", "a=y"}, "given twice"},
		{[]string{"-function-env", "a=KEY=VALUE"}, "want NAME:KEY=VALUE"},
		{[]string{"-function-env", "a:KEY"}, "want NAME:KEY=VALUE"},
		{[]string{"-function-env", "a:1KEY=v"}, "must start with a letter"},
		{[]string{"-function-handler", "a"}, "want NAME=HANDLER"},
		{[]string{"-function-extension", "a="}, "want NAME=PATH"},
		{[]string{"-function", "a=x", "-function-env", "b:KEY=v"}, `configures function "b", but no -function b=PATH registers it`},
	} {
		_, err := parseFunctionFlags(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}

// TestRunFunctionConfig runs the command with a bash runtime and checks that the function
// gets the environment and handler the flags give it.
func TestRunFunctionConfig(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("the bash runtime needs curl")
	}
	dir := t.TempDir()
	bootstrap := filepath.Join(dir, "bootstrap")
	script := `#!/bin/bash
set -euo pipefail
api="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
h="$(mktemp)"
while true; do
	curl -sS -D "$h" -o /dev/null "$api/next"
	id="$(sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: *\([^[:space:]]*\).*/\1/p' "$h")"
	printf '%s|%s' "$_HANDLER" "$EXCLUDE_CHARACTERS" | curl -sS -o /dev/null -X POST --data-binary @- "$api/$id/response"
done
`
	if err := os.WriteFile(bootstrap, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"-listen", addr, "-function", "rot=" + bootstrap,
			"-function-env", "rot:EXCLUDE_CHARACTERS=/@\"", "-function-handler", "rot=rotate.handler"})
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var body []byte
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Post("http://"+addr+"/2015-03-31/functions/rot/invocations", "application/json", strings.NewReader("{}"))
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("invoke: %v %s", err, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, want := string(body), `rotate.handler|/@"`; got != want {
		t.Fatalf("the function saw _HANDLER|EXCLUDE_CHARACTERS = %q, want %q", got, want)
	}
}
