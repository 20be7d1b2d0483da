package agent

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Environment variables, named as the AWS Parameters and Secrets Lambda Extension names
// them, so that an application moved between the two needs no change.
const (
	envPort      = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
	envCacheSize = "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE"
	envLogLevel  = "PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL"
	envMaxConns  = "PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS"
	envTTL       = "SECRETS_MANAGER_TTL"            // seconds, or a Go duration
	envTimeout   = "SECRETS_MANAGER_TIMEOUT_MILLIS" // milliseconds
	// The SSRF token: the first of these that is set. "file://PATH" reads it from a file.
	envToken        = "AWS_TOKEN"
	envSessionToken = "AWS_SESSION_TOKEN"
)

// flagHelp is returned when -h asked for the usage, which has been printed.
var flagHelp = errors.New("help requested")

// TokenHeader carries the SSRF token on every request but /ping.
const TokenHeader = "X-Aws-Parameters-Secrets-Token"

type config struct {
	address   string // loopback IP to listen on
	port      int
	ttl       time.Duration
	cacheSize int
	maxConns  int
	timeout   time.Duration
	logLevel  string
	region    string
	endpoint  string
	token     string
}

const usage = `secretcache-agent serves AWS Secrets Manager secrets from a local, rotation-aware cache
to applications in any language, on loopback only.

  GET /secretsmanager/get?secretId=ID[&versionStage=STAGE][&versionId=ID][&refreshNow=true]
  GET /v1/ID[?versionStage=STAGE&versionId=ID&refreshNow=true]
  GET /ping

Every request but /ping carries the header X-Aws-Parameters-Secrets-Token with the value of
AWS_TOKEN (or AWS_SESSION_TOKEN when AWS_TOKEN is unset). Answers are GetSecretValue JSON;
errors are {"__type": "...", "message": "..."}.

Flags override the environment variables named in brackets:
`

// parseConfig reads flags, then the environment, then defaults.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("secretcache-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var ttl, timeout string
	fs.StringVar(&c.address, "address", "127.0.0.1", "loopback address to listen on (127.0.0.1, ::1 or localhost); anything else is refused")
	fs.IntVar(&c.port, "port", 2773, "TCP port; 0 picks a free one ["+envPort+"]")
	fs.StringVar(&ttl, "ttl", "300", "longest a cached value is served without being confirmed current: seconds or a Go duration ["+envTTL+"]")
	fs.IntVar(&c.cacheSize, "cache-size", 1000, "most secrets (per stage or version) kept ["+envCacheSize+"]")
	fs.IntVar(&c.maxConns, "max-connections", 800, "most requests served at once; more get 429 ["+envMaxConns+"]")
	fs.StringVar(&timeout, "timeout", "0", "longest a request waits for Secrets Manager, in milliseconds or a Go duration; 0: 30s ["+envTimeout+"]")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn, error or none ["+envLogLevel+"]")
	fs.StringVar(&c.region, "region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)")
	fs.StringVar(&c.endpoint, "endpoint-url", "", "Secrets Manager endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_SECRETS_MANAGER)")

	// Environment first, so that flags given on the command line win.
	var errs []error
	env := func(name string, set func(string) error) {
		if v := getenv(name); v != "" {
			if err := set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	}
	env(envPort, func(v string) error { return setInt(&c.port, v) })
	env(envTTL, func(v string) error { ttl = v; return nil })
	env(envCacheSize, func(v string) error { return setInt(&c.cacheSize, v) })
	env(envMaxConns, func(v string) error { return setInt(&c.maxConns, v) })
	env(envTimeout, func(v string) error { timeout = v; return nil })
	env(envLogLevel, func(v string) error { c.logLevel = v; return nil })
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	// Re-seat the flag defaults on the environment's values, then parse.
	for name, v := range map[string]string{"port": strconv.Itoa(c.port), "ttl": ttl, "cache-size": strconv.Itoa(c.cacheSize),
		"max-connections": strconv.Itoa(c.maxConns), "timeout": timeout, "log-level": c.logLevel} {
		f := fs.Lookup(name)
		f.DefValue = v
		_ = f.Value.Set(v)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, flagHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	var err error
	if c.ttl, err = parseDuration(ttl, time.Second); err != nil || c.ttl < time.Second {
		errs = append(errs, fmt.Errorf("ttl %q: want at least 1 second (seconds, or a Go duration like 5m)", ttl))
	}
	if c.timeout, err = parseDuration(timeout, time.Millisecond); err != nil || c.timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %q: want milliseconds or a Go duration", timeout))
	}
	if c.timeout == 0 {
		c.timeout = 30 * time.Second
	}
	if c.port < 0 || c.port > 65535 {
		errs = append(errs, fmt.Errorf("port %d: want 0..65535", c.port))
	}
	if c.cacheSize < 1 {
		errs = append(errs, fmt.Errorf("cache-size %d: want at least 1", c.cacheSize))
	}
	if c.maxConns < 1 {
		errs = append(errs, fmt.Errorf("max-connections %d: want at least 1", c.maxConns))
	}
	if _, ok := logLevels[strings.ToLower(c.logLevel)]; !ok {
		errs = append(errs, fmt.Errorf("log-level %q: want debug, info, warn, error or none", c.logLevel))
	}
	if err := checkLoopback(c.address); err != nil {
		errs = append(errs, err)
	}
	tok, err := readToken(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.token = tok
	return c, errors.Join(errs...)
}

func setInt(dst *int, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not an integer")
	}
	*dst = n
	return nil
}

// parseDuration reads a bare number in unit, or a Go duration ("90s").
func parseDuration(s string, unit time.Duration) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * unit, nil
	}
	return time.ParseDuration(s)
}

// checkLoopback refuses any address but a loopback one: the agent hands out secrets to
// whoever can reach it, so it must not be reachable from the network.
func checkLoopback(address string) error {
	host := address
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("address %q: refusing to listen on anything but loopback (127.0.0.1, ::1 or localhost): the agent serves secrets to whoever can connect", address)
}

func listenAddress(c config) string {
	host := c.address
	if host == "localhost" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(c.port))
}

// readToken returns the SSRF token from AWS_TOKEN, else AWS_SESSION_TOKEN; a value
// "file://PATH" is read from that file (as the AWS Secrets Manager Agent does).
func readToken(getenv func(string) string) (string, error) {
	for _, name := range []string{envToken, envSessionToken} {
		v := getenv(name)
		if v == "" {
			continue
		}
		if path, ok := strings.CutPrefix(v, "file://"); ok {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", fmt.Errorf("%s: read the token file: %w", name, err)
			}
			v = strings.TrimSpace(string(b))
			if v == "" {
				return "", fmt.Errorf("%s: the token file %s is empty", name, path)
			}
		}
		return v, nil
	}
	return "", fmt.Errorf("no SSRF token: set %s (or %s) to the value clients send in %s", envToken, envSessionToken, TokenHeader)
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError, "none": slog.LevelError + 100}

func newLogger(level string, w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: logLevels[strings.ToLower(level)]}))
}
