# Rotate a database password every 30 days with a rotation function, in a 3-hour window
# that opens at midnight UTC. Creating the resource rotates the secret once at once
# (rotate_immediately defaults to true); later changes of the schedule never rotate it.
resource "secretsmanager_secret" "db" {
  name = "prod/app/db"
}

resource "secretsmanager_secret_rotation" "db" {
  secret_id           = secretsmanager_secret.db.arn
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:postgres-rotation"

  rotation_rules {
    schedule_expression = "rate(30 days)"
    duration            = "3h"
  }
}

# Every Monday at 08:00 UTC, without rotating when the schedule is first applied: Secrets
# Manager only runs the function's testSecret step to check the configuration.
resource "secretsmanager_secret" "api" {
  name = "prod/app/api-key"
}

resource "secretsmanager_secret_rotation" "api" {
  secret_id           = secretsmanager_secret.api.arn
  rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:apikey-rotation"
  rotate_immediately  = false

  rotation_rules {
    schedule_expression = "cron(0 8 ? * MON *)"
  }
}
