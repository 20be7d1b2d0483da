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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache"
)

// shutdownGrace is how long requests in progress get to finish after a signal.
const shutdownGrace = 10 * time.Second

// Run is the whole program: args are the command-line arguments (without the program
// name), getenv reads the environment. It serves until ctx ends and returns the exit code.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flagHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "secretcache-agent: %v\n", err)
		return 2
	}
	log := newLogger(cfg.logLevel, stderr)

	var loadOpts []func(*awsconfig.LoadOptions) error
	if cfg.region != "" {
		loadOpts = append(loadOpts, awsconfig.WithRegion(cfg.region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		log.Error("cannot load the AWS configuration", "error", err)
		return 1
	}
	client := secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) {
		if cfg.endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.endpoint)
		}
	})
	cache, err := secretcache.New(client, secretcache.Options{MaxStaleness: cfg.ttl, MaxEntries: cfg.cacheSize, Logger: log})
	if err != nil {
		log.Error("cannot create the cache", "error", err)
		return 1
	}
	defer cache.Close()

	ln, err := net.Listen("tcp", listenAddress(cfg))
	if err != nil {
		log.Error("cannot listen", "address", listenAddress(cfg), "error", err)
		return 1
	}
	srv := &http.Server{
		Handler:           NewHandler(cache, cfg.token, cfg.maxConns, cfg.timeout, log),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "secretcache-agent listening on http://%s\n", ln.Addr())
	log.Info("listening", "address", ln.Addr().String(), "ttl", cfg.ttl.String(), "cache_size", cfg.cacheSize)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		log.Error("server stopped", "error", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "error", err)
		return 1
	}
	return 0
}
