# Whether a secret rotates, with which function and on what schedule.
data "secretsmanager_secret_rotation" "db" {
  secret_id = "prod/db/master"
}

output "db_rotation" {
  value = {
    enabled  = data.secretsmanager_secret_rotation.db.rotation_enabled
    function = data.secretsmanager_secret_rotation.db.rotation_lambda_arn
    schedule = data.secretsmanager_secret_rotation.db.rotation_rules
  }
}
