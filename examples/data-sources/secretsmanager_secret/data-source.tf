# A secret managed elsewhere, looked up by name (or by `arn`), e.g. to grant a function access.
data "secretsmanager_secret" "db" {
  name = "orders/prod/db"
}

output "db_secret_arn" {
  value = data.secretsmanager_secret.db.arn
}

output "db_rotation_enabled" {
  value = data.secretsmanager_secret.db.rotation_enabled
}
