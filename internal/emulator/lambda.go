package emulator

import (
	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/internal/emulator/lambda"
)

// The Lambda service lives in package lambda; these keep the emulator's API.
type (
	// Handler is an in-process function: payload in, result out; an error is a function error.
	Handler = lambda.Handler
	// FunctionConfig configures a registered function.
	FunctionConfig = lambda.FunctionConfig
)

// RegisterHandler registers an in-process function and returns its ARN (lambda.Service).
func (s *Server) RegisterHandler(name string, h Handler, cfg FunctionConfig) (arn string) {
	return s.functions.RegisterHandler(name, h, cfg)
}

// RegisterExecutable registers an executable function (a Lambda "bootstrap") and returns
// its ARN (lambda.Service).
func (s *Server) RegisterExecutable(name, path string, cfg FunctionConfig) (arn string, err error) {
	return s.functions.RegisterExecutable(name, path, cfg)
}

// SetEndpoint tells the server the URL clients reach it at, e.g. "http://127.0.0.1:4566".
// Executables started afterwards get it as AWS_ENDPOINT_URL and SECRETS_MANAGER_ENDPOINT.
func (s *Server) SetEndpoint(url string) { s.functions.SetEndpoint(url) }

// FunctionLogs returns the recent output of the functions named name (lambda.Service).
func (s *Server) FunctionLogs(name string) string { return s.functions.FunctionLogs(name) }
