package rotation

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// SecretsManagerAPI is the part of the Secrets Manager client the engine and the rotators
// use; *secretsmanager.Client implements it.
type SecretsManagerAPI interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
	GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error)
}

// EnvSecretsManagerEndpoint is the variable the AWS samples pass to boto3 as endpoint_url.
// When it is set and not empty it wins over AWS_ENDPOINT_URL_SECRETS_MANAGER and
// AWS_ENDPOINT_URL, which the SDK reads otherwise.
const EnvSecretsManagerEndpoint = "SECRETS_MANAGER_ENDPOINT"

// loadAWSConfig loads the default SDK configuration (credentials, region, retries and the
// AWS_ENDPOINT_URL* variables).
func loadAWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// newSecretsManagerClient builds the client from cfg, with SECRETS_MANAGER_ENDPOINT.
func newSecretsManagerClient(cfg aws.Config, lookup func(string) (string, bool)) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if ep, ok := lookup(EnvSecretsManagerEndpoint); ok && ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
}

// countingClient counts and times the calls of one invocation, and logs each at debug
// level (operation, duration, error; never a value).
type countingClient struct {
	inner SecretsManagerAPI
	calls atomic.Int64
	log   *slog.Logger
}

func (c *countingClient) done(ctx context.Context, op string, start time.Time, err error) {
	c.calls.Add(1)
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []any{"operation", op, "duration_ms", ms(time.Since(start))}
	if err != nil {
		attrs = append(attrs, "error", err.Error())
	}
	c.log.DebugContext(ctx, "secrets manager call", attrs...)
}

func (c *countingClient) DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	start := time.Now()
	out, err := c.inner.DescribeSecret(ctx, in, optFns...)
	c.done(ctx, "DescribeSecret", start, err)
	return out, err
}

func (c *countingClient) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	start := time.Now()
	out, err := c.inner.GetSecretValue(ctx, in, optFns...)
	c.done(ctx, "GetSecretValue", start, err)
	return out, err
}

func (c *countingClient) PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	start := time.Now()
	out, err := c.inner.PutSecretValue(ctx, in, optFns...)
	c.done(ctx, "PutSecretValue", start, err)
	return out, err
}

func (c *countingClient) UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	start := time.Now()
	out, err := c.inner.UpdateSecretVersionStage(ctx, in, optFns...)
	c.done(ctx, "UpdateSecretVersionStage", start, err)
	return out, err
}

func (c *countingClient) GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	start := time.Now()
	out, err := c.inner.GetRandomPassword(ctx, in, optFns...)
	c.done(ctx, "GetRandomPassword", start, err)
	return out, err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
