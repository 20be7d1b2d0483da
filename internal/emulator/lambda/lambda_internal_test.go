package emulator

import (
	"context"
	"errors"
	"testing"
	"time"
)

// invokeFunction is what the rotation engine calls: results, function errors and API errors.
func TestInvokeFunction(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	arn := s.RegisterHandler("rotator", func(_ context.Context, p []byte) ([]byte, error) {
		if string(p) == `"fail"` {
			return nil, errors.New("step failed")
		}
		return p, nil
	}, FunctionConfig{Region: "eu-central-1", Timeout: time.Second})

	out, fnErr, err := s.invokeFunction(ctx, "eu-central-1", arn, []byte(`{"Step":"createSecret"}`))
	if err != nil || fnErr != "" || string(out) != `{"Step":"createSecret"}` {
		t.Fatalf("invoke: %s %q %v", out, fnErr, err)
	}
	out, fnErr, err = s.invokeFunction(ctx, "eu-central-1", "rotator", []byte(`"fail"`))
	if err != nil || fnErr != "Unhandled" || string(out) != `{"errorMessage":"step failed","errorType":"errorString"}` {
		t.Fatalf("failing invoke: %s %q %v", out, fnErr, err)
	}
	_, _, err = s.invokeFunction(ctx, "us-east-1", arn, nil)
	var ae *apiError
	if !errors.As(err, &ae) || ae.Type != "ResourceNotFoundException" || ae.Status != 404 {
		t.Fatalf("a function of another region: %v", err)
	}
	if !s.functionExists("eu-central-1", arn) || !s.functionExists("eu-central-1", "rotator") || s.functionExists("us-east-1", "rotator") {
		t.Fatal("functionExists disagrees with the registry")
	}
	s.ctrl.mu.Lock()
	calls := s.ctrl.calls["lambda.Invoke"]
	s.ctrl.mu.Unlock()
	if calls != 3 {
		t.Fatalf("lambda.Invoke counted %d times", calls)
	}

	// A cancelled context ends the call; it is not a function error.
	cctx, cancel := context.WithCancel(ctx)
	s.RegisterHandler("slow", func(ctx context.Context, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}, FunctionConfig{})
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, _, err := s.invokeFunction(cctx, DefaultRegion, "slow", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled invoke: %v", err)
	}
}

func TestResolveFunctionNames(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
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
		_, _, err := s.resolveFunction(DefaultRegion, ref, "")
		var ae *apiError
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", ref, err)
		case want != "" && (!errors.As(err, &ae) || ae.Type != want):
			t.Errorf("%q: got %v, want %s", ref, err, want)
		}
	}
}
