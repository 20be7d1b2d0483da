// Package secretcache is a client-side cache of AWS Secrets Manager secrets that refreshes
// when a secret changes (a rotation, a new value), not on a blind timer, and answers reads
// from memory without waiting, locking or allocating.
//
// # Use
//
//	cache, err := secretcache.New(secretsmanager.NewFromConfig(cfg), secretcache.Options{})
//	...
//	defer cache.Close()
//	password, err := cache.GetString(ctx, "prod/db/password")
//
// Get, GetString, GetBinary and GetJSON read a secret by name or ARN, for the stage
// Options.VersionStage (AWSCURRENT by default), another stage (Stage) or one version
// (VersionID). Any client with GetSecretValue and DescribeSecret works (Client);
// *secretsmanager.Client from aws-sdk-go-v2 is one.
//
// # Freshness
//
// The cache keeps, per secret and stage, the last value and when it was last confirmed
// current. Options.MaxStaleness (15 minutes by default) bounds that age: a value not
// confirmed within it is never returned. Confirmation is cheap: one DescribeSecret, whose
// VersionIdsToStages says which version holds the stage; GetSecretValue is called only when
// that version changed, and then by stage, so that the service resolves the label
// atomically. A value is served only if its version carries the stage asked for: a read of
// AWSCURRENT never returns the AWSPENDING version of a rotation in progress.
//
// Checks run in the background, ahead of the bound, for entries that are being read:
//
//   - every Options.RefreshInterval (two thirds of MaxStaleness by default, minus up to 20%
//     of jitter);
//   - inside the secret's rotation window, computed from DescribeSecret's NextRotationDate,
//     RotationRules and LastRotatedDate (the first check falls just after the window opens),
//     every Options.RotationPollInterval (1 minute) until the rotation shows;
//   - while a rotation is in progress (another version carries AWSPENDING), after
//     Options.PendingPollInterval (2 seconds), doubling while nothing changes.
//
// An entry not read since its last check costs no call: it is marked due, and its next read
// returns the value at once and starts the check behind it. Once MaxStaleness has passed
// without a read, the next read waits for the check.
//
// # Failures
//
// Failed calls back off exponentially, with jitter, from Options.MinBackoff (1 second) to
// Options.MaxBackoff (5 minutes), for background checks and for reads alike: during an
// outage a secret costs a few calls per backoff period, however often it is read. On
// transient errors (IsTransient: timeouts, network, 5xx, throttling) the last value is
// served until MaxStaleness, and Options.StaleIfError longer (Stats.StaleHits and
// ReadInfo.Stale mark those reads); then reads return an *Error that wraps the last API
// error (errors.As finds the SDK's error types and smithy.APIError) and says when the next
// attempt will be. An answer that the secret or version cannot be read (not found, denied,
// a version that lost the stage asked for) withholds the value at once. If DescribeSecret
// is denied by IAM, the cache refreshes with GetSecretValue alone.
//
// # Concurrency
//
// A Cache is safe for concurrent use. A hit is an atomic load of an immutable snapshot from
// a copy-on-write table, with no lock and no allocation. Readers that miss together share
// one call (a single flight per entry); refreshes run detached from the callers' contexts,
// which bound only how long each caller waits.
//
// # Rotation and rejected credentials
//
// Do runs a function with the secret's value; if the function reports that the credentials
// were refused (an error made with Rejected, or wrapping ErrRejected), Do refreshes the
// secret and, if a new version appeared, calls the function once more with it. Refresh
// forces a check; Invalidate drops a secret. Concurrent forced refreshes of a secret share
// one call, and Options.MinRefreshInterval spaces them.
//
// # Bounds, statistics, secrecy
//
// At most Options.MaxEntries entries holding a value are kept, the least recently read
// going first; ids that never returned a value are kept apart, at most Options.MaxMisses
// of them, so that reads of unknown ids never evict a secret. Stats
// counts hits, misses, errors and API calls. Secret values never appear in errors or logs:
// Value prints, logs and marshals as its ARN, version id and stages only, and JSON decoding
// errors name the field and type at fault without quoting the secret.
//
// # Tests
//
// Options.Clock and Options.Random replace the system clock and the jitter source, so that
// tests can move time by hand and check refreshes, backoff and staleness without sleeping.
//
// The command secretcache-agent (cmd/secretcache-agent and package agent in this module)
// serves this cache over HTTP on loopback and as a Lambda extension, compatible with the AWS
// Parameters and Secrets Lambda Extension and the AWS Secrets Manager Agent. Package
// cachinggo offers the names of aws-secretsmanager-caching-go over this cache. Package
// fakeclock is a Clock for tests.
package secretcache
