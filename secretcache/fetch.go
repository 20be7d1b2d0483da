package secretcache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

type fetchInput struct {
	val            *Value // the value held, nil if none
	describeDenied bool
	// changed: the last DescribeSecret showed another version for the stage and the
	// GetSecretValue that followed failed, so the retry goes straight to GetSecretValue.
	changed bool
}

type fetchResult struct {
	val            *Value
	meta           meta
	haveMeta       bool
	describeDenied bool
	err            error
}

// fetch asks Secrets Manager about k. A first read, a pinned version, a secret whose
// DescribeSecret is denied, or the retry of a failed GetSecretValue costs one
// GetSecretValue. Otherwise one DescribeSecret tells
// which version holds the stage (and the rotation schedule and state); GetSecretValue
// follows only when that version is not the one held.
func (c *Cache) fetch(ctx context.Context, k key, in fetchInput) fetchResult {
	if k.version != "" || in.val == nil || in.describeDenied || in.changed {
		v, err := c.getSecretValue(ctx, k)
		return fetchResult{val: v, err: err}
	}
	d, err := c.describeSecret(ctx, k)
	if err != nil {
		if apiErrorCode(err) == "AccessDeniedException" {
			v, err := c.getSecretValue(ctx, k)
			return fetchResult{val: v, err: err, describeDenied: true}
		}
		return fetchResult{err: err}
	}
	m := metaFrom(d, k.stage)
	// A secret scheduled for deletion cannot be read: GetSecretValue says so, in AWS's words.
	if !m.deleted && m.versionID != "" && m.versionID == in.val.versionID && m.arn == in.val.arn {
		v := in.val
		if !sameSet(m.stages, v.stages) {
			v = v.withStages(m.stages)
		}
		return fetchResult{val: v, meta: m, haveMeta: true}
	}
	v, err := c.getSecretValue(ctx, k)
	return fetchResult{val: v, meta: m, haveMeta: true, err: err}
}

func (c *Cache) describeSecret(ctx context.Context, k key) (*secretsmanager.DescribeSecretOutput, error) {
	c.st.describe.Add(1)
	out, err := c.client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(k.id)})
	c.logCall(ctx, "DescribeSecret", k, err)
	if err == nil && out == nil {
		err = errors.New("DescribeSecret returned no output")
	}
	if err != nil {
		c.st.apiErrors.Add(1)
		return nil, err
	}
	return out, nil
}

// getSecretValue reads k by its stage (and version id), so the service resolves the label
// atomically: a read of AWSCURRENT can never return the AWSPENDING version of a rotation in
// progress. The answer is checked to carry what was asked for.
func (c *Cache) getSecretValue(ctx context.Context, k key) (*Value, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(k.id)}
	if k.stage != "" {
		in.VersionStage = aws.String(k.stage)
	}
	if k.version != "" {
		in.VersionId = aws.String(k.version)
	}
	c.st.getValue.Add(1)
	out, err := c.client.GetSecretValue(ctx, in)
	c.logCall(ctx, "GetSecretValue", k, err)
	switch {
	case err != nil:
	case out == nil:
		err = errors.New("GetSecretValue returned no output")
	case k.stage != "" && !slices.Contains(out.VersionStages, k.stage):
		err = fmt.Errorf("GetSecretValue answered version %s, which does not carry stage %s: not served", aws.ToString(out.VersionId), k.stage)
	case k.version != "" && aws.ToString(out.VersionId) != k.version:
		err = fmt.Errorf("GetSecretValue answered version %s instead of %s: not served", aws.ToString(out.VersionId), k.version)
	}
	if err != nil {
		c.st.apiErrors.Add(1)
		return nil, err
	}
	return newValue(out, c.opt.Hook), nil
}

func (c *Cache) logCall(ctx context.Context, op string, k key, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{slog.String("op", op), slog.String("secret", k.id), slog.String("stage", k.stage), slog.String("version_id", k.version)}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "api call", attrs...)
}

// apiErrorCode is the AWS error code of err ("ResourceNotFoundException"), or "".
func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}
