# An existing KMS key and alias for the module's tests, created for real in the emulator.

terraform {
  required_providers {
    secretsmanager = {
      source = "seed-8d6ff4c2/secretsmanager"
    }
  }
}

resource "secretsmanager_kms_key" "existing" {
  description             = "module test: an existing key"
  deletion_window_in_days = 7
}

resource "secretsmanager_kms_alias" "existing" {
  name          = "alias/modtest-secret-existing"
  target_key_id = secretsmanager_kms_key.existing.key_id
}

output "key_arn" {
  value = secretsmanager_kms_key.existing.arn
}

output "alias_name" {
  value = secretsmanager_kms_alias.existing.name
}
