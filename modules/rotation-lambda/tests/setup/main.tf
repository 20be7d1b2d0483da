# Secrets for the module's tests, created for real in the emulator by this project's
# provider: the rotation schedules the module declares need secrets that exist.

terraform {
  required_providers {
    secretsmanager = {
      source = "seed-8d6ff4c2/secretsmanager"
    }
  }
}

variable "prefix" {
  type = string
}

resource "secretsmanager_kms_key" "app" {
  description             = "module test: key of the app secret"
  deletion_window_in_days = 7
}

resource "secretsmanager_secret" "app" {
  name                    = "${var.prefix}/app"
  kms_key_id              = secretsmanager_kms_key.app.arn
  recovery_window_in_days = 0
}

resource "secretsmanager_secret_version" "app" {
  secret_id     = secretsmanager_secret.app.arn
  secret_string = jsonencode({ engine = "postgres", host = "db.example.internal", port = 5432, dbname = "app", username = "app", password = "initial-app-password" })
}

resource "secretsmanager_secret" "report" {
  name                    = "${var.prefix}/report"
  recovery_window_in_days = 0
}

resource "secretsmanager_secret_version" "report" {
  secret_id     = secretsmanager_secret.report.arn
  secret_string = jsonencode({ engine = "postgres", host = "db.example.internal", port = 5432, dbname = "app", username = "report", password = "initial-report-password" })
}

resource "secretsmanager_secret" "master" {
  name                    = "${var.prefix}/master"
  recovery_window_in_days = 0
}

resource "secretsmanager_secret_version" "master" {
  secret_id     = secretsmanager_secret.master.arn
  secret_string = jsonencode({ engine = "postgres", host = "db.example.internal", port = 5432, dbname = "postgres", username = "master", password = "initial-master-password" })
}

output "key_arn" {
  value = secretsmanager_kms_key.app.arn
}

# The ARNs come from the versions, so that the secrets have a value before a test turns
# rotation on.
output "app_secret_arn" {
  value = secretsmanager_secret_version.app.arn
}

output "report_secret_arn" {
  value = secretsmanager_secret_version.report.arn
}

output "master_secret_arn" {
  value = secretsmanager_secret_version.master.arn
}
