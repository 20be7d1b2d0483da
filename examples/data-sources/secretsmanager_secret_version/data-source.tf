# The current value of a secret. The value is stored in the state (sensitive); prefer the
# ephemeral resource of the same name when it only feeds a write-only argument or a provider.
data "secretsmanager_secret_version" "api" {
  secret_id = "orders/prod/api-key"
}

# The value before the last rotation, e.g. to accept both keys while clients catch up.
data "secretsmanager_secret_version" "api_previous" {
  secret_id     = "orders/prod/api-key"
  version_stage = "AWSPREVIOUS"
}

# One exact version, by id.
data "secretsmanager_secret_version" "pinned" {
  secret_id  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/prod/api-key-AbCdEf"
  version_id = "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
}

output "api_key_rotated_at" {
  value = data.secretsmanager_secret_version.api.created_date
}
