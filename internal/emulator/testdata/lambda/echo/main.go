// Command echo is a Lambda function for the emulator's tests, built with
// `go build -tags lambda.norpc` and run as a provided.al2023 bootstrap. It speaks the Runtime
// API through aws-lambda-go; what it does is chosen by the payload's "action":
//
//	echo       return the payload unchanged
//	info       return the process id, requested environment variables and invocation context
//	error      return an error (errorType "errorString")
//	typed      return a *CustomError (errorType "CustomError")
//	panic      panic (aws-lambda-go reports it, then the process exits)
//	exit       print a line, then exit with status code mid-invocation
//	sleep      start a child process, print its pid, then sleep past any timeout
//	getSecret  read a secret through Secrets Manager at the endpoint from the environment
//	big        return a string of size bytes
//	get        return the body of an HTTP GET of url (a Lambda extension's local endpoint)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type request struct {
	Action   string   `json:"action"`
	Message  string   `json:"message"`
	Code     int      `json:"code"`
	Env      []string `json:"env"`
	SecretID string   `json:"secretId"`
	Size     int      `json:"size"`
	URL      string   `json:"url"`
}

type info struct {
	PID          int               `json:"pid"`
	Env          map[string]string `json:"env"`
	RequestID    string            `json:"requestId"`
	FunctionARN  string            `json:"functionArn"`
	DeadlineMs   int64             `json:"deadlineMs"`
	Cwd          string            `json:"cwd"`
	TraceID      string            `json:"traceId"`
	ClientCustom map[string]string `json:"clientCustom,omitempty"`
}

// CustomError is an error type of the function's own.
type CustomError struct{ Reason string }

func (e *CustomError) Error() string { return "custom: " + e.Reason }

func handle(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
	var req request
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, fmt.Errorf("decode payload: %w", err)
	}
	switch req.Action {
	case "echo":
		return payload, nil
	case "info":
		out := info{PID: os.Getpid(), Env: map[string]string{}}
		for _, k := range req.Env {
			v, ok := os.LookupEnv(k)
			if !ok {
				v = "<unset>"
			}
			out.Env[k] = v
		}
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			out.RequestID, out.FunctionARN = lc.AwsRequestID, lc.InvokedFunctionArn
			out.ClientCustom = lc.ClientContext.Custom
		}
		if d, ok := ctx.Deadline(); ok {
			out.DeadlineMs = d.UnixMilli()
		}
		out.Cwd, _ = os.Getwd()
		out.TraceID = os.Getenv("_X_AMZN_TRACE_ID")
		return json.Marshal(out)
	case "error":
		return nil, errors.New(req.Message)
	case "typed":
		return nil, &CustomError{Reason: req.Message}
	case "panic":
		panic(req.Message)
	case "exit":
		fmt.Println("exiting with status", req.Code)
		os.Exit(req.Code)
	case "sleep":
		child := exec.Command("sleep", "300")
		if err := child.Start(); err != nil {
			return nil, fmt.Errorf("start child: %w", err)
		}
		fmt.Printf("child pid %d\n", child.Process.Pid)
		time.Sleep(time.Hour)
		return nil, nil
	case "getSecret":
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS config: %w", err)
		}
		sm := secretsmanager.NewFromConfig(cfg)
		out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(req.SecretID)})
		if err != nil {
			return nil, fmt.Errorf("get secret value: %w", err)
		}
		return json.Marshal(map[string]string{"secretString": aws.ToString(out.SecretString), "versionId": aws.ToString(out.VersionId)})
	case "get":
		resp, err := http.Get(req.URL)
		if err != nil {
			return nil, fmt.Errorf("get: %w", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("get: %w", err)
		}
		return body, nil
	case "big":
		return json.Marshal(strings.Repeat("x", req.Size))
	}
	return nil, fmt.Errorf("unknown action %q", req.Action)
}

func main() {
	lambda.Start(handle)
}
