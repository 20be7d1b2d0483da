package apikey

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/seed-8d6ff4c2/terraform-provider-secretsmanager/lambdas/rotation"
)

// Fields of an API key secret.
const (
	// FieldAPIKey holds the key (the value clients present).
	FieldAPIKey = "api_key"
	// FieldKeyID holds the service's id of the key, used to revoke it.
	FieldKeyID = "key_id"
	// FieldPreviousKeyID holds the id of the key this one replaced. It is revoked at
	// finishSecret (immediate) or at the start of the next rotation (overlap).
	FieldPreviousKeyID = "previous_key_id"
	// FieldConfig is an optional object of rotation settings (see the package
	// documentation); each setting falls back to an APIKEY_* environment variable.
	FieldConfig = "rotation"
)

// RevokeMode says when the key a rotation replaces is revoked.
type RevokeMode string

const (
	// RevokeImmediate revokes the replaced key at finishSecret, once the new key is
	// AWSCURRENT: at most two keys are active, only during a rotation.
	RevokeImmediate RevokeMode = "immediate"
	// RevokeOverlap keeps the replaced key (AWSPREVIOUS) working until the next rotation,
	// which revokes it before creating its own key: two keys are active between rotations,
	// never more, for services that allow two active keys.
	RevokeOverlap RevokeMode = "overlap"
)

// Settings read by the strategy itself (the HTTP contract's settings are in httpservice.go).
const (
	SettingRevokeMode     = "revoke_mode"
	SettingMasterKeyField = "master_key_field"
)

// Key is an API key: the service's id for it and its value. It prints and logs without
// its value.
type Key struct {
	ID    string
	Value string
}

func (k Key) String() string { return fmt.Sprintf("apikey.Key{ID:%q}", k.ID) }

// Format implements fmt.Formatter: never the value.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue implements slog.LogValuer: never the value.
func (k Key) LogValue() slog.Value { return slog.GroupValue(slog.String("id", k.ID)) }

// Credential authenticates a request that manages keys: the current key of the secret
// being rotated, or (alternating mode) the credential of the master secret named by
// masterarn. It prints and logs without its value.
type Credential struct {
	Value string
	// Master is true for the master secret's credential.
	Master bool
}

func (c Credential) String() string {
	if c.Master {
		return "apikey.Credential{master secret}"
	}
	return "apikey.Credential{current key}"
}

// Format implements fmt.Formatter: never the value.
func (c Credential) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue implements slog.LogValuer: never the value.
func (c Credential) LogValue() slog.Value { return slog.StringValue(c.String()) }

// CreateRequest is what Service.Create gets.
type CreateRequest struct {
	// Credential authenticates the request.
	Credential Credential
	// Token is the rotation's ClientRequestToken: the same for every attempt of one
	// rotation (a retried createSecret, a rotation Secrets Manager tries again), different
	// for the next rotation. A service that supports idempotent creation should send it
	// (an Idempotency-Key header, a client token, a key name), so that an attempt that
	// created a key but crashed before the key was stored gets the same key back instead
	// of leaking one.
	Token string
	// Replaces is the id of the current key, which the new key replaces.
	Replaces string
}

// Service is one API key service: what a service-specific rotator implements. The
// rotator (NewWithService) runs it on the rotation engine; the HTTP contract (NewHTTPService)
// is one implementation.
//
// Errors should say what failed and why (the service's status and message), never a key
// value.
type Service interface {
	// Create makes a new, active key, authenticated with req.Credential.
	Create(ctx context.Context, req CreateRequest) (Key, error)
	// Test checks that the service accepts key.
	Test(ctx context.Context, key Key) error
	// Revoke revokes the key with the given id, authenticated with cred. A key that is
	// already revoked or unknown is not an error: Revoke is repeated after failures.
	Revoke(ctx context.Context, cred Credential, keyID string) error
}

// Binder is implemented by services whose settings come partly from the secret (the
// HTTP contract reads the "rotation" object). The strategy calls Bind with the secret of
// each step (the current one in createSecret, the pending one in testSecret, the new
// current one in finishSecret) and uses the Service it returns. Bind should check every
// setting, so that a bad configuration fails before a key is created.
type Binder interface {
	Bind(ctx context.Context, secret *rotation.Secret) (Service, error)
}

// OrphanReclaimer is implemented by services that can find the keys an earlier attempt of
// the same rotation created but could not store (the function crashed, or PutSecretValue
// failed, after Create). The strategy calls it in createSecret before Create; it revokes
// those keys and returns their ids. Services whose Create is idempotent on the token do
// not need it.
type OrphanReclaimer interface {
	ReclaimOrphans(ctx context.Context, cred Credential, token string) (revoked []string, err error)
}

// Strategy is whose credential manages the keys.
type Strategy string

// The strategies, chosen by ROTATION_STRATEGY (rotation.EnvStrategy).
const (
	// Single: the secret's own current key creates its successor and revokes its
	// predecessor; a masterarn in the secret is ignored.
	Single Strategy = "single"
	// Alternating: the master secret's credential (masterarn) creates and revokes keys.
	// It goes only to the hosts APIKEY_ALLOWED_HOSTS lists.
	Alternating Strategy = "alternating"
	// Auto: alternating when the secret has a masterarn. Only by explicit choice, with a
	// warning: whoever writes the secret then chooses whether the master is used.
	Auto Strategy = "auto"
)

// ParseStrategy reads a ROTATION_STRATEGY value (the AWS samples' names are accepted
// too). Empty is an error: the strategy must be chosen.
func ParseStrategy(v string) (Strategy, error) {
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%s is not set: set it to single or alternating (the function's configuration, not the secret, chooses whether a master secret is used)", rotation.EnvStrategy)
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

// Options configure a Rotator.
type Options struct {
	// Strategy is required (see ParseStrategy).
	Strategy Strategy
	// RevokeMode is the mode when neither the secret's "rotation" object nor
	// APIKEY_REVOKE_MODE sets one; RevokeImmediate when empty.
	RevokeMode RevokeMode
	// MasterKeyField is the field of the master secret holding its credential, when
	// neither the secret nor APIKEY_MASTER_KEY_FIELD sets one; "api_key" when empty.
	MasterKeyField string
	// LookupEnv replaces os.LookupEnv for the APIKEY_* variables (tests).
	LookupEnv func(string) (string, bool)
	// Client replaces the HTTP client of the HTTP contract, built from the environment
	// (system roots plus APIKEY_CA_BUNDLE, no redirects). It must verify TLS.
	Client *http.Client
}

// OptionsFromEnv reads ROTATION_STRATEGY through lookup (os.LookupEnv), which also
// serves the APIKEY_* settings each step reads.
func OptionsFromEnv(lookup func(string) (string, bool)) (Options, error) {
	v, _ := lookup(rotation.EnvStrategy)
	st, err := ParseStrategy(v)
	return Options{Strategy: st, LookupEnv: lookup}, err
}

// Rotator rotates API keys on the rotation engine: a rotation.Strategy and
// rotation.Finisher.
//
//   - createSecret: reads the current secret (api_key, key_id, previous_key_id, masterarn);
//     revokes previous_key_id if set (in overlap mode a failure stops the rotation; in
//     immediate mode it only repeats the cleanup of the last rotation, and a failure is
//     logged); lets an OrphanReclaimer revoke keys an earlier attempt of this rotation
//     created; creates the new key with the current key or (alternating) the master
//     credential and the rotation token; the pending secret is the current one with
//     api_key, key_id and previous_key_id (the current key_id) replaced.
//   - setSecret: nothing; the service made the key in createSecret.
//   - testSecret: Service.Test with the pending key.
//   - finishSecret: in immediate mode, revokes previous_key_id, authenticated with the
//     new key or the master credential.
type Rotator struct {
	svc  Service
	opts Options
	err  error // a configuration error (FromEnv), returned by every step
}

var (
	_ rotation.Strategy = (*Rotator)(nil)
	_ rotation.Finisher = (*Rotator)(nil)
)

// New returns the rotator of the HTTP contract (NewHTTPService).
func New(opts Options) (*Rotator, error) {
	return NewWithService(NewHTTPService(opts), opts)
}

// NewWithService returns the rotator for a service-specific svc. If svc implements
// Binder, the Service that Bind returns for each step's secret is used.
func NewWithService(svc Service, opts Options) (*Rotator, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.RevokeMode == "" {
		opts.RevokeMode = RevokeImmediate
	}
	if opts.MasterKeyField == "" {
		opts.MasterKeyField = FieldAPIKey
	}
	switch opts.Strategy {
	case Single, Auto:
	case Alternating:
		if mg, ok := svc.(masterGuard); ok {
			if err := mg.masterAllowed(); err != nil {
				return nil, err
			}
		}
	case "":
		return nil, fmt.Errorf("no strategy: set %s to single or alternating", rotation.EnvStrategy)
	default:
		return nil, fmt.Errorf("strategy %q: want %s, %s or %s", opts.Strategy, Single, Alternating, Auto)
	}
	return &Rotator{svc: svc, opts: opts}, nil
}

// FromEnv returns the HTTP contract's rotator configured by the environment. It never
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

// masterGuard is a Service that sends the master credential only where the function's
// configuration allows (the HTTP contract: APIKEY_ALLOWED_HOSTS).
type masterGuard interface {
	masterAllowed() error
}

type loggerKey struct{}

// Logger returns the logger of the rotation step that ctx belongs to (the step's
// rotation.Run logger, which scrubs known secret values), or a logger that discards
// everything. Service implementations log through it; never log a key value.
func Logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// keySecret is the typed view of an API key secret.
type keySecret struct {
	which  string // "current", "pending"
	key    string
	keyID  string
	prevID string
	master string // masterarn, "" in single-key mode
	mode   RevokeMode
	field  string // master_key_field
	svc    Service
}

func (s *Rotator) parse(ctx context.Context, sec *rotation.Secret, which string) (*keySecret, error) {
	ks := &keySecret{which: which}
	var err error
	if ks.key, err = sec.GetString(FieldAPIKey); err != nil {
		return nil, fmt.Errorf("%s secret: %w", which, err)
	}
	if ks.key == "" {
		return nil, fmt.Errorf("%s secret: %w", which, &rotation.FieldError{Field: FieldAPIKey, Problem: "is empty"})
	}
	if strings.ContainsFunc(ks.key, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, fmt.Errorf("%s secret: %w", which, &rotation.FieldError{Field: FieldAPIKey, Problem: "contains a control character, which cannot be sent in an HTTP header"})
	}
	if ks.keyID, err = sec.GetString(FieldKeyID); err != nil {
		return nil, fmt.Errorf("%s secret: %w (the id of the key is needed to revoke it when it is replaced; it is what the service's create answer calls the key's id)", which, err)
	}
	if ks.keyID == "" {
		return nil, fmt.Errorf("%s secret: %w", which, &rotation.FieldError{Field: FieldKeyID, Problem: "is empty"})
	}
	if ks.prevID, err = sec.StringOr(FieldPreviousKeyID, ""); err != nil {
		return nil, fmt.Errorf("%s secret: %w", which, err)
	}
	if ks.master, err = sec.StringOr(rotation.FieldMasterARN, ""); err != nil {
		return nil, fmt.Errorf("%s secret: %w", which, err)
	}
	st, err := newSettings(sec, s.opts.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s secret: %w", which, err)
	}
	mode, err := st.oneOf(SettingRevokeMode, string(s.opts.RevokeMode), string(RevokeImmediate), string(RevokeOverlap))
	if err != nil {
		return nil, err
	}
	ks.mode = RevokeMode(mode)
	if ks.field, _, err = st.str(SettingMasterKeyField, s.opts.MasterKeyField); err != nil {
		return nil, err
	}
	ks.svc = s.svc
	if b, ok := s.svc.(Binder); ok {
		if ks.svc, err = b.Bind(ctx, sec); err != nil {
			return nil, err
		}
	}
	return ks, nil
}

// credential is what manages keys for the secret: the master secret's credential in
// the alternating strategy, else the secret's own key.
func (s *Rotator) credential(ctx context.Context, run *rotation.Run, ks *keySecret) (Credential, error) {
	switch s.opts.Strategy {
	case Alternating:
		if ks.master == "" {
			return Credential{}, &rotation.FieldError{Field: rotation.FieldMasterARN, Problem: fmt.Sprintf("is missing: %s=alternating manages keys with a master secret", rotation.EnvStrategy)}
		}
		return s.masterCredential(ctx, run, ks)
	case Auto:
		run.Logger().WarnContext(ctx, "the secret's masterarn chooses the strategy (ROTATION_STRATEGY=auto): whoever can write the secret chooses whether the master secret is used; set single or alternating",
			"alternating", ks.master != "")
		if ks.master != "" {
			return s.masterCredential(ctx, run, ks)
		}
	default:
		if ks.master != "" {
			run.Logger().WarnContext(ctx, "the secret's masterarn is ignored: ROTATION_STRATEGY is single")
		}
	}
	return Credential{Value: ks.key}, nil
}

// credentialName names a credential for logs and errors; own is what the secret's own key
// is at this step ("current key", or "new key" in finishSecret).
func credentialName(c Credential, own string) string {
	if c.Master {
		return "master secret"
	}
	return own
}

// NewPending creates the new key (createSecret).
func (s *Rotator) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
	if s.err != nil {
		return nil, s.err
	}
	ctx = withLogger(ctx, run.Logger())
	cur, err := run.Current(ctx)
	if err != nil {
		return nil, err
	}
	ks, err := s.parse(ctx, cur, "current")
	if err != nil {
		return nil, err
	}
	cred, err := s.credential(ctx, run, ks)
	if err != nil {
		return nil, err
	}
	log := run.Logger()
	if ks.prevID != "" && ks.prevID != ks.keyID {
		// Overlap: the key before the current one has had its rotation of grace. Revoke it
		// before creating a key, so that no more than two keys are ever active. Immediate:
		// finishSecret revoked it already; repeating it costs a request and redoes a
		// cleanup that failed.
		if err := ks.svc.Revoke(ctx, cred, ks.prevID); err != nil {
			if ks.mode == RevokeOverlap {
				return nil, fmt.Errorf("revoke the key before the current one (%s %s), before creating a new key; no key was created: %w", FieldPreviousKeyID, ks.prevID, err)
			}
			log.WarnContext(ctx, "could not confirm that the key replaced by the last rotation is revoked; continuing",
				"previous_key_id", ks.prevID, "error", err.Error())
		} else {
			log.InfoContext(ctx, "api key revoked", "key_id", ks.prevID, "reason", "replaced by the last rotation", "mode", string(ks.mode))
		}
	}
	if r, ok := ks.svc.(OrphanReclaimer); ok {
		ids, err := r.ReclaimOrphans(ctx, cred, run.Token())
		if err != nil {
			return nil, fmt.Errorf("look for keys an earlier attempt of this rotation created; no key was created: %w", err)
		}
		if len(ids) > 0 {
			log.WarnContext(ctx, "revoked keys that an earlier attempt of this rotation created but did not store", "key_ids", ids)
		}
	}
	key, err := ks.svc.Create(ctx, CreateRequest{Credential: cred, Token: run.Token(), Replaces: ks.keyID})
	if err != nil {
		return nil, fmt.Errorf("create a new key (authenticated with the %s): %w", credentialName(cred, "current key"), err)
	}
	switch {
	case key.Value == "" || key.ID == "":
		return nil, fmt.Errorf("create a new key: the service returned a key without a value or an id")
	case key.ID == ks.keyID || key.Value == ks.key:
		return nil, fmt.Errorf("create a new key: the service returned the current key (id %s) again", ks.keyID)
	case key.ID == ks.prevID:
		return nil, fmt.Errorf("create a new key: the service returned the previous key (id %s) again", ks.prevID)
	}
	log.InfoContext(ctx, "api key created", "key_id", key.ID, "replaces", ks.keyID, "mode", string(ks.mode), "credential", credentialName(cred, "current key"))
	p := rotation.NewSecret()
	p.SetString(FieldAPIKey, key.Value)
	p.SetString(FieldKeyID, key.ID)
	p.SetString(FieldPreviousKeyID, ks.keyID)
	return p, nil
}

// Set does nothing: the service made and activated the key in createSecret (a service
// makes the key's value, and a version's value cannot change after createSecret).
func (s *Rotator) Set(context.Context, *rotation.Run) error { return nil }

// Test checks the pending key with the service (testSecret).
func (s *Rotator) Test(ctx context.Context, run *rotation.Run) error {
	if s.err != nil {
		return s.err
	}
	ctx = withLogger(ctx, run.Logger())
	pending, err := run.Pending(ctx)
	if err != nil {
		return err
	}
	ks, err := s.parse(ctx, pending, "pending")
	if err != nil {
		return err
	}
	if err := ks.svc.Test(ctx, Key{ID: ks.keyID, Value: ks.key}); err != nil {
		return fmt.Errorf("the new key %s does not work: %w", ks.keyID, err)
	}
	return nil
}

// Finish revokes the replaced key in immediate mode (finishSecret, after AWSCURRENT moved).
func (s *Rotator) Finish(ctx context.Context, run *rotation.Run) error {
	if s.err != nil {
		return s.err
	}
	ctx = withLogger(ctx, run.Logger())
	cur, err := run.Current(ctx)
	if err != nil {
		return err
	}
	ks, err := s.parse(ctx, cur, "new current")
	if err != nil {
		return err
	}
	if ks.mode != RevokeImmediate || ks.prevID == "" || ks.prevID == ks.keyID {
		return nil
	}
	cred, err := s.credential(ctx, run, ks)
	if err != nil {
		return err
	}
	if err := ks.svc.Revoke(ctx, cred, ks.prevID); err != nil {
		return fmt.Errorf("revoke the replaced key %s (authenticated with the %s): %w", ks.prevID, credentialName(cred, "new key"), err)
	}
	run.Logger().InfoContext(ctx, "api key revoked", "key_id", ks.prevID, "reason", "replaced", "mode", string(ks.mode))
	return nil
}
