resource "secretsmanager_kms_key" "secrets" {
  description = "Encrypts the payments team's secrets"
}

# Secrets name the alias as kms_key_id; moving the alias to another key (same key_spec and
# key_usage) changes the key of new secret versions without touching the secrets.
resource "secretsmanager_kms_alias" "secrets" {
  name          = "alias/payments-secrets"
  target_key_id = secretsmanager_kms_key.secrets.key_id
}

# A unique name from a prefix, e.g. for one alias per environment from one module.
resource "secretsmanager_kms_alias" "per_env" {
  name_prefix   = "alias/payments-"
  target_key_id = secretsmanager_kms_key.secrets.arn
}
