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

	"github.com/BurntSushi/toml"
)

// Environment variables of the AWS Parameters and Secrets Lambda Extension, read with the
// same meaning, so that a function moved between the two needs no change.
const (
	envPort         = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"
	envCacheEnabled = "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED"
	envCacheSize    = "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE" // 0: no caching
	envLogLevel     = "PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL"
	envMaxConns     = "PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS" // connections to Secrets Manager
	envTTL          = "SECRETS_MANAGER_TTL"                          // seconds; 0: no caching
	envTimeout      = "SECRETS_MANAGER_TIMEOUT_MILLIS"               // 0: no timeout
	// envRuntimeAPI is set by Lambda in every process of an execution environment: its
	// presence makes the agent a Lambda extension.
	envRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"
)

// TokenHeader is the first of the default SSRF token headers.
const TokenHeader = "X-Aws-Parameters-Secrets-Token"

// Defaults, as the AWS Secrets Manager Agent has them (its config.rs), except where said.
var (
	defaultSSRFHeaders = []string{TokenHeader, "X-Vault-Token"}
	defaultSSRFEnv     = []string{"AWS_TOKEN", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"}
)

const (
	defaultPort     = 2773
	defaultTTL      = 300 * time.Second
	maxTTL          = time.Hour
	defaultCache    = 1000
	maxCacheSize    = 1000
	defaultMaxConn  = 800
	maxMaxConn      = 1000
	defaultPrefix   = "/v1/"
	extensionSMConn = 3 // the extension's default PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS
	// defaultStaleIfError bounds serving the last value while Secrets Manager is
	// unreachable (the AWS agent's ignore_transient_errors serves it without bound).
	defaultStaleIfError = time.Hour
	// noTimeoutFetch bounds one refresh when requests have no timeout: the AWS agent's
	// longest request (61 s).
	noTimeoutFetch = 61 * time.Second
)

// flagHelp is returned when -h asked for the usage, which has been printed.
var flagHelp = errors.New("help requested")

type config struct {
	configFile string
	address    string // loopback IP to listen on
	port       int
	// ttl is the cache's MaxStaleness; 0 turns caching off (every read asks Secrets Manager).
	ttl       time.Duration
	cacheSize int // 0 turns caching off
	// maxConn bounds the requests served at once (the AWS agent's max_conn); more get 429.
	maxConn int
	// smConns bounds the connections to Secrets Manager (the extension's
	// PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS); 0: no bound.
	smConns int
	// timeout bounds one request's wait for Secrets Manager; 0: none.
	timeout             time.Duration
	logLevel            string
	logToFile           bool
	region              string
	endpoint            string
	ssrfHeaders         []string
	ssrfEnv             []string
	pathPrefix          string
	ignoreTransient     bool
	staleIfError        time.Duration
	validateCredentials bool
	credentialsFile     string
	token               string
	extension           bool
}

func (c config) caching() bool { return c.ttl > 0 && c.cacheSize > 0 }

const usage = `secretcache-agent serves AWS Secrets Manager secrets from a local, rotation-aware cache
to applications in any language, on loopback only, with the requests and answers of the AWS
Secrets Manager Agent and of the AWS Parameters and Secrets Lambda Extension.

  GET /secretsmanager/get?secretId=ID[&versionStage=STAGE][&versionId=ID][&refreshNow=true]
  GET /v1/ID[?versionStage=STAGE&versionId=ID&refreshNow=true]
  GET /ping

Every request but /ping carries the SSRF token in X-Aws-Parameters-Secrets-Token or
X-Vault-Token: the value of the first of AWS_TOKEN, AWS_SESSION_TOKEN,
AWS_CONTAINER_AUTHORIZATION_TOKEN that is set ("file://PATH" reads it from a file).

Settings come from the defaults, then the TOML file of -config (the AWS agent's keys), then
the environment variables of the Lambda extension, then the flags:
`

// parseConfig reads the defaults, the configuration file, the environment, then the flags.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{
		address: "127.0.0.1", port: defaultPort, ttl: defaultTTL, cacheSize: defaultCache,
		maxConn: defaultMaxConn, logLevel: "info", ssrfHeaders: defaultSSRFHeaders, ssrfEnv: defaultSSRFEnv,
		pathPrefix: defaultPrefix, ignoreTransient: true, staleIfError: defaultStaleIfError,
		validateCredentials: true, extension: getenv(envRuntimeAPI) != "",
	}
	if c.extension {
		c.smConns = extensionSMConn
	}

	fs := flag.NewFlagSet("secretcache-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var f struct {
		config, address, ttl, timeout, logLevel, region, endpoint, staleIfError string
		port, cacheSize, maxConn, smConns                                       int
		ignoreTransient, extension                                              bool
	}
	fs.StringVar(&f.config, "config", "", "TOML configuration file with the AWS Secrets Manager Agent's keys (log_level, http_port, ttl_seconds, cache_size, ...)")
	fs.StringVar(&f.address, "address", c.address, "loopback address to listen on (127.0.0.1, ::1 or localhost); anything else is refused")
	fs.IntVar(&f.port, "port", c.port, "TCP port; 0 picks a free one ["+envPort+"]")
	fs.StringVar(&f.ttl, "ttl", "300", "longest a cached value is served without being confirmed current: seconds or a Go duration, at most 1h; 0 turns caching off ["+envTTL+"]")
	fs.IntVar(&f.cacheSize, "cache-size", c.cacheSize, "most secrets (per stage or version) kept; 0 turns caching off ["+envCacheSize+"]")
	fs.IntVar(&f.maxConn, "max-conn", c.maxConn, "most requests served at once, 1 to 1000; more get 429")
	fs.IntVar(&f.smConns, "sm-connections", c.smConns, "most connections to Secrets Manager; 0: no bound (3 in a Lambda extension) ["+envMaxConns+"]")
	fs.StringVar(&f.timeout, "timeout", "0", "longest a request waits for Secrets Manager, in milliseconds or a Go duration; 0: no timeout ["+envTimeout+"]")
	fs.StringVar(&f.logLevel, "log-level", c.logLevel, "debug, info, warn, error or none ["+envLogLevel+"]")
	fs.StringVar(&f.region, "region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)")
	fs.StringVar(&f.endpoint, "endpoint-url", "", "Secrets Manager endpoint (default: the SDK's, e.g. AWS_ENDPOINT_URL_SECRETS_MANAGER)")
	fs.BoolVar(&f.ignoreTransient, "ignore-transient-errors", true, "serve the last value while Secrets Manager is unreachable or failing (up to -stale-if-error past the TTL); false: fail closed at the TTL")
	fs.StringVar(&f.staleIfError, "stale-if-error", "1h", "how long past the TTL the last value may be served during an outage (seconds or a Go duration)")
	fs.BoolVar(&f.extension, "extension", c.extension, "run as a Lambda extension (register with the Extensions API); default: when "+envRuntimeAPI+" is set")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, flagHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })

	var errs []error
	if f.config != "" {
		if err := c.readFile(f.config); err != nil {
			return c, err
		}
		c.configFile = f.config
	}

	// The extension's environment.
	env := func(name string, parse func(string) error) {
		if v := getenv(name); v != "" {
			if err := parse(strings.TrimSpace(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	}
	env(envPort, func(v string) error { return setInt(&c.port, v, 0, 65535) })
	env(envTTL, func(v string) error { return setDuration(&c.ttl, v, time.Second, maxTTL) })
	env(envCacheSize, func(v string) error { return setInt(&c.cacheSize, v, 0, maxCacheSize) })
	env(envCacheEnabled, func(v string) error {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		if !on {
			c.cacheSize = 0
		}
		return nil
	})
	env(envMaxConns, func(v string) error { return setInt(&c.smConns, v, 1, 1<<16) })
	env(envTimeout, func(v string) error { return setDuration(&c.timeout, v, time.Millisecond, 24*time.Hour) })
	env(envLogLevel, func(v string) error { c.logLevel = v; return nil })

	// Flags given on the command line win.
	flagErr := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("-%s: %w", name, err))
		}
	}
	for name := range set {
		switch name {
		case "address":
			c.address = f.address
		case "port":
			flagErr(name, setInt(&c.port, strconv.Itoa(f.port), 0, 65535))
		case "ttl":
			flagErr(name, setDuration(&c.ttl, f.ttl, time.Second, maxTTL))
		case "cache-size":
			flagErr(name, setInt(&c.cacheSize, strconv.Itoa(f.cacheSize), 0, maxCacheSize))
		case "max-conn":
			flagErr(name, setInt(&c.maxConn, strconv.Itoa(f.maxConn), 1, maxMaxConn))
		case "sm-connections":
			flagErr(name, setInt(&c.smConns, strconv.Itoa(f.smConns), 0, 1<<16))
		case "timeout":
			flagErr(name, setDuration(&c.timeout, f.timeout, time.Millisecond, 24*time.Hour))
		case "log-level":
			c.logLevel = f.logLevel
		case "region":
			c.region = f.region
		case "endpoint-url":
			c.endpoint = f.endpoint
		case "ignore-transient-errors":
			c.ignoreTransient = f.ignoreTransient
		case "stale-if-error":
			flagErr(name, setDuration(&c.staleIfError, f.staleIfError, time.Second, 365*24*time.Hour))
		case "extension":
			c.extension = f.extension
		}
	}

	if _, ok := logLevels[strings.ToLower(c.logLevel)]; !ok {
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn, error or none", c.logLevel))
	}
	if err := checkLoopback(c.address); err != nil {
		errs = append(errs, err)
	}
	tok, err := readToken(c.ssrfEnv, getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.token = tok
	return c, errors.Join(errs...)
}

// readFile applies a TOML configuration file of the AWS Secrets Manager Agent. As there,
// numbers may be written as numbers or strings, an unknown key is an error, and each value
// has the agent's range.
func (c *config) readFile(path string) error {
	var m map[string]any
	if _, err := toml.DecodeFile(path, &m); err != nil {
		return fmt.Errorf("configuration file %s: %w", path, err)
	}
	var errs []error
	bad := func(key, want string) { errs = append(errs, fmt.Errorf("%s: %s: want %s", path, key, want)) }
	for key, v := range m {
		switch key {
		case "log_level":
			s, ok := v.(string)
			if _, known := logLevels[strings.ToLower(s)]; !ok || !known {
				bad(key, "DEBUG, INFO, WARN, ERROR or NONE")
			}
			c.logLevel = s
		case "log_to_file":
			b, ok := v.(bool)
			if !ok {
				bad(key, "true or false")
			}
			c.logToFile = b
		case "http_port":
			if n, ok := number(v); ok && n >= 1024 && n <= 65535 {
				c.port = int(n)
			} else {
				bad(key, "a port in the range 1024 to 65535")
			}
		case "ttl_seconds":
			if n, ok := number(v); ok && n >= 0 && n <= int64(maxTTL/time.Second) {
				c.ttl = time.Duration(n) * time.Second
			} else {
				bad(key, "seconds in the range 0 (no caching) to 3600")
			}
		case "cache_size":
			if n, ok := number(v); ok && n >= 1 && n <= maxCacheSize {
				c.cacheSize = int(n)
			} else {
				bad(key, "a number in the range 1 to 1000")
			}
		case "max_conn":
			if n, ok := number(v); ok && n >= 1 && n <= maxMaxConn {
				c.maxConn = int(n)
			} else {
				bad(key, "a number in the range 1 to 1000")
			}
		case "ssrf_headers", "ssrf_env_variables":
			list, ok := strings_(v)
			if !ok || len(list) == 0 {
				bad(key, "a non-empty list of strings")
			}
			if key == "ssrf_headers" {
				c.ssrfHeaders = list
			} else {
				c.ssrfEnv = list
			}
		case "path_prefix":
			s, ok := v.(string)
			if !ok || !strings.HasPrefix(s, "/") {
				bad(key, `a string beginning with "/"`)
			}
			c.pathPrefix = s
		case "region":
			s, ok := v.(string)
			if !ok {
				bad(key, "a string")
			}
			c.region = s
		case "ignore_transient_errors", "validate_credentials":
			b, ok := v.(bool)
			if !ok {
				bad(key, "true or false")
			}
			if key == "ignore_transient_errors" {
				c.ignoreTransient = b
			} else {
				c.validateCredentials = b
			}
		case "credentials_file_path":
			s, ok := v.(string)
			if !ok || s == "" {
				bad(key, "a file path")
			}
			c.credentialsFile = s
		// Keys of ours, beyond the AWS agent's.
		case "stale_if_error_seconds":
			if n, ok := number(v); ok && n >= 0 {
				c.staleIfError = time.Duration(n) * time.Second
			} else {
				bad(key, "seconds, 0 or more")
			}
		case "endpoint_url":
			s, ok := v.(string)
			if !ok {
				bad(key, "a URL")
			}
			c.endpoint = s
		default:
			errs = append(errs, fmt.Errorf("%s: unknown key %q (known: log_level, log_to_file, http_port, region, ttl_seconds, cache_size, max_conn, ssrf_headers, ssrf_env_variables, path_prefix, ignore_transient_errors, validate_credentials, credentials_file_path, stale_if_error_seconds, endpoint_url)", path, key))
		}
	}
	return errors.Join(errs...)
}

// number reads a TOML integer, or a string holding one (the AWS agent's file has both).
func number(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func strings_(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok || s == "" {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func setInt(dst *int, v string, lo, hi int) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return errors.New("not an integer")
	}
	if n < lo || n > hi {
		return fmt.Errorf("%d is out of the range %d to %d", n, lo, hi)
	}
	*dst = n
	return nil
}

// setDuration reads a bare number in unit, or a Go duration ("90s"), up to hi.
func setDuration(dst *time.Duration, s string, unit, hi time.Duration) error {
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		d = time.Duration(n) * unit
	} else if d, err = time.ParseDuration(s); err != nil {
		return errors.New("want a number or a Go duration like 5m")
	}
	if d < 0 || d > hi {
		return fmt.Errorf("%s is out of the range 0 to %s", d, hi)
	}
	*dst = d
	return nil
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

// readToken returns the SSRF token from the first of names that is set; a value
// "file://PATH" is read from that file (as the AWS Secrets Manager Agent does).
func readToken(names []string, getenv func(string) string) (string, error) {
	for _, name := range names {
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
	return "", fmt.Errorf("no SSRF token: set one of %s to the value clients send in %s", strings.Join(names, ", "), TokenHeader)
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError, "none": slog.LevelError + 100}

func newLogger(level string, w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: logLevels[strings.ToLower(level)]}))
}
