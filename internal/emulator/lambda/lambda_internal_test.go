package lambda

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/awsapi"
)

// Invoke is what the rotation engine calls: results, function errors and API errors.
func TestInvokeFunction(t *testing.T) {
	var calls atomic.Int64
	s := New("123456789012", nil, func(_ context.Context, op string) error {
		if op == "lambda.Invoke" {
			calls.Add(1)
		}
		return nil
	})
	defer s.Close()
	ctx := context.Background()
	arn := s.RegisterHandler("rotator", func(_ context.Context, p []byte) ([]byte, error) {
		if string(p) == `"fail"` {
			return nil, errors.New("step failed")
		}
		return p, nil
	}, FunctionConfig{Region: "eu-central-1", Timeout: time.Second})

	out, fnErr, err := s.Invoke(ctx, "eu-central-1", arn, []byte(`{"Step":"createSecret"}`))
	if err != nil || fnErr != "" || string(out) != `{"Step":"createSecret"}` {
		t.Fatalf("invoke: %s %q %v", out, fnErr, err)
	}
	out, fnErr, err = s.Invoke(ctx, "eu-central-1", "rotator", []byte(`"fail"`))
	if err != nil || fnErr != "Unhandled" || string(out) != `{"errorMessage":"step failed","errorType":"errorString"}` {
		t.Fatalf("failing invoke: %s %q %v", out, fnErr, err)
	}
	_, _, err = s.Invoke(ctx, "us-east-1", arn, nil)
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae.Type != "ResourceNotFoundException" || ae.Status != 404 {
		t.Fatalf("a function of another region: %v", err)
	}
	if !s.Exists("eu-central-1", arn) || !s.Exists("eu-central-1", "rotator") || s.Exists("us-east-1", "rotator") {
		t.Fatal("Exists disagrees with the registry")
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("lambda.Invoke counted %d times", n)
	}

	// A cancelled context ends the call; it is not a function error.
	cctx, cancel := context.WithCancel(ctx)
	s.RegisterHandler("slow", func(ctx context.Context, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}, FunctionConfig{})
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, _, err := s.Invoke(cctx, awsapi.DefaultRegion, "slow", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled invoke: %v", err)
	}
}

func TestResolveFunctionNames(t *testing.T) {
	s := New("123456789012", nil, nil)
	defer s.Close()
	s.RegisterHandler("fn", func(context.Context, []byte) ([]byte, error) { return nil, nil }, FunctionConfig{})
	for ref, want := range map[string]string{
		"fn":                       "",
		"fn:$LATEST":               "",
		"123456789012:function:fn": "",
		"arn:aws:lambda:us-east-1:123456789012:function:fn":         "",
		"arn:aws:lambda:us-east-1:123456789012:function:fn:$LATEST": "",
		"fn:live":                  "ResourceNotFoundException",
		"other":                    "ResourceNotFoundException",
		"999999999999:function:fn": "ResourceNotFoundException",
		"arn:aws:lambda:us-east-1:123456789012:layer:fn": "ValidationException",
		"has space":     "ValidationException",
		"":              "ValidationException",
		"a:b:c:d:e:f:g": "ValidationException",
	} {
		_, _, err := s.resolveFunction(awsapi.DefaultRegion, ref, "")
		var ae *awsapi.Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", ref, err)
		case want != "" && (!errors.As(err, &ae) || ae.Type != want):
			t.Errorf("%q: got %v, want %s", ref, err, want)
		}
	}
}
