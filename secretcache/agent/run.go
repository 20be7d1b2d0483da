// Package agent is secretcache-agent, a local HTTP server that serves AWS Secrets Manager
// secrets from a rotation-aware cache (package secretcache) to applications in any
// language. It answers the requests of the AWS Secrets Manager Agent and of the AWS
// Parameters and Secrets Lambda Extension: GET /secretsmanager/get?secretId=... (or
// /v1/SECRET_ID) with the SSRF token header answers the GetSecretValue JSON, /ping answers
// "healthy". It listens on loopback only (port 2773 by default). The command is
// cmd/secretcache-agent; Run is all of it, for tests and for other entry points.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// shutdownGrace is how long requests in progress get to finish after a signal (a Lambda
// extension gets less: see extension.go).
const shutdownGrace = 10 * time.Second

// Run is the whole program: args are the command-line arguments (without the program
// name), getenv reads the environment. It serves until ctx ends (or, as a Lambda
// extension, until the SHUTDOWN event) and returns the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flagHelp) {
		return 0
	}
	var ext *extensionClient
	if cfg.extension {
		ext = newExtensionClient(getenv(envRuntimeAPI), extensionName(args, getenv))
	}
	if err != nil {
		fmt.Fprintf(stderr, "secretcache-agent: %v\n", err)
		if ext != nil {
			ext.initError(ctx, "Extension.ConfigInvalid", err)
		}
		return 2
	}
	logOut := stderr
	if cfg.logToFile {
		f, err := openLogFile()
		if err != nil {
			fmt.Fprintf(stderr, "secretcache-agent: %v\n", err)
			return 1
		}
		defer f.Close()
		logOut = f
	}
	log := newLogger(cfg.logLevel, logOut)
	fail := func(msg string, err error) int {
		log.Error(msg, "error", err)
		if ext != nil {
			ext.initError(ctx, "Extension.InitFailed", fmt.Errorf("%s: %w", msg, err))
		}
		return 1
	}

	// An extension registers first: Lambda waits for it before starting the runtime, and
	// the function's first request must find the agent listening.
	if ext != nil {
		if err := ext.register(ctx); err != nil {
			log.Error("cannot register with the Lambda Extensions API", "error", err)
			return 1
		}
	}

	client, err := newClient(ctx, cfg)
	if err != nil {
		return fail("cannot set up the Secrets Manager client", err)
	}
	var cache *secretcache.Cache
	if cfg.caching() {
		opts := secretcache.Options{MaxStaleness: cfg.ttl, MaxEntries: cfg.cacheSize, Logger: log, FetchTimeout: cfg.timeout}
		if cfg.ignoreTransient {
			opts.StaleIfError = cfg.staleIfError
		}
		if opts.FetchTimeout == 0 {
			opts.FetchTimeout = noTimeoutFetch
		}
		cache, err = secretcache.New(client, opts)
		if err != nil {
			return fail("cannot create the cache", err)
		}
		defer cache.Close()
	}

	ln, err := net.Listen("tcp", listenAddress(cfg))
	if err != nil {
		return fail("cannot listen on "+listenAddress(cfg), err)
	}
	h := NewHandler(HandlerOptions{Cache: cache, Client: client, Token: cfg.token, Headers: cfg.ssrfHeaders,
		PathPrefix: cfg.pathPrefix, MaxConn: cfg.maxConn, Timeout: cfg.timeout, Logger: log})
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "secretcache-agent listening on http://%s\n", ln.Addr())
	log.Info("listening", "address", ln.Addr().String(), "ttl", cfg.ttl.String(), "cache_size", cfg.cacheSize,
		"caching", cfg.caching(), "stale_if_error", cfg.staleIfError.String(), "ignore_transient_errors", cfg.ignoreTransient,
		"extension", cfg.extension, "config_file", cfg.configFile)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	grace := shutdownGrace
	stop := ctx.Done()
	if ext != nil {
		// Lambda gives extensions 2 s after SHUTDOWN; leave room to exit.
		grace = extensionShutdownGrace
		shutdown := make(chan struct{})
		go func() {
			defer close(shutdown)
			if err := ext.loop(ctx, log); err != nil && ctx.Err() == nil {
				log.Error("Extensions API", "error", err)
			}
		}()
		stop = shutdown
	}
	select {
	case err := <-served:
		log.Error("server stopped", "error", err)
		return 1
	case <-stop:
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "error", err)
		return 1
	}
	return 0
}

// newClient is the Secrets Manager client: the SDK's default configuration, with the region,
// endpoint, credentials file and connection bound of cfg; it checks that credentials can
// be found when cfg.validateCredentials is set.
func newClient(ctx context.Context, cfg config) (*secretsmanager.Client, error) {
	var loadOpts []func(*awsconfig.LoadOptions) error
	if cfg.region != "" {
		loadOpts = append(loadOpts, awsconfig.WithRegion(cfg.region))
	}
	if cfg.credentialsFile != "" {
		loadOpts = append(loadOpts, awsconfig.WithSharedCredentialsFiles([]string{cfg.credentialsFile}))
	}
	if cfg.smConns > 0 {
		hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxConnsPerHost = cfg.smConns
			t.MaxIdleConnsPerHost = cfg.smConns
		})
		loadOpts = append(loadOpts, awsconfig.WithHTTPClient(hc))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.validateCredentials {
		if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
			return nil, fmt.Errorf("no usable AWS credentials (set validate_credentials = false to start without): %w", err)
		}
	}
	return secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) {
		if cfg.endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.endpoint)
		}
	}), nil
}

// openLogFile opens logs/secretcache-agent.log under the working directory, as the AWS
// agent's log_to_file writes logs/secrets_manager_agent.log.
func openLogFile() (*os.File, error) {
	if err := os.MkdirAll("logs", 0o755); err != nil {
		return nil, fmt.Errorf("log_to_file: %w", err)
	}
	f, err := os.OpenFile(filepath.Join("logs", "secretcache-agent.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("log_to_file: %w", err)
	}
	return f, nil
}
