# A KMS alias can be imported by its name or its ARN.
terraform import secretsmanager_kms_alias.secrets alias/payments-secrets
terraform import secretsmanager_kms_alias.secrets arn:aws:kms:us-east-1:123456789012:alias/payments-secrets
# An alias of another region than the provider's: append @REGION.
terraform import secretsmanager_kms_alias.eu alias/payments-secrets@eu-west-1
