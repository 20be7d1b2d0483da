//go:build linux

package emulator_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/emulatortest"
)

// rieModule is AWS's Runtime Interface Emulator, the reference for the Runtime API.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator@v0.0.0-20261030222936-bef5c4ba774d"

// rieBinary builds aws-lambda-rie once, offline, from the module cache; it skips the test,
// saying why, when the module is not there or does not build without the network.
func rieBinary(t *testing.T) string {
	t.Helper()
	goBin := goCommand(t)
	b := &lambdaBuilds.rie
	b.once.Do(func() {
		out, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
		if err != nil {
			b.err = fmt.Errorf("go env GOMODCACHE: %w", err)
			return
		}
		src := filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(rieModule))
		if _, err := os.Stat(filepath.Join(src, "cmd", "aws-lambda-rie")); err != nil {
			b.err = fmt.Errorf("%s is not in the module cache (go mod download %s fetches it): %w", rieModule, rieModule, err)
			return
		}
		dir, err := buildDir()
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "rie", "aws-lambda-rie")
		cmd := exec.Command(goBin, "build", "-o", b.path, "./cmd/aws-lambda-rie")
		cmd.Dir = src // the module's own go.mod and go.sum; the cache directory is only read
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOPROXY=off", "GOFLAGS=-mod=readonly", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("aws-lambda-rie does not build offline from the module cache (%s, GOPROXY=off): %w\n%s", src, err, out)
		}
	})
	if b.err != nil {
		t.Skip(b.err)
	}
	return b.path
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// The echo bootstrap gives the same results under AWS's aws-lambda-rie and under the emulator.
func TestLambdaSameAsRIE(t *testing.T) {
	bin := echoBootstrap(t)
	rie := rieBinary(t)

	// AWS's emulator, on loopback ports of its own, with the same function timeout.
	rieAddr, apiAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(rie, "--log-level", "error", "--runtime-api-address", apiAddr, "--runtime-interface-emulator-address", rieAddr, bin)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin/:/bin", "AWS_LAMBDA_FUNCTION_TIMEOUT=10", "AWS_LAMBDA_FUNCTION_NAME=echo",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDTEST", "AWS_SECRET_ACCESS_KEY=secret", "TZ=:UTC"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the RIE and the bootstrap it starts
	logs := emulatortest.NewLogBuffer(t)
	cmd.Stdout, cmd.Stderr = logs, logs
	noErr(t, cmd.Start())
	var bootstrapPIDs []int
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		waitGone(t, 2*time.Second, bootstrapPIDs...)
		if t.Failed() {
			t.Logf("aws-lambda-rie output:\n%s", logs.String())
		}
	})
	waitFor(t, 10*time.Second, "aws-lambda-rie to listen", func() bool {
		conn, err := net.Dial("tcp", rieAddr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	rieInvoke := func(payload string) (int, string) {
		t.Helper()
		resp, err := http.Post("http://"+rieAddr+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader(payload))
		noErr(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		noErr(t, err)
		return resp.StatusCode, string(b)
	}

	srv, _, c := startLambda(t)
	_, err := srv.RegisterExecutable("echo", bin, emulator.FunctionConfig{Timeout: 10 * time.Second})
	noErr(t, err)
	ours := func(payload string) (string, string) {
		t.Helper()
		out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String("echo"), Payload: []byte(payload)})
		noErr(t, err)
		return string(out.Payload), aws.ToString(out.FunctionError)
	}

	// Request ids differ between the two hosts; everything else must be the same.
	requestIDs := regexp.MustCompile(`RequestId: [0-9a-f-]{36}`)
	for _, tc := range []struct {
		name, payload string
		failed        bool
	}{
		{"echo", `{"action":"echo","nested":{"list":[1,2.5,"three",null]},"text":"h\u00e9llo \"quoted\""}`, false},
		{"error", `{"action":"error","message":"boom"}`, true},
		{"typed error", `{"action":"typed","message":"bad input"}`, true},
		{"panic", `{"action":"panic","message":"oops"}`, true},
		{"crash", `{"action":"exit","code":3}`, true},
		{"after the crash", `{"action":"echo","again":true}`, false},
	} {
		status, fromRIE := rieInvoke(tc.payload)
		fromUs, fnErr := ours(tc.payload)
		t.Logf("%s: RIE %d %s; emulator X-Amz-Function-Error=%q %s", tc.name, status, fromRIE, fnErr, fromUs)
		if a, b := requestIDs.ReplaceAllString(fromRIE, "RequestId: ID"), requestIDs.ReplaceAllString(fromUs, "RequestId: ID"); a != b {
			t.Errorf("%s: the RIE answered %s, the emulator %s", tc.name, fromRIE, fromUs)
		}
		if (fnErr == "Unhandled") != tc.failed {
			t.Errorf("%s: X-Amz-Function-Error %q", tc.name, fnErr)
		}
	}
	// Remember the RIE's bootstrap, to check that it goes with the RIE.
	if _, body := rieInvoke(`{"action":"info"}`); strings.Contains(body, `"pid":`) {
		var pid int
		if _, err := fmt.Sscanf(body[strings.Index(body, `"pid":`)+len(`"pid":`):], "%d", &pid); err == nil {
			bootstrapPIDs = append(bootstrapPIDs, pid)
		}
	}
}
