# A Secrets Manager secret with, optionally, its own KMS key, replicas, a resource policy, an
# initial value that never reaches the state, and a rotation schedule.

locals {
  kms_key_id = var.create_kms_key ? secretsmanager_kms_key.this[0].arn : var.kms_key_id
}

resource "secretsmanager_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description             = "Encrypts the secret ${var.name != null ? var.name : "${var.name_prefix}*"}"
  enable_key_rotation     = var.kms_key_enable_rotation
  deletion_window_in_days = var.kms_key_deletion_window_in_days
  policy                  = var.kms_key_policy
  tags                    = var.tags
}

resource "secretsmanager_kms_alias" "this" {
  count = var.create_kms_key && var.kms_key_alias != null ? 1 : 0

  name          = var.kms_key_alias
  target_key_id = secretsmanager_kms_key.this[0].key_id
}

resource "secretsmanager_secret" "this" {
  name                    = var.name
  name_prefix             = var.name_prefix
  description             = var.description
  kms_key_id              = local.kms_key_id
  recovery_window_in_days = var.recovery_window_in_days

  # The policy is an attribute of the secret rather than a separate resource, so that its
  # presence never depends on values known only after apply.
  policy              = var.policy
  block_public_policy = var.policy != null ? var.block_public_policy : null

  force_overwrite_replica_secret = var.force_overwrite_replica_secret
  dynamic "replica" {
    for_each = var.replicas
    content {
      region     = replica.value.region
      kms_key_id = replica.value.kms_key_id
    }
  }

  tags = var.tags
}

# The initial value, write-only: Terraform sends it and forgets it. version_stages stays
# unset so that rotation moving AWSCURRENT to a newer version is never a diff.
resource "secretsmanager_secret_version" "this" {
  count = var.secret_string_wo_version != null ? 1 : 0

  secret_id                = secretsmanager_secret.this.arn
  secret_string_wo         = var.secret_string_wo
  secret_string_wo_version = var.secret_string_wo_version
}

resource "secretsmanager_secret_rotation" "this" {
  count = var.enable_rotation ? 1 : 0

  secret_id           = secretsmanager_secret.this.arn
  rotation_lambda_arn = var.rotation_lambda_arn
  rotate_immediately  = var.rotate_immediately

  rotation_rules {
    schedule_expression      = var.rotation_rules.schedule_expression
    automatically_after_days = var.rotation_rules.automatically_after_days
    duration                 = var.rotation_rules.duration
  }

  # A rotation reads the current value: write it first.
  depends_on = [secretsmanager_secret_version.this]
}
