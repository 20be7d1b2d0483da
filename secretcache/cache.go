package secretcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Client is the part of the Secrets Manager API the cache uses. *secretsmanager.Client
// from aws-sdk-go-v2 satisfies it, and so does any wrapper or fake with these methods.
type Client interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
}

var _ Client = (*secretsmanager.Client)(nil)

// Staging labels Secrets Manager gives meaning to.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	stagePending  = "AWSPENDING"
)

// Defaults of Options.
const (
	DefaultMaxStaleness         = 15 * time.Minute
	DefaultRotationPollInterval = time.Minute
	DefaultPendingPollInterval  = 2 * time.Second
	DefaultMaxEntries           = 1024
	DefaultMaxMisses            = 128
	DefaultMinBackoff           = time.Second
	DefaultMaxBackoff           = 5 * time.Minute
	DefaultMinRefreshInterval   = time.Second
	DefaultFetchTimeout         = 30 * time.Second
)

// Options configure a Cache. The zero value gives the defaults.
type Options struct {
	// MaxStaleness bounds how old a value may be: a read returns a value only if the cache
	// confirmed, no longer than MaxStaleness ago, that it was the version holding its stage.
	// Refreshes run ahead of the bound in the background; when they keep failing, reads get
	// the last value until the bound, then the error. Default 15 minutes.
	MaxStaleness time.Duration
	// StaleIfError extends MaxStaleness while refreshes fail for transient reasons (see
	// IsTransient: Secrets Manager is down, throttling or unreachable): the last value is
	// still served, as a stale hit (Stats.StaleHits, ReadInfo.Stale), until MaxStaleness +
	// StaleIfError after its last confirmation. An answer that the secret or version cannot
	// be read (not found, access denied, the version lost the stage) withholds the value at
	// once. Default 0: fail closed at MaxStaleness.
	StaleIfError time.Duration
	// RefreshInterval is how often a secret that is being read is checked (one
	// DescribeSecret; GetSecretValue only when the version changed), minus up to 20% of
	// jitter. It must be below MaxStaleness, to leave room for retries. Default:
	// two thirds of MaxStaleness.
	RefreshInterval time.Duration
	// RotationPollInterval is how often a secret is checked inside its rotation window
	// (from DescribeSecret's NextRotationDate and RotationRules) until the rotation shows,
	// the first check falling just after the window opens. Default 1 minute; negative: off.
	RotationPollInterval time.Duration
	// PendingPollInterval is the first delay between checks while a rotation is in
	// progress (a version other than the stage's carries AWSPENDING); it doubles at every
	// check that sees the same pending version, up to RefreshInterval. Default 2 seconds;
	// negative: off.
	PendingPollInterval time.Duration
	// VersionStage is the stage read when a call names neither a stage nor a version id.
	// Default AWSCURRENT.
	VersionStage string
	// MaxEntries bounds the number of cached entries (one per secret id and stage or
	// version); the least recently read is dropped first. Default 1024.
	MaxEntries int
	// MaxMisses bounds the entries kept for ids that never returned a value (not found,
	// denied, failing): they remember the backoff, so that a loop of reads of a missing
	// secret makes one call per backoff period, but they never take the place of a secret
	// that holds a value; the least recently read is dropped first. Default 128.
	MaxMisses int
	// MinBackoff and MaxBackoff bound the exponential backoff after failed calls (each
	// delay is half fixed, half random). Defaults 1 second and 5 minutes.
	MinBackoff, MaxBackoff time.Duration
	// MinRefreshInterval is the least time between two refreshes forced by Refresh or Do
	// for one entry; forced refreshes closer together share the first one's answer.
	// Default 1 second.
	MinRefreshInterval time.Duration
	// FetchTimeout bounds one refresh (its DescribeSecret and GetSecretValue calls).
	// Refreshes run detached from the callers' contexts, so that one caller giving up does
	// not fail the others. Default 30 seconds.
	FetchTimeout time.Duration
	// Hook, when set, transforms the secrets the cache keeps in memory (see Hook): to keep
	// them encrypted, say. Default: none.
	Hook Hook
	// Logger receives refresh failures (warn), version changes (info) and each API call
	// (debug); never a secret value. Default: discard.
	Logger *slog.Logger
	// Clock is the time source; default the system clock. Tests use a fake one.
	Clock Clock
	// Random returns numbers in [0, 1) for jitter; it must be safe for concurrent use.
	// Default math/rand/v2.Float64.
	Random func() float64
}

func (o Options) withDefaults() (Options, error) {
	if o.MaxStaleness == 0 {
		o.MaxStaleness = DefaultMaxStaleness
	}
	if o.RefreshInterval == 0 {
		o.RefreshInterval = o.MaxStaleness * 2 / 3
	}
	if o.RotationPollInterval == 0 {
		o.RotationPollInterval = DefaultRotationPollInterval
	}
	if o.PendingPollInterval == 0 {
		o.PendingPollInterval = DefaultPendingPollInterval
	}
	if o.VersionStage == "" {
		o.VersionStage = StageCurrent
	}
	if o.MaxEntries == 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxMisses == 0 {
		o.MaxMisses = DefaultMaxMisses
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = max(DefaultMaxBackoff, o.MinBackoff)
	}
	if o.MinRefreshInterval == 0 {
		o.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if o.FetchTimeout == 0 {
		o.FetchTimeout = DefaultFetchTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Random == nil {
		o.Random = rand.Float64
	}
	var errs []error
	if o.MaxStaleness < 0 {
		errs = append(errs, fmt.Errorf("MaxStaleness %s is negative", o.MaxStaleness))
	}
	if o.RefreshInterval <= 0 || o.RefreshInterval >= o.MaxStaleness {
		errs = append(errs, fmt.Errorf("RefreshInterval %s must be positive and below MaxStaleness %s", o.RefreshInterval, o.MaxStaleness))
	}
	if o.MaxEntries < 1 {
		errs = append(errs, fmt.Errorf("MaxEntries %d must be at least 1", o.MaxEntries))
	}
	if o.MaxMisses < 1 {
		errs = append(errs, fmt.Errorf("MaxMisses %d must be at least 1", o.MaxMisses))
	}
	if o.StaleIfError < 0 {
		errs = append(errs, fmt.Errorf("StaleIfError %s is negative", o.StaleIfError))
	}
	if o.MinBackoff < 0 || o.MaxBackoff < o.MinBackoff {
		errs = append(errs, fmt.Errorf("backoff bounds %s..%s: want 0 < MinBackoff <= MaxBackoff", o.MinBackoff, o.MaxBackoff))
	}
	if o.MinRefreshInterval < 0 || o.FetchTimeout < 0 {
		errs = append(errs, errors.New("MinRefreshInterval and FetchTimeout must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("secretcache: invalid options: %w", err)
	}
	return o, nil
}

// Cache is a rotation-aware, in-memory cache of Secrets Manager secrets. It is safe for
// concurrent use; create one per process (per client), with New.
type Cache struct {
	client Client
	opt    Options
	pol    policy
	clock  Clock
	log    *slog.Logger

	// tab is replaced, never modified, under mu: reads look it up without a lock.
	tab   atomic.Pointer[table]
	mu    sync.Mutex
	epoch atomic.Uint64 // advances on inserts and refreshes; entries record it when read

	ctx     context.Context // ends on Close; refreshes run under it
	cancel  context.CancelFunc
	closed  atomic.Bool
	flights flightCounter

	st counters
}

// key identifies an entry: a secret id as the caller wrote it (name or ARN) and either a
// stage or a version id (and optionally a stage that version must carry).
type key struct{ id, stage, version string }

func (k key) String() string {
	s := fmt.Sprintf("%q", k.id)
	if k.version != "" {
		s += " version " + k.version
	}
	if k.stage != "" {
		s += " stage " + k.stage
	}
	return s
}

// table maps keys to entries. It is never modified once published: writers copy it.
// Reads of the default stage, the common case, hash one string; reads of another stage
// hash two short strings; pinned versions use a struct key.
type table struct {
	cur      map[string]*entry            // default stage, by secret id
	stages   map[string]map[string]*entry // other stages: stage -> secret id -> entry
	versions map[key]*entry               // pinned versions
}

func (t *table) get(k key, def string) *entry {
	switch {
	case k.version != "":
		return t.versions[k]
	case k.stage == def:
		return t.cur[k.id]
	default:
		return t.stages[k.stage][k.id]
	}
}

// clone returns a copy to modify; maps nested under stages are copied too.
func (t *table) clone() *table {
	nt := &table{cur: maps.Clone(t.cur), stages: make(map[string]map[string]*entry, len(t.stages)), versions: maps.Clone(t.versions)}
	for st, m := range t.stages {
		nt.stages[st] = maps.Clone(m)
	}
	if nt.cur == nil {
		nt.cur = map[string]*entry{}
	}
	if nt.versions == nil {
		nt.versions = map[key]*entry{}
	}
	return nt
}

// put and del work on a clone only.
func (t *table) put(k key, def string, e *entry) {
	switch {
	case k.version != "":
		t.versions[k] = e
	case k.stage == def:
		t.cur[k.id] = e
	default:
		if t.stages[k.stage] == nil {
			t.stages[k.stage] = map[string]*entry{}
		}
		t.stages[k.stage][k.id] = e
	}
}

func (t *table) del(k key, def string) {
	switch {
	case k.version != "":
		delete(t.versions, k)
	case k.stage == def:
		delete(t.cur, k.id)
	default:
		delete(t.stages[k.stage], k.id)
		if len(t.stages[k.stage]) == 0 {
			delete(t.stages, k.stage)
		}
	}
}

func (t *table) len() int {
	n := len(t.cur) + len(t.versions)
	for _, m := range t.stages {
		n += len(m)
	}
	return n
}

func (t *table) all(yield func(*entry) bool) {
	for _, e := range t.cur {
		if !yield(e) {
			return
		}
	}
	for _, m := range t.stages {
		for _, e := range m {
			if !yield(e) {
				return
			}
		}
	}
	for _, e := range t.versions {
		if !yield(e) {
			return
		}
	}
}

// New returns a Cache reading through client.
func New(client Client, opts Options) (*Cache, error) {
	if client == nil {
		return nil, errors.New("secretcache: nil client")
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Cache{
		client: client,
		opt:    o,
		clock:  o.Clock,
		log:    o.Logger,
		pol: policy{
			refresh:      o.RefreshInterval,
			rotationPoll: o.RotationPollInterval,
			pendingPoll:  o.PendingPollInterval,
			windowGrace:  time.Hour,
			minBackoff:   o.MinBackoff,
			maxBackoff:   o.MaxBackoff,
		},
	}
	c.flights.cond.L = &c.flights.mu
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.tab.Store(&table{})
	return c, nil
}

// GetOption selects what a read returns; by default the version holding Options.VersionStage.
type GetOption struct{ stage, version string }

// Stage reads the version holding stage (AWSCURRENT, AWSPREVIOUS, or a label of yours).
func Stage(stage string) GetOption { return GetOption{stage: stage} }

// VersionID reads one version. A version's value never changes, so it is fetched once and
// kept until evicted or invalidated. Combined with Stage, the version must carry that
// stage when it is fetched.
func VersionID(id string) GetOption { return GetOption{version: id} }

func (c *Cache) key(id string, opts []GetOption) key {
	k := key{id: id}
	for _, o := range opts {
		if o.stage != "" {
			k.stage = o.stage
		}
		if o.version != "" {
			k.version = o.version
		}
	}
	if k.stage == "" && k.version == "" {
		k.stage = c.opt.VersionStage
	}
	return k
}

func (c *Cache) lookup(k key) *entry { return c.tab.Load().get(k, c.opt.VersionStage) }

// Get returns the secret's value for the default stage, or as opts select. Once the entry
// is warm it answers from memory without waiting, without a lock and without allocating;
// the first read, and a read after the entry expired unread, wait for Secrets Manager (as
// long as ctx allows; concurrent readers share one call).
func (c *Cache) Get(ctx context.Context, secretID string, opts ...GetOption) (*Value, error) {
	// The hot path: a map lookup in the published table, atomic loads, a striped counter.
	var e *entry
	if len(opts) == 0 {
		e = c.tab.Load().cur[secretID]
	} else {
		e = c.lookup(c.key(secretID, opts))
	}
	if e != nil {
		if s := e.snap.Load(); s.mode == modeFresh {
			c.touch(e)
			c.st.hits.add()
			return s.val, nil
		}
	}
	v, _, err := c.get(ctx, c.key(secretID, opts))
	return v, err
}

// ReadInfo tells how current a value returned by GetWithInfo is.
type ReadInfo struct {
	// Confirmed is when Secrets Manager last confirmed that the value was the version
	// holding the stage asked for (for a version read without a stage: when it was fetched).
	Confirmed time.Time
	// Stale is true when refreshes are failing and the last value is served anyway: within
	// MaxStaleness, or past it within StaleIfError for transient failures.
	Stale bool
}

// GetWithInfo is Get that also tells when the value was last confirmed and whether it is
// served stale, for callers that report it (the agent's response headers). It costs more
// than Get on a hit (no fast path).
func (c *Cache) GetWithInfo(ctx context.Context, secretID string, opts ...GetOption) (*Value, ReadInfo, error) {
	return c.get(ctx, c.key(secretID, opts))
}

// RefreshWithInfo is Refresh that also returns the ReadInfo of the answer.
func (c *Cache) RefreshWithInfo(ctx context.Context, secretID string, opts ...GetOption) (*Value, ReadInfo, error) {
	k := c.key(secretID, opts)
	v, err := c.force(ctx, k, nil)
	if err != nil {
		return nil, ReadInfo{}, err
	}
	return v, c.infoOf(k, v), nil
}

// infoOf reads the ReadInfo of v, just returned for k.
func (c *Cache) infoOf(k key, v *Value) ReadInfo {
	if e := c.lookup(k); e != nil {
		if s := e.snap.Load(); s.val == v {
			return ReadInfo{Confirmed: s.confirmed, Stale: s.failing}
		}
	}
	return ReadInfo{Confirmed: c.clock.Now()}
}

// GetString returns the secret string (see Get); ErrNoSecretString if it is binary.
func (c *Cache) GetString(ctx context.Context, secretID string, opts ...GetOption) (string, error) {
	v, err := c.Get(ctx, secretID, opts...)
	if err != nil {
		return "", err
	}
	if !v.hasString {
		return "", &Error{SecretID: secretID, VersionID: v.versionID, Err: ErrNoSecretString}
	}
	if v.hook != nil {
		str, _, err := v.open()
		return str, err
	}
	return v.str, nil
}

// GetBinary returns a copy of the binary secret (see Get); ErrNoSecretBinary if it is a
// string.
func (c *Cache) GetBinary(ctx context.Context, secretID string, opts ...GetOption) ([]byte, error) {
	v, err := c.Get(ctx, secretID, opts...)
	if err != nil {
		return nil, err
	}
	if v.hasString {
		return nil, &Error{SecretID: secretID, VersionID: v.versionID, Err: ErrNoSecretBinary}
	}
	_, b, err := v.open()
	if err != nil {
		return nil, err
	}
	return slices.Clone(b), nil
}

// GetJSON decodes the secret, which must be JSON, into dst (see Get and Value.Decode).
func (c *Cache) GetJSON(ctx context.Context, secretID string, dst any, opts ...GetOption) error {
	v, err := c.Get(ctx, secretID, opts...)
	if err != nil {
		return err
	}
	return v.Decode(dst)
}

// Refresh checks the secret with Secrets Manager now, waits for the answer and returns the
// value. Refreshes of one entry closer together than Options.MinRefreshInterval share one
// answer, and a secret in backoff returns its last error until the backoff ends.
func (c *Cache) Refresh(ctx context.Context, secretID string, opts ...GetOption) (*Value, error) {
	return c.force(ctx, c.key(secretID, opts), nil)
}

// Do calls fn with the secret's value. If fn's error is a rejection of the credentials
// (errors.Is(err, ErrRejected); make one with Rejected), Do refreshes the secret and, if
// that finds a different version, calls fn once more with it and returns that call's
// error. If the version is unchanged, fn is not called again and its error is returned.
//
// Concurrent rejections of one secret make one refresh; later ones within
// Options.MinRefreshInterval reuse its answer.
func (c *Cache) Do(ctx context.Context, secretID string, fn func(ctx context.Context, v *Value) error, opts ...GetOption) error {
	k := c.key(secretID, opts)
	v, _, err := c.get(ctx, k)
	if err != nil {
		return err
	}
	err = fn(ctx, v)
	if err == nil || !errors.Is(err, ErrRejected) {
		return err
	}
	nv, ferr := c.force(ctx, k, v)
	if ferr != nil {
		return fmt.Errorf("%w (refresh after the rejection failed: %w)", err, ferr)
	}
	if nv.versionID == v.versionID {
		return err
	}
	c.st.retries.Add(1)
	c.log.LogAttrs(ctx, slog.LevelInfo, "retrying with a new version after a rejection",
		slog.String("secret", k.id), slog.String("stage", k.stage),
		slog.String("old_version", v.versionID), slog.String("new_version", nv.versionID))
	return fn(ctx, nv)
}

// Invalidate drops every entry for secretID: entries read by that id, and entries whose
// secret has that name or ARN. The next read fetches it again.
func (c *Cache) Invalidate(secretID string) {
	c.mu.Lock()
	nt := c.tab.Load().clone()
	var dropped []*entry
	for e := range nt.all {
		v := e.snap.Load().val
		if e.key.id == secretID || (v != nil && (v.arn == secretID || v.name == secretID)) {
			dropped = append(dropped, e)
		}
	}
	for _, e := range dropped {
		nt.del(e.key, c.opt.VersionStage)
	}
	c.tab.Store(nt)
	c.mu.Unlock()
	for _, e := range dropped {
		e.kill()
	}
	if len(dropped) > 0 {
		c.log.LogAttrs(context.Background(), slog.LevelDebug, "invalidated", slog.String("secret", secretID), slog.Int("entries", len(dropped)))
	}
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	d, g := c.st.describe.Load(), c.st.getValue.Load()
	return Stats{
		Hits:                c.st.hits.load(),
		StaleHits:           c.st.staleHits.load(),
		Misses:              c.st.misses.Load(),
		Errors:              c.st.errors.Load(),
		APICalls:            d + g,
		DescribeSecretCalls: d,
		GetSecretValueCalls: g,
		APIErrors:           c.st.apiErrors.Load(),
		VersionChanges:      c.st.versionChanges.Load(),
		Retries:             c.st.retries.Load(),
		Evictions:           c.st.evictions.Load(),
		Entries:             c.tab.Load().len(),
	}
}

// Close stops background refreshes, cancels those in flight, waits for them and empties
// the cache. Reads after Close return ErrClosed.
func (c *Cache) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.cancel()
	c.mu.Lock()
	t := c.tab.Load()
	c.tab.Store(&table{})
	c.mu.Unlock()
	for e := range t.all {
		e.kill()
	}
	c.flights.wait()
	return nil
}

// touch records a read for LRU order and idleness; it writes only when the epoch moved, so
// a hot entry's cache line stays shared between readers.
func (c *Cache) touch(e *entry) {
	if ep := c.epoch.Load(); e.lastUse.Load() != ep {
		e.lastUse.Store(ep)
	}
}

// entryFor returns the entry for k, inserting an empty one (and evicting the least
// recently read entry when full). It returns nil after Close.
func (c *Cache) entryFor(k key) *entry {
	if e := c.lookup(k); e != nil {
		return e
	}
	e, victim := c.insert(k)
	if victim != nil {
		victim.kill()
		c.log.LogAttrs(context.Background(), slog.LevelDebug, "evicted", slog.String("secret", victim.key.id), slog.String("stage", victim.key.stage))
	}
	return e
}

func (c *Cache) insert(k key) (e, victim *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil, nil
	}
	if e := c.lookup(k); e != nil {
		return e, nil
	}
	nt := c.tab.Load().clone()
	// A new entry holds no value yet: it counts against MaxMisses until its first value
	// arrives (admit), so reads of unknown ids evict each other, never a real secret.
	if victim = lruOf(nt, false, nil, c.opt.MaxMisses); victim != nil {
		nt.del(victim.key, c.opt.VersionStage)
		c.st.evictions.Add(1)
	}
	e = newEntry(c, k)
	e.lastUse.Store(c.epoch.Add(1))
	nt.put(k, c.opt.VersionStage, e)
	c.tab.Store(nt)
	return e, victim
}

// lruOf returns the least recently read entry among those that hold a value (or hold none),
// other than except, if there are at least limit of them; nil otherwise.
func lruOf(t *table, held bool, except *entry, limit int) *entry {
	var victim *entry
	n := 0
	for e := range t.all {
		if e.held.Load() != held {
			continue
		}
		n++
		if e != except && (victim == nil || e.lastUse.Load() < victim.lastUse.Load()) {
			victim = e
		}
	}
	if n < limit {
		return nil
	}
	return victim
}

// admit counts e, which just received its first value, against MaxEntries, evicting the
// least recently read entry holding a value when there are more.
func (c *Cache) admit(e *entry) {
	c.mu.Lock()
	if c.closed.Load() || c.lookup(e.key) != e {
		c.mu.Unlock()
		return
	}
	nt := c.tab.Load()
	victim := lruOf(nt, true, e, c.opt.MaxEntries+1)
	if victim != nil {
		nt = nt.clone()
		nt.del(victim.key, c.opt.VersionStage)
		c.st.evictions.Add(1)
		c.tab.Store(nt)
	}
	c.mu.Unlock()
	if victim != nil {
		victim.kill()
		c.log.LogAttrs(context.Background(), slog.LevelDebug, "evicted", slog.String("secret", victim.key.id), slog.String("stage", victim.key.stage))
	}
}

// get is the read path after a missed fast path.
func (c *Cache) get(ctx context.Context, k key) (*Value, ReadInfo, error) {
	if k.id == "" {
		c.st.errors.Add(1)
		return nil, ReadInfo{}, &Error{VersionStage: k.stage, VersionID: k.version, Err: errors.New("empty secret id")}
	}
	for {
		e := c.entryFor(k)
		if e == nil {
			c.st.errors.Add(1)
			return nil, ReadInfo{}, &Error{SecretID: k.id, VersionStage: k.stage, VersionID: k.version, Err: ErrClosed}
		}
		s := e.snap.Load()
		switch s.mode {
		case modeFresh:
			c.touch(e)
			c.st.hits.add()
			return s.val, ReadInfo{Confirmed: s.confirmed, Stale: s.failing}, nil
		case modeStale:
			c.touch(e)
			c.st.hits.add()
			c.st.staleHits.add()
			return s.val, ReadInfo{Confirmed: s.confirmed, Stale: true}, nil
		case modeDue:
			c.touch(e)
			c.st.hits.add()
			e.kick()
			return s.val, ReadInfo{Confirmed: s.confirmed, Stale: s.failing}, nil
		}
		v, err, retry := e.await(ctx)
		if retry {
			continue // the entry was dropped meanwhile
		}
		if err != nil {
			c.st.errors.Add(1)
			return nil, ReadInfo{}, err
		}
		return v, c.infoOf(k, v), nil
	}
}

// force refreshes k now (see Refresh). seen is the version the caller was refused with, if
// any: when the entry already holds another one, that one is the answer.
func (c *Cache) force(ctx context.Context, k key, seen *Value) (*Value, error) {
	for {
		e := c.entryFor(k)
		if e == nil {
			c.st.errors.Add(1)
			return nil, &Error{SecretID: k.id, VersionStage: k.stage, VersionID: k.version, Err: ErrClosed}
		}
		v, err, retry := e.forceRefresh(ctx, seen)
		if retry {
			continue
		}
		if err != nil {
			c.st.errors.Add(1)
		}
		return v, err
	}
}

// flightCounter counts refreshes in flight, so Close (and tests) can wait for them.
type flightCounter struct {
	mu   sync.Mutex
	cond sync.Cond
	n    int
}

func (f *flightCounter) add(d int) {
	f.mu.Lock()
	f.n += d
	if f.n == 0 {
		f.cond.Broadcast()
	}
	f.mu.Unlock()
}

func (f *flightCounter) wait() {
	f.mu.Lock()
	for f.n > 0 {
		f.cond.Wait()
	}
	f.mu.Unlock()
}
