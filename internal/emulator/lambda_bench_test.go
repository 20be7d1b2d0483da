package emulator_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator"
)

// benchLambda serves an emulator for a benchmark and returns a Lambda client for it.
func benchLambda(b *testing.B) (*emulator.Server, *lambda.Client) {
	b.Helper()
	srv, err := emulator.New(emulator.Options{})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		hs.Close()
		if err := srv.Close(); err != nil {
			b.Error(err)
		}
	})
	srv.SetEndpoint(hs.URL)
	return srv, lambdaClient(hs.URL, "us-east-1")
}

func benchInvoke(b *testing.B, c *lambda.Client, function string, payload []byte) {
	out, err := c.Invoke(context.Background(), &lambda.InvokeInput{FunctionName: aws.String(function), Payload: payload})
	if err != nil {
		b.Fatal(err)
	}
	if out.FunctionError != nil || string(out.Payload) != string(payload) {
		b.Fatalf("invocation failed: %s", out.Payload)
	}
}

// BenchmarkInvokeWarm is one Invoke through the SDK of a warm function: for the executable,
// the event and its result go through the Runtime API; in-process is the same call without it.
func BenchmarkInvokeWarm(b *testing.B) {
	payload := []byte(`{"action":"echo","value":"warm"}`)
	b.Run("executable", func(b *testing.B) {
		bin := echoBootstrap(b)
		srv, c := benchLambda(b)
		if _, err := srv.RegisterExecutable("echo", bin, emulator.FunctionConfig{Timeout: time.Minute}); err != nil {
			b.Fatal(err)
		}
		benchInvoke(b, c, "echo", payload) // the cold start
		for b.Loop() {
			benchInvoke(b, c, "echo", payload)
		}
	})
	b.Run("in-process", func(b *testing.B) {
		srv, c := benchLambda(b)
		srv.RegisterHandler("echo", func(_ context.Context, p []byte) ([]byte, error) { return p, nil }, emulator.FunctionConfig{})
		for b.Loop() {
			benchInvoke(b, c, "echo", payload)
		}
	})
}

// BenchmarkColdStart is the first invocation of the Go echo bootstrap: process start, the Go
// runtime's and aws-lambda-go's init, the first /next, and the invocation itself. Stopping the
// previous process is not timed.
func BenchmarkColdStart(b *testing.B) {
	bin := echoBootstrap(b)
	srv, c := benchLambda(b)
	payload := []byte(`{"action":"echo","value":"cold"}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// Registering again replaces the function and stops its process.
		if _, err := srv.RegisterExecutable("cold", bin, emulator.FunctionConfig{Timeout: time.Minute}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		benchInvoke(b, c, "cold", payload)
	}
}
