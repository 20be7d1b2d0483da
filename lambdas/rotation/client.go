package rotation

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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

// newSecretsManagerClient builds the client from cfg, at SECRETS_MANAGER_ENDPOINT, else
// AWS_ENDPOINT_URL_SECRETS_MANAGER, else cfg's endpoint (AWS_ENDPOINT_URL), else the
// regional one (FIPS or dual-stack with AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT).
func newSecretsManagerClient(cfg aws.Config, lookup func(string) (string, bool)) *secretsmanager.Client {
	get := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		if ep := get("AWS_ENDPOINT_URL_SECRETS_MANAGER"); ep != "" && !strings.EqualFold(get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
			o.BaseEndpoint = aws.String(ep)
		}
		if ep := get(EnvSecretsManagerEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
		if strings.EqualFold(get("AWS_USE_FIPS_ENDPOINT"), "true") {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
		}
		if strings.EqualFold(get("AWS_USE_DUALSTACK_ENDPOINT"), "true") {
			o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
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
