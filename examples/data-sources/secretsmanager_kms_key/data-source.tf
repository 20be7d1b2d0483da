# The key behind an alias (a key id, key ARN or alias ARN work too).
data "secretsmanager_kms_key" "secrets" {
  key_id = "alias/payments-secrets"
}

# Secrets Manager's AWS managed key, used by secrets that name no key.
data "secretsmanager_kms_key" "default" {
  key_id = "alias/aws/secretsmanager"
}

output "secrets_key" {
  value = {
    arn     = data.secretsmanager_kms_key.secrets.arn
    enabled = data.secretsmanager_kms_key.secrets.enabled
    state   = data.secretsmanager_kms_key.secrets.key_state
  }
}
