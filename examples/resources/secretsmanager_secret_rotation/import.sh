# Rotation is imported by the ARN (or the name) of its secret.
terraform import secretsmanager_secret_rotation.db arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-AbCdEf
# By name in another region than the provider's: append @REGION (an ARN names its region).
terraform import secretsmanager_secret_rotation.eu prod/app/db@eu-west-1
