# A secret's policy is imported by the secret's ARN. AWS does not report
# block_public_policy, so it reads as false until the next apply sets it.
terraform import secretsmanager_secret_policy.db arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-AbCdEf
