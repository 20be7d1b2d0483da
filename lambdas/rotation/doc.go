// Package rotation is the engine the rotation functions of this project run on. It
// implements the Secrets Manager rotation protocol once (event checks, staging labels,
// idempotent steps, logs), so that a rotator only says how to make, install and test a new
// secret: a Strategy.
//
// # Writing a rotator
//
// A rotator is a Strategy and a main package that calls Start:
//
//	type rotator struct{}
//
//	func (rotator) NewPending(ctx context.Context, run *rotation.Run) (*rotation.Secret, error) {
//		cur, err := run.Current(ctx)
//		if err != nil {
//			return nil, err
//		}
//		db, err := rotation.ParseDBSecret(cur, "postgres")
//		if err != nil {
//			return nil, err
//		}
//		pw, err := run.NewPassword(ctx)
//		if err != nil {
//			return nil, err
//		}
//		return db.WithPassword(pw), nil
//	}
//
//	func (rotator) Set(ctx context.Context, run *rotation.Run) error  { ... } // install run.Pending
//	func (rotator) Test(ctx context.Context, run *rotation.Run) error { ... } // log in with run.Pending
//
//	func main() { rotation.Start(rotator{}) }
//
// Build it for provided.al2023 as "bootstrap" with `go build -tags lambda.norpc`.
//
// # The steps
//
// Every invocation makes one DescribeSecret call and refuses the event (a *StepError
// matching ErrRotationDisabled, ErrUnknownVersion or ErrNotPending) if rotation is not
// enabled, the ClientRequestToken is not a version of the secret, or that version is not
// AWSPENDING. If the version already holds AWSCURRENT the step succeeds at once (except a
// finishSecret that had not completed, which completes). Then:
//
//   - createSecret: if the pending version has no value yet (GetSecretValue by VersionId
//     and AWSPENDING answers ResourceNotFoundException), Strategy.NewPending makes one, the
//     engine adds the current secret's fields the strategy left out (unknown fields
//     survive), and stores it with PutSecretValue(token, [AWSPENDING]).
//   - setSecret: Strategy.Set.
//   - testSecret: Strategy.Test. (When the pending version has no value — RotateSecret
//     with RotateImmediately=false tests the configuration that way — the engine only
//     checks that the current secret is readable.)
//   - finishSecret: after checking that the pending version has a value, runs
//     Installer.Install if the strategy has one (a change that makes the current secret
//     stop working is made here, at the last moment), moves AWSCURRENT to it
//     (UpdateSecretVersionStage with RemoveFromVersionId; Secrets Manager moves AWSPREVIOUS
//     to the version that was current), retrying the move for all but a quarter of the
//     invocation's remaining time; if it cannot move and DescribeSecret confirms it did not,
//     runs the undo Install returned. Then it runs Finisher.Finish if the strategy has one,
//     and removes AWSPENDING from the new current version, as the current AWS rotation
//     template does, so no label is left behind.
//
// Each step can be retried at any point with the same event and then changes nothing that
// was already done. Strategy methods must be idempotent too: Set and Finish may run again
// for the same rotation.
//
// # Secrets
//
// Secrets are JSON objects (Secret). Run reads them lazily and once: Current, Pending,
// Previous, Master (the secret named by the current secret's "masterarn") and any other
// secret by id. ParseDBSecret gives the typed view of the AWS samples' database secrets.
//
// A full rotation with a strategy that reads the current and pending secrets in Set and
// the pending one in Test costs 14 Secrets Manager calls: 4 DescribeSecret (one per step),
// 6 GetSecretValue (createSecret: pending, current; setSecret: pending, current;
// testSecret: pending; finishSecret: pending), 1 GetRandomPassword, 1 PutSecretValue and 2
// UpdateSecretVersionStage; a Finish that reads Previous adds one GetSecretValue (measured
// against the emulator in TestCallsPerRotation).
//
// # Environment
//
//   - SECRETS_MANAGER_ENDPOINT: the Secrets Manager endpoint, as in the AWS samples.
//     Otherwise the SDK's own configuration applies (AWS_ENDPOINT_URL_SECRETS_MANAGER,
//     AWS_ENDPOINT_URL, region, credentials, retries).
//   - EXCLUDE_CHARACTERS, PASSWORD_LENGTH, EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION,
//     EXCLUDE_UPPERCASE, EXCLUDE_LOWERCASE, REQUIRE_EACH_INCLUDED_TYPE: Run.NewPassword's
//     GetRandomPassword request, with the AWS samples' defaults and parsing (see
//     PasswordPolicy.WithEnv).
//   - AWS_LAMBDA_LOG_LEVEL: DEBUG adds a line per Secrets Manager call.
//
// # Logs
//
// JSON (log/slog) on standard output: one line per invocation with the secret's ARN, the
// token, the step, the outcome ("succeeded" or "failed"), duration_ms, the number of
// Secrets Manager calls, a detail when the step had nothing or little to do, and the error.
// No secret value is ever logged: Secret, DBSecret and Event print without values, and
// every line (including those rotators write through Run.Logger) and every error message
// is scrubbed of the values of sensitive fields (DefaultSensitiveFields, names containing
// "password", "secret", "private", "token", ...) and of generated passwords.
//
// Errors are *StepError: "rotation step setSecret of secret ARN, version TOKEN: what
// failed: the underlying error", which errors.Is and errors.As see through.
package rotation
