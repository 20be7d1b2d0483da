# Generate a password and store it in Secrets Manager without it ever reaching the
# Terraform plan or state: the ephemeral password feeds the write-only secret_string_wo.
# Bump secret_string_wo_version to store a new password; until then the stored one stays.
ephemeral "secretsmanager_random_password" "db" {
  password_length    = 40
  exclude_characters = "/@\"'\\"
}

resource "secretsmanager_secret" "db" {
  name = "prod/app/db"
}

resource "secretsmanager_secret_version" "db" {
  secret_id                = secretsmanager_secret.db.arn
  secret_string_wo         = jsonencode({ username = "app", password = ephemeral.secretsmanager_random_password.db.random_password })
  secret_string_wo_version = 1
}
