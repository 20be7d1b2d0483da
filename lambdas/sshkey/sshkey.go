package sshkey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Environment variables of the rotation function.
const (
	// EnvStrategy chooses how authorized_keys is changed: "single" (the user logs in with
	// its own key) or "alternating" (the master secret's account logs in). "auto" (the
	// secret's masterarn decides) is accepted with a warning. Required: the function's
	// configuration, not the secret, decides whether a master credential is used.
	EnvStrategy = rotation.EnvStrategy
	// EnvAllowedTargets lists, per host, the accounts whose authorized_keys the master
	// account may change: a JSON object {"host[:port]": ["user", ...]} (port 22 when
	// absent). Required by the alternating strategy; in single user mode it is optional
	// and, when set, limits the hosts and users too.
	EnvAllowedTargets = "SSHKEY_ALLOWED_TARGETS"
	// EnvAuthorizedKeysFile is the authorized_keys path the master account changes, as
	// sshd_config's AuthorizedKeysFile (%h, %u, %%; relative to the home directory);
	// ".ssh/authorized_keys" by default. It must lie inside the account's home. A secret's
	// authorized_keys field that differs is refused in alternating mode.
	EnvAuthorizedKeysFile = "SSHKEY_AUTHORIZED_KEYS_FILE"
	// EnvMaxParallel bounds how many hosts are worked on at once (default 10).
	EnvMaxParallel = "SSH_MAX_PARALLEL"
	// EnvConnectTimeout bounds the TCP connection and SSH handshake with one host, as a Go
	// duration ("10s", the default) or seconds.
	EnvConnectTimeout = "SSH_CONNECT_TIMEOUT"
	// EnvHostTimeout bounds everything done on one host in one step (default 60s).
	EnvHostTimeout = "SSH_HOST_TIMEOUT"
	// EnvRemoveOldKey says when a replaced key leaves authorized_keys: "next_rotation"
	// (the default: the previous key keeps working until the next rotation's
	// finishSecret, like AWSPREVIOUS) or "immediately" (in this rotation's finishSecret).
	EnvRemoveOldKey = "SSH_REMOVE_OLD_KEY"
)

// Strategy is who logs in to change authorized_keys.
type Strategy string

// The strategies.
const (
	// Single: the user, with its current key (or the pending or previous one).
	Single Strategy = "single"
	// Alternating: the master secret's account (masterarn), on the accounts and hosts
	// that AllowedTargets lists.
	Alternating Strategy = "alternating"
	// Auto: alternating when the secret has a masterarn, else single. Only by explicit
	// choice: whoever writes the secret then chooses the strategy.
	Auto Strategy = "auto"
)

// ParseStrategy reads a ROTATION_STRATEGY value (the AWS samples' names are accepted
// too). Empty is an error: the strategy must be chosen.
func ParseStrategy(v string) (Strategy, error) {
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%s is not set: set it to single or alternating (the function's configuration, not the secret, chooses whether a master secret is used)", EnvStrategy)
	}
	m, err := rotation.ParseMode(v)
	if err != nil {
		return "", err
	}
	switch m {
	case rotation.ModeSingle:
		return Single, nil
	case rotation.ModeAlternating:
		return Alternating, nil
	}
	return Auto, nil
}

// RemoveOldKey is when a replaced key is removed from the hosts.
type RemoveOldKey string

const (
	// RemoveAtNextRotation keeps the current and the previous key: a rotation's
	// finishSecret removes the key two generations old.
	RemoveAtNextRotation RemoveOldKey = "next_rotation"
	// RemoveImmediately keeps only the new key: finishSecret removes the key it replaced.
	RemoveImmediately RemoveOldKey = "immediately"
)

// Options configure a Rotator. Zero values take the defaults, but Strategy is required.
type Options struct {
	Strategy Strategy
	// AllowedTargets: the accounts per host the master may change (see EnvAllowedTargets).
	AllowedTargets Targets
	// AuthorizedKeysFile is the path template the master changes; DefaultAuthorizedKeys.
	AuthorizedKeysFile string
	MaxParallel        int           // hosts worked on at once; 10
	ConnectTimeout     time.Duration // TCP connection and SSH handshake; 10s
	HostTimeout        time.Duration // everything done on one host in one step; 60s
	RemoveOldKey       RemoveOldKey  // RemoveAtNextRotation
}

// OptionsFromEnv reads the variables above through lookup (os.LookupEnv).
func OptionsFromEnv(lookup func(string) (string, bool)) (Options, error) {
	var o Options
	var errs []error
	v, _ := lookup(EnvStrategy)
	var err error
	if o.Strategy, err = ParseStrategy(v); err != nil {
		errs = append(errs, err)
	}
	if v, ok := lookup(EnvAllowedTargets); ok && strings.TrimSpace(v) != "" {
		if o.AllowedTargets, err = ParseTargets(v); err != nil {
			errs = append(errs, err)
		}
	}
	if v, ok := lookup(EnvAuthorizedKeysFile); ok {
		o.AuthorizedKeysFile = strings.TrimSpace(v)
	}
	if v, ok := lookup(EnvMaxParallel); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive number of hosts", EnvMaxParallel, v))
		}
		o.MaxParallel = n
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{EnvConnectTimeout, &o.ConnectTimeout}, {EnvHostTimeout, &o.HostTimeout}} {
		v, ok := lookup(d.name)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		v = strings.TrimSpace(v)
		dur, err := time.ParseDuration(v)
		if err != nil {
			var secs float64
			secs, err = strconv.ParseFloat(v, 64)
			dur = time.Duration(secs * float64(time.Second))
		}
		if err != nil || dur <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 10s", d.name, v))
		}
		*d.dst = dur
	}
	if v, ok := lookup(EnvRemoveOldKey); ok && strings.TrimSpace(v) != "" {
		switch m := RemoveOldKey(strings.ToLower(strings.TrimSpace(v))); m {
		case RemoveAtNextRotation, RemoveImmediately:
			o.RemoveOldKey = m
		default:
			errs = append(errs, fmt.Errorf("%s=%q: want %s or %s", EnvRemoveOldKey, v, RemoveAtNextRotation, RemoveImmediately))
		}
	}
	return o, errors.Join(errs...)
}

// Rotator is the SSH key rotation strategy (rotation.Strategy and rotation.Finisher).
type Rotator struct {
	opts Options
	err  error // a configuration error (FromEnv), returned by every step
}

var (
	_ rotation.Strategy = (*Rotator)(nil)
	_ rotation.Finisher = (*Rotator)(nil)
)

// New checks the options and returns a rotator.
func New(opts Options) (*Rotator, error) {
	switch opts.Strategy {
	case Single, Auto:
	case Alternating:
		if len(opts.AllowedTargets) == 0 {
			return nil, fmt.Errorf("the alternating strategy needs %s: the hosts and accounts the master secret may change ({\"host[:port]\": [\"user\", ...]})", EnvAllowedTargets)
		}
	case "":
		return nil, fmt.Errorf("no strategy: set %s to single or alternating", EnvStrategy)
	default:
		return nil, fmt.Errorf("strategy %q: want %s, %s or %s", opts.Strategy, Single, Alternating, Auto)
	}
	if opts.MaxParallel <= 0 {
		opts.MaxParallel = 10
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.HostTimeout <= 0 {
		opts.HostTimeout = 60 * time.Second
	}
	switch opts.RemoveOldKey {
	case "":
		opts.RemoveOldKey = RemoveAtNextRotation
	case RemoveAtNextRotation, RemoveImmediately:
	default:
		return nil, fmt.Errorf("%s=%q: want %s or %s", EnvRemoveOldKey, opts.RemoveOldKey, RemoveAtNextRotation, RemoveImmediately)
	}
	if opts.AuthorizedKeysFile == "" {
		opts.AuthorizedKeysFile = DefaultAuthorizedKeys
	}
	if err := checkPathTemplate(opts.AuthorizedKeysFile); err != nil {
		return nil, fmt.Errorf("%s: %w", EnvAuthorizedKeysFile, err)
	}
	return &Rotator{opts: opts}, nil
}

// FromEnv returns a rotator configured by the environment (OptionsFromEnv). It never
// fails: a configuration error is returned by every step instead, so that it shows in
// the rotation's error and the function's log rather than as a runtime crash.
func FromEnv(lookup func(string) (string, bool)) *Rotator {
	opts, err := OptionsFromEnv(lookup)
	if err == nil {
		var r *Rotator
		if r, err = New(opts); err == nil {
			return r
		}
	}
	return &Rotator{err: fmt.Errorf("rotation function configuration: %w", err)}
}

// Options returns the rotator's options, defaults applied.
func (r *Rotator) Options() Options { return r.opts }

// Comment is the comment of the public keys the rotator makes: the secret's ARN and the
// version, so that a key in an authorized_keys file says where it comes from.
func Comment(secretARN, versionID string) string { return commentPrefix(secretARN) + versionID }

func commentPrefix(secretARN string) string { return "secretsmanager:" + secretARN + ":" }

// NewPending makes a new key pair of the secret's key_type (createSecret).
func (r *Rotator) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	if r.err != nil {
		return nil, r.err
	}
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseSecret(cur)
	if err != nil {
		return nil, fmt.Errorf("current secret: %w", err)
	}
	kp, err := GenerateKey(cfg.KeyType, cfg.KeyBits, Comment(run.ARN(), run.Token()))
	if err != nil {
		return nil, err
	}
	pending := rotation.NewSecret()
	pending.SetString(cfg.privField, kp.PrivateKeyPEM)
	pending.SetString(cfg.pubField, kp.AuthorizedKey())
	// The keys a later finishSecret removes: this one's predecessor, and (for a cleanup
	// that failed on some host) the one before.
	replaced := []string{authorizedKeyLine(cfg.PublicKey(), "")}
	for _, k := range cfg.Replaced {
		if len(replaced) < 2 && !sameKey(k, cfg.PublicKey()) {
			replaced = append(replaced, authorizedKeyLine(k, ""))
		}
	}
	pending.SetString(FieldReplacedPublicKeys, strings.Join(replaced, "\n"))
	run.Logger().Info("new key pair", "key_type", string(cfg.KeyType), "fingerprint", fingerprint(kp.PublicKey),
		"replaces", fingerprint(cfg.PublicKey()))
	return pending, nil
}

// login says how to log in to the hosts for changing authorized_keys.
type login struct {
	user        string
	signers     []ssh.Signer
	fallback    func(context.Context) ([]ssh.Signer, error) // more keys, when signers are refused
	sftpCommand string
	// strict: another account edits the user's file, by sshd's StrictModes rules and
	// without following symbolic links (openStrict); else the user edits its own file.
	strict bool
	// allowed, when set, refuses a host or account before connecting.
	allowed  func(h Host, user string) error
	hostKeys *hostKeyChecker
	mode     string // for logs: "single user" or "master <user>"
}

// alternating says whether the secret is rotated by its master secret: the configured
// strategy decides, the secret only under Auto.
func (r *Rotator) alternating(run *rotation.Run, c *Config) (bool, error) {
	switch r.opts.Strategy {
	case Alternating:
		if c.MasterARN == "" {
			return false, &rotation.FieldError{Field: FieldMasterARN, Problem: fmt.Sprintf("is missing: %s=alternating rotates with a master secret", EnvStrategy)}
		}
		return true, nil
	case Auto:
		run.Logger().Warn("the secret's masterarn chooses the strategy (ROTATION_STRATEGY=auto): whoever can write the secret chooses whether the master secret is used; set single or alternating",
			"alternating", c.MasterARN != "")
		return c.MasterARN != "", nil
	}
	if c.MasterARN != "" {
		run.Logger().Warn("the secret's masterarn is ignored: ROTATION_STRATEGY is single")
	}
	return false, nil
}

// loginFor says how to log in to change the authorized_keys of target; first are the
// user's keys to try in single user mode.
func (r *Rotator) loginFor(ctx context.Context, run *rotation.Run, target *Config, first []ssh.Signer) (*login, error) {
	alt, err := r.alternating(run, target)
	if err != nil {
		return nil, err
	}
	if alt {
		return r.masterLogin(ctx, run, target)
	}
	return r.singleLogin(run, target, first)
}

// connect logs in with l's keys, then with its fallback keys if the host refused them.
func (r *Rotator) connect(ctx context.Context, h Host, l *login) (*conn, error) {
	c, err := dial(ctx, h, l.user, l.signers, l.hostKeys, r.opts.ConnectTimeout)
	if err == nil || l.fallback == nil || !strings.Contains(err.Error(), "unable to authenticate") {
		return c, err
	}
	more, ferr := l.fallback(ctx)
	if ferr != nil {
		return nil, err // no previous key: the first error is the one that matters
	}
	c, err2 := dial(ctx, h, l.user, more, l.hostKeys, r.opts.ConnectTimeout)
	if err2 != nil {
		return nil, fmt.Errorf("%w; with the previous secret's key: %w", err, err2)
	}
	return c, nil
}

// editHost logs in to h and applies the edit to the user's authorized_keys.
func (r *Rotator) editHost(ctx context.Context, h Host, l *login, target *Config, e Edit) (EditResult, string, error) {
	if l.allowed != nil {
		if err := l.allowed(h, target.Username); err != nil {
			return EditResult{}, "", err
		}
	}
	c, err := r.connect(ctx, h, l)
	if err != nil {
		return EditResult{}, "", err
	}
	defer c.Close()
	sc, closeSFTP, err := c.sftpClient(l.sftpCommand)
	if err != nil {
		return EditResult{}, "", err
	}
	defer closeSFTP()
	tmpl := target.AuthorizedKeys
	if tmpl == "" {
		tmpl = r.opts.AuthorizedKeysFile
	}
	var kf *keysFile
	if l.strict {
		kf, err = openStrict(sc, tmpl, target.Username)
	} else {
		kf, err = openOwn(sc, tmpl, target.Username)
	}
	if err != nil {
		return EditResult{}, "", err
	}
	res, err := kf.edit(e)
	if err != nil {
		return EditResult{}, kf.path, fmt.Errorf("update %s: %w", kf.path, err)
	}
	return res, kf.path, nil
}

// Set adds the pending public key to the user's authorized_keys on every host
// (setSecret), logged in as the user with the current key (single user) or as the master
// secret's account (alternating). The current key stays. A retried Set changes nothing
// where the key is already present.
func (r *Rotator) Set(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	cur, pending, err := r.currentAndPending(ctx, run)
	if err != nil {
		return err
	}
	// Single user: the current key, or the pending one (a host where a retried step had
	// already installed it, and the current key was lost), then the previous one.
	l, err := r.loginFor(ctx, run, pending, []ssh.Signer{cur.Signer, pending.Signer})
	if err != nil {
		return err
	}
	e := Edit{Add: pending.PublicKey(), AddComment: Comment(run.ARN(), run.Token()), OptionsFrom: cur.PublicKey()}
	return r.forEachHost(ctx, run, "add the new public key", pending.Hosts, func(ctx context.Context, h Host) (string, error) {
		res, p, err := r.editHost(ctx, h, l, pending, e)
		if err != nil {
			return "", err
		}
		if res.Present {
			return fmt.Sprintf("key already in %s (%s)", p, l.mode), nil
		}
		return fmt.Sprintf("key added to %s (%s)", p, l.mode), nil
	})
}

// Test logs in to every host as the user with the pending key alone and runs "true"
// (testSecret).
func (r *Rotator) Test(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	p, err := run.Pending(ctx)
	if err != nil {
		return err
	}
	pending, err := ParseSecret(p)
	if err != nil {
		return fmt.Errorf("pending secret: %w", err)
	}
	// The host keys that setSecret trusted: the master secret's too when it logged in.
	alt, err := r.alternating(run, pending)
	if err != nil {
		return err
	}
	var hk *hostKeyChecker
	if alt {
		_, hk, err = r.master(ctx, run, pending)
	} else if hk, err = newHostKeyChecker(pending.KnownHosts); err != nil {
		err = fmt.Errorf("known_hosts: %w", err)
	}
	if err != nil {
		return err
	}
	return r.forEachHost(ctx, run, "log in with the new key", pending.Hosts, func(ctx context.Context, h Host) (string, error) {
		c, err := dial(ctx, h, pending.Username, []ssh.Signer{pending.Signer}, hk, r.opts.ConnectTimeout)
		if err != nil {
			return "", err
		}
		defer c.Close()
		if err := c.run("true"); err != nil {
			return "", err
		}
		return "logged in with the new key and ran true", nil
	})
}

// Finish removes the key that is no longer current or previous from every host (or,
// with RemoveImmediately, every key but the current one that this secret installed or
// replaced). It runs after AWSCURRENT moved: the Run's Current is the new key, Previous
// the one it replaced.
func (r *Rotator) Finish(ctx context.Context, run *rotation.Run) error {
	if r.err != nil {
		return r.err
	}
	c, err := run.Current(ctx)
	if err != nil {
		return err
	}
	cur, err := ParseSecret(c)
	if err != nil {
		return fmt.Errorf("new current secret: %w", err)
	}
	keep := []ssh.PublicKey{cur.PublicKey()}
	var remove []ssh.PublicKey
	var prevSigner []ssh.Signer
	if p, err := run.Previous(ctx); err == nil {
		prev, err := ParseKey(p)
		if err != nil {
			return fmt.Errorf("previous secret: %w", err)
		}
		prevSigner = []ssh.Signer{prev.Signer}
		remove = append(remove, prev.Replaced...)
		if r.opts.RemoveOldKey == RemoveImmediately {
			remove = append(remove, prev.PublicKey())
		} else {
			keep = append(keep, prev.PublicKey())
		}
	} else if !errors.Is(err, rotation.ErrNotFound) {
		return err
	}
	l, err := r.loginFor(ctx, run, cur, append([]ssh.Signer{cur.Signer}, prevSigner...))
	if err != nil {
		return err
	}
	l.fallback = nil // the previous key is offered already
	marker := commentPrefix(run.ARN())
	e := Edit{Remove: func(k ssh.PublicKey, comment string) bool {
		if slices.ContainsFunc(keep, func(x ssh.PublicKey) bool { return sameKey(x, k) }) {
			return false
		}
		// Keys this secret installed (a rotation abandoned after setSecret leaves one) and
		// the keys the previous version replaced (the first key, set by hand, is among them).
		return strings.HasPrefix(comment, marker) || slices.ContainsFunc(remove, func(x ssh.PublicKey) bool { return sameKey(x, k) })
	}}
	return r.forEachHost(ctx, run, "remove the old public key", cur.Hosts, func(ctx context.Context, h Host) (string, error) {
		res, p, err := r.editHost(ctx, h, l, cur, e)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d old key line(s) removed from %s (%s)", res.Removed, p, l.mode), nil
	})
}

func (r *Rotator) currentAndPending(ctx context.Context, run *rotation.Run) (*Config, *Config, error) {
	c, err := run.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	cur, err := ParseKey(c)
	if err != nil {
		return nil, nil, fmt.Errorf("current secret: %w", err)
	}
	p, err := run.Pending(ctx)
	if err != nil {
		return nil, nil, err
	}
	pending, err := ParseSecret(p)
	if err != nil {
		return nil, nil, fmt.Errorf("pending secret: %w", err)
	}
	return cur, pending, nil
}

// HostError is the failure of one host.
type HostError struct {
	Host Host
	Err  error
}

func (e *HostError) Error() string { return fmt.Sprintf("host %s: %v", e.Host, e.Err) }
func (e *HostError) Unwrap() error { return e.Err }

// HostsError lists the hosts that failed in a step; the others succeeded.
type HostsError struct {
	Action string
	Total  int
	Failed []*HostError // in the secret's order
}

func (e *HostsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d hosts failed: ", e.Action, len(e.Failed), e.Total)
	for i, f := range e.Failed {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	return b.String()
}

func (e *HostsError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f
	}
	return errs
}

// forEachHost runs fn on every host, at most MaxParallel at once, each bounded by
// HostTimeout, and logs one line per host. It returns a *HostsError naming every host
// that failed.
func (r *Rotator) forEachHost(ctx context.Context, run *rotation.Run, action string, hosts []Host, fn func(context.Context, Host) (string, error)) error {
	errs := make([]error, len(hosts))
	sem := make(chan struct{}, r.opts.MaxParallel)
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = fmt.Errorf("not started: %w", ctx.Err())
				return
			}
			defer func() { <-sem }()
			start := time.Now()
			hctx, cancel := context.WithTimeout(ctx, r.opts.HostTimeout)
			defer cancel()
			detail, err := fn(hctx, h)
			attrs := []any{"host", h.Addr(), "action", action, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
			if err != nil {
				errs[i] = err
				run.Logger().Error("ssh host", append(attrs, "outcome", "failed", "error", err.Error())...)
				return
			}
			run.Logger().Info("ssh host", append(attrs, "outcome", "succeeded", "detail", detail)...)
		}()
	}
	wg.Wait()
	he := &HostsError{Action: action, Total: len(hosts)}
	for i, err := range errs {
		if err != nil {
			he.Failed = append(he.Failed, &HostError{Host: hosts[i], Err: err})
		}
	}
	if len(he.Failed) > 0 {
		return he
	}
	return nil
}

// Format prints a Config without its key (fmt verbs show the hosts, user and key type).
func (c Config) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "sshkey.Config{Hosts:%v Username:%s KeyType:%s}", c.Hosts, c.Username, c.KeyType)
}

// Format prints a Master without its key.
func (m Master) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "sshkey.Master{Username:%s SFTPCommand:%q}", m.Username, m.SFTPCommand)
}

// LogValue keeps slog from printing a Config's key.
func (c Config) LogValue() slog.Value {
	hosts := make([]string, len(c.Hosts))
	for i, h := range c.Hosts {
		hosts[i] = h.Addr()
	}
	return slog.GroupValue(slog.Any("hosts", hosts), slog.String("username", c.Username), slog.String("key_type", string(c.KeyType)))
}

// LogValue keeps slog from printing a Master's key.
func (m Master) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", m.Username), slog.String("sftp_command", m.SFTPCommand))
}
