// Command secretcache-agent serves AWS Secrets Manager secrets from a local, rotation-aware
// cache to applications in any language, on loopback only, with the API of the AWS Secrets
// Manager Agent and the AWS Parameters and Secrets Lambda Extension (see package agent).
// Run it with -h for its flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/secretcache/agent"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := agent.Run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
