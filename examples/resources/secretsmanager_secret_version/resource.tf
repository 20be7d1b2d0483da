# A database password that a rotation function changes every 30 days. Terraform writes the
# first value and then leaves the secret to rotation: version_stages is not set, so when a
# rotation moves AWSCURRENT to a newer version, this version keeps AWSPREVIOUS (or, after
# another rotation, no label) and `terraform plan` shows no change and no replacement. When
# AWS eventually deletes the old version, the resource stays in state and refresh warns.
#
# The value is write-only (Terraform 1.11 or later): it comes from an ephemeral password and
# never reaches the plan or the state. Increase secret_string_wo_version to write a new value.
ephemeral "secretsmanager_random_password" "db" {
  password_length    = 32
  exclude_characters = "/@\"'\\"
}

resource "secretsmanager_secret" "db" {
  name = "orders/prod/db"
}

resource "secretsmanager_secret_version" "db" {
  secret_id = secretsmanager_secret.db.arn
  secret_string_wo = jsonencode({
    engine   = "postgres"
    host     = "orders.cluster-abc.us-east-1.rds.amazonaws.com"
    port     = 5432
    username = "orders"
    password = ephemeral.secretsmanager_random_password.db.random_password
  })
  secret_string_wo_version = 1
}

resource "secretsmanager_secret_rotation" "db" {
  secret_id           = secretsmanager_secret_version.db.secret_id
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:postgres-rotation"

  rotation_rules {
    automatically_after_days = 30
  }
}

# A configuration value that is not secret enough to need write-only: secret_string is kept
# in state (marked sensitive). Changing it writes a new version in place; the old one gets
# AWSPREVIOUS.
resource "secretsmanager_secret" "feature_flags" {
  name = "orders/prod/feature-flags"
}

resource "secretsmanager_secret_version" "feature_flags" {
  secret_id     = secretsmanager_secret.feature_flags.arn
  secret_string = jsonencode({ new_checkout = true })
}

# Blue/green certificates: with version_stages set, Terraform keeps exactly these labels on
# this version. Anyone moving "green" (or AWSCURRENT) away is drift that plan shows and apply
# moves back. Destroy removes "green" from the version; AWSCURRENT can only move to another
# version, so it stays until another version takes it.
resource "secretsmanager_secret" "tls" {
  name = "orders/prod/tls-key"
}

resource "secretsmanager_secret_version" "tls_green" {
  secret_id      = secretsmanager_secret.tls.arn
  secret_binary  = filebase64("${path.module}/green.key")
  version_stages = ["AWSCURRENT", "green"]
}
