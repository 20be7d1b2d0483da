package rotation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// Run is one invocation of the rotation function, as the strategy sees it. The secrets are
// read lazily, once each (later calls return copies of the first answer); a step that does
// not need the previous secret never reads it. A Run is safe for concurrent use.
//
// Which versions Current and Previous are: the versions holding AWSCURRENT and AWSPREVIOUS
// when the invocation began, except in Finish, which runs after the engine moved
// AWSCURRENT: there Current is the new version (the pending one) and Previous the version
// that was current before.
type Run struct {
	e      *Engine
	ev     Event
	meta   *secretsmanager.DescribeSecretOutput
	sm     SecretsManagerAPI
	log    *slog.Logger
	redact *redactor

	mu         sync.Mutex
	currentID  string
	previousID string
	versions   map[string]*Secret // by version id
	others     map[string]*Secret // AWSCURRENT of other secrets, by the id asked for
}

func newRun(e *Engine, ev Event, meta *secretsmanager.DescribeSecretOutput, sm SecretsManagerAPI, log *slog.Logger, red *redactor) *Run {
	r := &Run{e: e, ev: ev, meta: meta, sm: sm, log: log, redact: red, versions: map[string]*Secret{}, others: map[string]*Secret{}}
	for id, stages := range meta.VersionIdsToStages {
		for _, st := range stages {
			switch st {
			case StageCurrent:
				r.currentID = id
			case StagePrevious:
				r.previousID = id
			}
		}
	}
	return r
}

// Event is the event being handled.
func (r *Run) Event() Event { return r.ev }

// Step is the step being run.
func (r *Run) Step() Step { return r.ev.Step }

// ARN is the secret's ARN.
func (r *Run) ARN() string { return aws.ToString(r.meta.ARN) }

// Token is the ClientRequestToken: the version id of the pending secret.
func (r *Run) Token() string { return r.ev.ClientRequestToken }

// Metadata is the DescribeSecret answer the invocation began with (name, tags, rotation
// configuration, version stages).
func (r *Run) Metadata() *secretsmanager.DescribeSecretOutput { return r.meta }

// Logger logs with the secret's ARN, the token and the step. Known secret values are
// redacted from whatever is logged through it, but rotators should not log values at all.
func (r *Run) Logger() *slog.Logger { return r.log }

// SecretsManager is the client the engine uses, for calls the Run does not offer
// (DescribeSecret of the master secret, for instance). Calls through it are counted in the
// step's log line.
func (r *Run) SecretsManager() SecretsManagerAPI { return r.sm }

// AWSConfig is the SDK configuration, for clients of other services (RDS, ...).
func (r *Run) AWSConfig(ctx context.Context) (aws.Config, error) { return r.e.awsConfig(ctx) }

// VersionIDs returns the ids of the versions Current and Previous read; empty when there is
// none.
func (r *Run) VersionIDs() (current, previous string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.currentID, r.previousID
}

// Current returns the AWSCURRENT secret.
func (r *Run) Current(ctx context.Context) (*Secret, error) {
	r.mu.Lock()
	id := r.currentID
	r.mu.Unlock()
	if id == "" {
		return nil, fmt.Errorf("%w: no version of %s is AWSCURRENT", ErrNotFound, r.ARN())
	}
	return r.version(ctx, id, "", StageCurrent)
}

// Previous returns the AWSPREVIOUS secret; an error matching ErrNotFound when there is
// none (the first rotation of a secret).
func (r *Run) Previous(ctx context.Context) (*Secret, error) {
	r.mu.Lock()
	id := r.previousID
	r.mu.Unlock()
	if id == "" {
		return nil, fmt.Errorf("%w: no version of %s is AWSPREVIOUS", ErrNotFound, r.ARN())
	}
	return r.version(ctx, id, "", StagePrevious)
}

// Pending returns the AWSPENDING secret of this rotation (the token's version); an error
// matching ErrNotFound when it has no value yet.
func (r *Run) Pending(ctx context.Context) (*Secret, error) {
	return r.version(ctx, r.Token(), StagePending, StagePending)
}

// MasterARN returns the masterarn field of the current secret (alternating users).
func (r *Run) MasterARN(ctx context.Context) (string, error) {
	cur, err := r.Current(ctx)
	if err != nil {
		return "", err
	}
	arn, err := cur.GetString(FieldMasterARN)
	if err != nil {
		return "", fmt.Errorf("current secret: %w", err)
	}
	if arn == "" {
		return "", fmt.Errorf("current secret: %w", &FieldError{Field: FieldMasterARN, Problem: "is empty"})
	}
	return arn, nil
}

// Master returns the AWSCURRENT value of the secret named by masterarn in the current
// secret.
func (r *Run) Master(ctx context.Context) (*Secret, error) {
	arn, err := r.MasterARN(ctx)
	if err != nil {
		return nil, err
	}
	s, err := r.Secret(ctx, arn)
	if err != nil {
		return nil, fmt.Errorf("master secret (masterarn): %w", err)
	}
	return s, nil
}

// Secret returns the AWSCURRENT value of another secret, read once per invocation.
func (r *Run) Secret(ctx context.Context, secretID string) (*Secret, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.others[secretID]; ok {
		return s.Clone(), nil
	}
	out, err := r.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", secretID, notFound(err))
	}
	s, err := decodeValue(out)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", secretID, err)
	}
	r.redact.addSecret(s)
	r.others[secretID] = s
	return s.Clone(), nil
}

// NewPassword returns a password from GetRandomPassword, configured by the AWS samples'
// environment variables (see PasswordPolicy.WithEnv) over the engine's default policy.
func (r *Run) NewPassword(ctx context.Context) (string, error) {
	p, err := r.e.policy.WithEnv(r.e.lookup)
	if err != nil {
		return "", err
	}
	return r.GeneratePassword(ctx, p)
}

// GeneratePassword returns a password from GetRandomPassword with the given policy.
func (r *Run) GeneratePassword(ctx context.Context, p PasswordPolicy) (string, error) {
	out, err := r.sm.GetRandomPassword(ctx, p.Input())
	if err != nil {
		return "", fmt.Errorf("GetRandomPassword: %w", err)
	}
	pw := aws.ToString(out.RandomPassword)
	r.redact.add(pw)
	return pw, nil
}

// version reads a version of the secret by id (and stage, when given), once.
func (r *Run) version(ctx context.Context, id, stage, label string) (*Secret, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.versions[id]; ok {
		return s.Clone(), nil
	}
	in := &secretsmanager.GetSecretValueInput{SecretId: r.meta.ARN, VersionId: aws.String(id)}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	out, err := r.sm.GetSecretValue(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("read the %s version %s: %w", label, id, notFound(err))
	}
	s, err := decodeValue(out)
	if err != nil {
		return nil, fmt.Errorf("the %s version %s: %w", label, id, err)
	}
	r.redact.addSecret(s)
	r.versions[id] = s
	return s.Clone(), nil
}

// remember records a version the engine wrote.
func (r *Run) remember(id string, s *Secret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s = s.Clone()
	s.versionID = id
	s.stages = []string{StagePending}
	r.versions[id] = s
}

// currentMoved records that AWSCURRENT moved to the token.
func (r *Run) currentMoved() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.currentID != r.ev.ClientRequestToken {
		r.previousID, r.currentID = r.currentID, r.ev.ClientRequestToken
	}
}

func decodeValue(out *secretsmanager.GetSecretValueOutput) (*Secret, error) {
	if out.SecretString == nil {
		return nil, errors.New("the value is binary (SecretBinary); rotation needs a JSON object in SecretString")
	}
	s, err := ParseSecret([]byte(*out.SecretString))
	if err != nil {
		return nil, err
	}
	s.versionID = aws.ToString(out.VersionId)
	s.stages = out.VersionStages
	return s, nil
}

// notFound marks ResourceNotFoundException with ErrNotFound, keeping the SDK error.
func notFound(err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
