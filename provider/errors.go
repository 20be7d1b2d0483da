package provider

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// How the resources turn AWS errors into diagnostics that name the operation and the fix.
// AWS error messages never carry secret values, so they can be shown as they are.

// awsErrorCode is the AWS error code and message of err, or empty strings for an error that
// did not come from AWS (network, cancelled context).
func awsErrorCode(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// awsErrorDetail is failed (what failed, with AWS's error) followed by what to do about it:
// hint's advice for the error code, or, for an error that never reached AWS, a check of the
// provider's endpoint.
func awsErrorDetail(failed string, err error, endpoint string, hint func(code string) string) string {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return failed + ". Check the network and the " + endpoint + " endpoint of the provider, then retry."
	}
	if h := hint(ae.ErrorCode()); h != "" {
		return failed + ". " + h
	}
	return failed
}

// secretErrorHint says what to do about the AWS errors of the secret resource and data
// sources that a user can fix.
func secretErrorHint(err error) string {
	code, _ := awsErrorCode(err)
	switch code {
	case "AccessDeniedException", "AccessDenied", "UnrecognizedClientException":
		return "Check that the credentials allow this Secrets Manager action on the secret (and kms:Encrypt/Decrypt/GenerateDataKey on its key)."
	case "ThrottlingException", "RequestLimitExceeded":
		return "Secrets Manager throttled the request after all retries; raise max_retries in the provider block or apply with lower -parallelism."
	case "LimitExceededException":
		return "A Secrets Manager quota was reached (e.g. 50 tags per secret); remove some, or ask AWS for a higher quota."
	case "KMSInvalidStateException", "DisabledException", "NotFoundException":
		return "Check that the KMS key exists, is enabled, and is not pending deletion."
	case "EncryptionFailure", "DecryptionFailure":
		return "Secrets Manager could not use the KMS key; check the key's state and that its policy lets Secrets Manager use it."
	case "InvalidParameterException", "InvalidRequestException", "ValidationException":
		return "Fix the argument the message names."
	}
	return ""
}

// svErrorDetail words a failed Secrets Manager call of the secret version resource, data
// source and ephemeral resource.
func svErrorDetail(op, secret string, err error) string {
	return awsErrorDetail(fmt.Sprintf("Secrets Manager %s on %s failed: %v", op, secret, err), err, "secretsmanager", func(code string) string {
		switch code {
		case "ResourceNotFoundException":
			return "Check secret_id (ARN or name) and that the region (the resource's `region`, else the provider's) is the secret's; the secret or version may have been deleted."
		case "AccessDeniedException":
			return fmt.Sprintf("Grant the credentials secretsmanager:%s on this secret (IAM policy and the secret's resource policy) and, for values, kms:Decrypt/kms:GenerateDataKey on its KMS key.", op)
		case "InvalidRequestException":
			if secretScheduledForDeletion(err) {
				return "The secret is scheduled for deletion: restore it (aws secretsmanager restore-secret --secret-id ...) or let the secretsmanager_secret resource recreate it."
			}
			return "The secret is not in a state that allows this (e.g. a replica, which is read-only, or a KMS key that is disabled); fix that and retry."
		case "DecryptionFailure", "EncryptionFailure", "KMSInvalidStateException", "DisabledException":
			return "The secret's KMS key is disabled, pending deletion or not usable by these credentials; enable the key or grant kms:Decrypt and kms:GenerateDataKey, then retry."
		case "LimitExceededException":
			return "A Secrets Manager quota is reached (e.g. 20 labels per version, or too many versions written too fast); wait and retry, or remove labels."
		case "ResourceExistsException":
			return "A version with this ClientRequestToken exists with another value; retry, which uses a new token."
		case "InvalidParameterException", "ValidationException":
			return "Fix the argument named in the message."
		}
		return ""
	})
}

// kmsErrorDetail words a failed KMS call: the operation, AWS's error, and what to do about it.
func kmsErrorDetail(op string, err error) string {
	return awsErrorDetail(fmt.Sprintf("KMS %s failed: %v", op, err), err, "kms", func(code string) string {
		switch code {
		case "AccessDeniedException":
			return fmt.Sprintf("Grant the credentials kms:%s on this key, in their IAM policy and in the key policy.", op)
		case "NotFoundException":
			return "Check the key id, ARN or alias, and that the region (the resource's `region`, else the provider's) is the key's."
		case "DisabledException":
			return "The key is disabled; set is_enabled = true on it (or run aws kms enable-key) and retry."
		case "KMSInvalidStateException":
			return "The key is not in a state that allows this (e.g. pending deletion); cancel its deletion with aws kms cancel-key-deletion, or use another key."
		case "MalformedPolicyDocumentException":
			return "Fix the policy document: it must be valid JSON with a Statement, and (unless bypass_policy_lockout_safety_check = true) let the caller manage the key."
		case "LimitExceededException":
			return "An account quota of KMS is reached; delete unused keys or aliases, or ask AWS for a higher quota."
		case "TagException":
			return "Fix the tags: at most 50, keys 1–128 characters not starting with aws:, values at most 256 characters."
		case "UnsupportedOperationException":
			return "This key type does not support the operation; check key_spec and key_usage."
		case "AlreadyExistsException":
			return "Choose another alias name, or import the existing alias with terraform import."
		case "ValidationException", "InvalidAliasNameException":
			return "Fix the argument named in the message."
		}
		return ""
	})
}

// optionalString is a nullable AWS string as a Terraform value: absent or empty is null.
func optionalString(s *string) types.String {
	if aws.ToString(s) == "" {
		return types.StringNull()
	}
	return types.StringValue(*s)
}

func secretScheduledForDeletionDetail(name, region string, deleted *time.Time) string {
	when := "an unknown date"
	if deleted != nil {
		when = deleted.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("A secret named %q exists in %s and is scheduled for deletion (deleted date %s). Secrets Manager keeps the name "+
		"reserved until its recovery window ends, so it cannot be created again yet. Either:\n\n"+
		"  - restore it and bring it under Terraform:\n"+
		"      aws secretsmanager restore-secret --secret-id %s --region %s\n"+
		"      terraform import secretsmanager_secret.<name> %s\n"+
		"  - or delete it for good now, then apply again:\n"+
		"      aws secretsmanager delete-secret --secret-id %s --force-delete-without-recovery --region %s\n"+
		"  - or choose another name.",
		name, region, when, name, region, name, name, region)
}
