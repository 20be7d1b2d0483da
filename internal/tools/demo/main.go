// Command demo shows the whole life cycle of a rotated database password on this machine,
// with nothing from AWS: `make demo` runs it.
//
//	go run ./internal/tools/demo [-v]
//
// It builds the provider and the PostgreSQL rotator (lambdas/postgres/lambda, as the
// provided.al2023 bootstrap), starts a throwaway PostgreSQL 15 and the local emulator
// (internal/emulator, in this process, with the rotator registered as the Lambda function
// postgres-rotator), creates a database user, and applies examples/quickstart with the
// terraform CLI: a KMS key, a secret holding the user's credentials (written write-only),
// and a rotation schedule that rotates at once. It waits for the rotation and prints the
// secret's versions and labels before and after, checks that the new password logs in and
// the old one does not, and that terraform plan shows no change. Then it destroys the stack
// and stops everything it started, also after a failure or Ctrl-C.
//
// Each step prints one line with its duration; a failure names the step and the reason.
// -v also shows terraform's output and the emulator's and the rotator's logs.
//
// With -all (`make demo-all`) it runs the other scenes instead, each with its own emulator
// and servers, removed when the scene ends (also on Ctrl-C): MariaDB alternating users with
// a master secret, an SSH key rotated on two sshd hosts, an API key rotated against a local
// key service, a secret replicated to a second region, and the cache agent answering a
// client before and after a rotation (see scenes.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	fl := flag.NewFlagSet("demo", flag.ContinueOnError)
	verbose := fl.Bool("v", false, "also show terraform's output and the emulator's and the rotator's logs")
	all := fl.Bool("all", false, "run the scenes of demo-all instead: MariaDB alternating users, SSH keys on two hosts, an API key, a replica region, the cache agent")
	only := fl.String("scenes", "", "with -all: only these scenes, comma-separated ("+sceneNames()+")")
	if err := fl.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	root, err := findModuleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}

	// The first Ctrl-C (or SIGTERM) stops the demo and starts the clean-up; a second one
	// cuts terraform destroy short, but the emulator, PostgreSQL and the temporary files
	// are still removed.
	ctx, cancel := context.WithCancel(context.Background())
	cleanupCtx, cancelCleanup := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\ninterrupted: stopping and cleaning up (press Ctrl-C again to skip terraform destroy)")
		cancel()
		<-sigs
		fmt.Fprintln(os.Stderr, "\ninterrupted again: skipping terraform destroy")
		cancelCleanup()
	}()

	if *all {
		var names []string
		if *only != "" {
			names = strings.Split(*only, ",")
		}
		_, err = RunAll(ctx, AllOptions{Root: root, Out: os.Stdout, Verbose: *verbose, Scenes: names})
	} else {
		err = Run(ctx, Options{Root: root, Out: os.Stdout, Verbose: *verbose, CleanupContext: cleanupCtx})
	}
	switch {
	case err == nil:
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		fmt.Fprintln(os.Stderr, "demo: interrupted")
		os.Exit(130)
	default:
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}
