# Rotation is imported by the ARN (or the name) of its secret.
terraform import secretsmanager_secret_rotation.db arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-AbCdEf
