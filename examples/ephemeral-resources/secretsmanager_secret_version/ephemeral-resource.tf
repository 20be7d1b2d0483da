# Read the current database credentials without them ever reaching the plan or the state, and
# copy them into a secret of another application through a write-only argument (Terraform 1.11
# or later). Increase secret_string_wo_version to copy the value again after a rotation.
ephemeral "secretsmanager_secret_version" "db" {
  secret_id = "orders/prod/db"
}

resource "secretsmanager_secret" "reporting_db" {
  name = "reporting/prod/db"
}

resource "secretsmanager_secret_version" "reporting_db" {
  secret_id                = secretsmanager_secret.reporting_db.arn
  secret_string_wo         = ephemeral.secretsmanager_secret_version.db.secret_string
  secret_string_wo_version = 1
}

# The value before the last rotation, by stage; version_id reads one exact version instead.
ephemeral "secretsmanager_secret_version" "db_previous" {
  secret_id     = "orders/prod/db"
  version_stage = "AWSPREVIOUS"
}
