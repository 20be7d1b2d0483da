package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// The find layer: one function per object the provider reads, each returning the object or
// a *notFoundError, so that every Read decides "gone" the same way (isNotFound) and only
// words its own diagnostics. As in hashicorp/aws, an object that waits for deletion (a
// secret in its recovery window, a KMS key pending deletion) counts as not found: it can no
// longer be used, and a resource that refreshes to it is removed from state.

// notFoundError says that the object looked up does not exist, or waits for deletion.
type notFoundError struct {
	what string // "secret app/db", "KMS key 1234abcd-...", ...
	// scheduled is set for an object that still exists but waits for deletion; arn and name
	// are then what AWS still reports of it, and deletedDate, if AWS gives it, when the
	// secret was deleted or the KMS key will be.
	scheduled   bool
	deletedDate *time.Time
	arn, name   string
	cause       error // the AWS error, if one said "not found"
}

func (e *notFoundError) Error() string {
	switch {
	case e.scheduled && e.deletedDate != nil:
		return fmt.Sprintf("%s is scheduled for deletion (%s)", e.what, e.deletedDate.UTC().Format(time.RFC3339))
	case e.scheduled:
		return e.what + " is scheduled for deletion"
	case e.cause != nil:
		return fmt.Sprintf("%s not found: %v", e.what, e.cause)
	}
	return e.what + " not found"
}

func (e *notFoundError) Unwrap() error { return e.cause }

// isNotFound reports an error that means the object is gone: a *notFoundError from a find
// function, or an AWS error of another call that says the same (Secrets Manager's
// ResourceNotFoundException or its refusal because the secret is scheduled for deletion,
// KMS's NotFoundException). Delete uses it to treat an object already gone as deleted.
func isNotFound(err error) bool {
	var nf *notFoundError
	return errors.As(err, &nf) || awsNotFound(err)
}

func awsNotFound(err error) bool {
	var smNF *smtypes.ResourceNotFoundException
	var kmsNF *kmstypes.NotFoundException
	return errors.As(err, &smNF) || errors.As(err, &kmsNF) || secretScheduledForDeletion(err)
}

// secretScheduledForDeletion reports a call Secrets Manager refused because the secret is
// scheduled for deletion (or deleted). It stays apart from isNotFound, which it is part
// of, because the fix differs: such a secret can be restored, and the version resource and
// data sources say so.
func secretScheduledForDeletion(err error) bool {
	var ir *smtypes.InvalidRequestException
	return errors.As(err, &ir) && (strings.Contains(ir.ErrorMessage(), "marked for deletion") || strings.Contains(ir.ErrorMessage(), "because it was deleted"))
}

// scheduledForDeletion is the not-found error of an object that waits for deletion, or nil.
func scheduledForDeletion(err error) *notFoundError {
	var nf *notFoundError
	if errors.As(err, &nf) && nf.scheduled {
		return nf
	}
	return nil
}

// notFound wraps err in a *notFoundError when AWS said the object is gone; other errors
// are returned as they are.
func notFound(what string, err error) error {
	if err != nil && awsNotFound(err) {
		return &notFoundError{what: what, cause: err}
	}
	return err
}

// findSecretByID describes a secret by ARN or name. A secret scheduled for deletion is not
// found (the error carries its deleted date, ARN and name).
func findSecretByID(ctx context.Context, c *secretsmanager.Client, id string) (*secretsmanager.DescribeSecretOutput, error) {
	what := "secret " + id
	out, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, notFound(what, err)
	}
	if out.DeletedDate != nil {
		return nil, &notFoundError{what: what, scheduled: true, deletedDate: out.DeletedDate, arn: aws.ToString(out.ARN), name: aws.ToString(out.Name)}
	}
	return out, nil
}

// findRotation is the rotation configuration of a secret, which DescribeSecret reports
// (RotationEnabled, RotationLambdaARN, RotationRules). The rotation of a secret that is
// gone is gone; rotation turned off is not "not found": the rotation resource repairs it.
func findRotation(ctx context.Context, c *secretsmanager.Client, secretID string) (*secretsmanager.DescribeSecretOutput, error) {
	return findSecretByID(ctx, c, secretID)
}

// findSecretPolicy is a secret's resource policy; a secret without one, or that is gone,
// has no policy to find.
func findSecretPolicy(ctx context.Context, c *secretsmanager.Client, secretID string) (*secretsmanager.GetResourcePolicyOutput, error) {
	what := "resource policy of secret " + secretID
	out, err := c.GetResourcePolicy(ctx, &secretsmanager.GetResourcePolicyInput{SecretId: aws.String(secretID)})
	if err != nil {
		return nil, notFound(what, err)
	}
	if aws.ToString(out.ResourcePolicy) == "" {
		return out, &notFoundError{what: what}
	}
	return out, nil
}

// findVersion looks up one version of a secret and its labels, and the secret's ARN. One
// ListSecretVersionIds call answers (unless the secret has more than 100 versions): it
// includes deprecated versions, so it tells "deleted" apart from "unlabelled", which
// DescribeSecret cannot, and it never returns the value.
//
// Both a missing secret and a missing version are not found; the ARN tells them apart: it
// is empty when the secret itself is gone, and the secret's when only the version is
// (AWS deletes unlabelled versions once a secret has more than 100).
func findVersion(ctx context.Context, c *secretsmanager.Client, secretID, versionID string) (*smtypes.SecretVersionsListEntry, string, error) {
	in := &secretsmanager.ListSecretVersionIdsInput{SecretId: aws.String(secretID), IncludeDeprecated: aws.Bool(true), MaxResults: aws.Int32(100)}
	for {
		out, err := c.ListSecretVersionIds(ctx, in)
		if err != nil {
			return nil, "", notFound("secret "+secretID, err)
		}
		for i := range out.Versions {
			if aws.ToString(out.Versions[i].VersionId) == versionID {
				return &out.Versions[i], aws.ToString(out.ARN), nil
			}
		}
		if aws.ToString(out.NextToken) == "" {
			return nil, aws.ToString(out.ARN), &notFoundError{what: fmt.Sprintf("version %s of secret %s", versionID, aws.ToString(out.ARN))}
		}
		in.NextToken = out.NextToken
	}
}

// findKMSKeyByID describes a KMS key by id, ARN or alias. A key pending deletion is not
// found (the error carries its deletion date).
func findKMSKeyByID(ctx context.Context, c *kms.Client, keyID string) (*kmstypes.KeyMetadata, error) {
	what := "KMS key " + keyID
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, notFound(what, err)
	}
	switch md := out.KeyMetadata; md.KeyState {
	case kmstypes.KeyStatePendingDeletion, kmstypes.KeyStatePendingReplicaDeletion:
		return nil, &notFoundError{what: "KMS key " + aws.ToString(md.KeyId), scheduled: true, deletedDate: md.DeletionDate,
			arn: aws.ToString(md.Arn), name: aws.ToString(md.KeyId)}
	}
	return out.KeyMetadata, nil
}

// findAliasByName is the key an alias (alias/...) points at. KMS has no GetAlias: DescribeKey
// on the alias name answers in one call, where ListAliases would page through every alias
// of the account.
func findAliasByName(ctx context.Context, c *kms.Client, name string) (*kmstypes.KeyMetadata, error) {
	out, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(name)})
	if err != nil {
		return nil, notFound("KMS alias "+name, err)
	}
	return out.KeyMetadata, nil
}
