# Reads a secret back from the emulator, to check what the module wrote. The value lands in
# this test's throwaway state, which is fine for a test value.

terraform {
  required_providers {
    secretsmanager = {
      source = "seed-8d6ff4c2/secretsmanager"
    }
  }
}

variable "secret_arn" {
  type = string
}

# What the module under test reported, for the assertions to compare with (OpenTofu reads
# other runs' outputs only in variables).
variable "want_version_id" {
  type = string
}

variable "want_kms_key_arn" {
  type = string
}

data "secretsmanager_secret_version" "current" {
  secret_id = var.secret_arn
}

data "secretsmanager_secret" "this" {
  arn = var.secret_arn
}

output "secret_string" {
  value     = data.secretsmanager_secret_version.current.secret_string
  sensitive = true
}

output "version_id" {
  value = data.secretsmanager_secret_version.current.version_id
}

output "kms_key_id" {
  value = data.secretsmanager_secret.this.kms_key_id
}

output "policy" {
  value = data.secretsmanager_secret.this.policy
}

output "rotation_enabled" {
  value = data.secretsmanager_secret.this.rotation_enabled
}

output "rotation_lambda_arn" {
  value = data.secretsmanager_secret.this.rotation_lambda_arn
}

output "rotation_rules" {
  value = data.secretsmanager_secret.this.rotation_rules
}

output "replica_regions" {
  value = [for r in data.secretsmanager_secret.this.replica : r.region]
}

output "tags" {
  value = data.secretsmanager_secret.this.tags
}
