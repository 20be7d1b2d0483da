# A KMS key can be imported by its key id or its key ARN.
terraform import secretsmanager_kms_key.secrets 1234abcd-12ab-34cd-56ef-1234567890ab
terraform import secretsmanager_kms_key.secrets arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
# A key of another region than the provider's: append @REGION (an ARN names its region).
terraform import secretsmanager_kms_key.eu 1234abcd-12ab-34cd-56ef-1234567890ab@eu-west-1
