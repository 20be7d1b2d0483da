# A database password that lives in Secrets Manager and is rotated by a Lambda function:
# a customer managed KMS key, a secret holding the credentials in the JSON format of the AWS
# rotation samples, and a rotation schedule that rotates once as soon as it is created.

provider "secretsmanager" {
  region = var.region

  # Credentials come from the usual AWS environment variables, shared files or profile.
  # Without endpoints the provider talks to AWS; with them, e.g., to the local emulator.
  dynamic "endpoints" {
    for_each = var.endpoints == null ? [] : [var.endpoints]
    content {
      secretsmanager = endpoints.value.secretsmanager
      kms            = endpoints.value.kms
      sts            = endpoints.value.sts
    }
  }
}

resource "secretsmanager_kms_key" "db" {
  description             = "Encrypts the credentials of ${var.db_username}@${var.db_host}"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  tags                    = var.tags
}

resource "secretsmanager_secret" "db" {
  name        = var.secret_name
  description = "PostgreSQL credentials of ${var.db_username}, rotated by ${var.rotation_lambda_arn}"
  kms_key_id  = secretsmanager_kms_key.db.arn

  # Deleted at once on destroy, so that the quickstart can be applied again with the same
  # name. Keep the default recovery window (30 days) for secrets you care about.
  recovery_window_in_days = 0

  tags = var.tags
}

# The first value, written once and never stored in the plan or the state. The version's
# labels are left to rotation: when the function moves AWSCURRENT to a newer version, the
# next plan shows no change.
resource "secretsmanager_secret_version" "initial" {
  secret_id = secretsmanager_secret.db.arn
  secret_string_wo = jsonencode({
    engine   = "postgres"
    host     = var.db_host
    port     = var.db_port
    dbname   = var.db_name
    username = var.db_username
    password = var.db_password
    ssl      = var.db_ssl
  })
  secret_string_wo_version = var.db_password_version
}

# Turns rotation on and rotates at once: the function creates a new password, sets it in
# the database, tests it, and makes it AWSCURRENT; the value written above becomes
# AWSPREVIOUS. Rotation runs asynchronously: apply returns before it is done.
resource "secretsmanager_secret_rotation" "db" {
  secret_id           = secretsmanager_secret_version.initial.secret_id
  rotation_lambda_arn = var.rotation_lambda_arn
  rotate_immediately  = true

  rotation_rules {
    schedule_expression = var.rotation_schedule
  }
}
