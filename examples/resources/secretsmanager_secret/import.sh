# A secret can be imported by its ARN or its name. Its resource policy is not imported: set
# `policy` in the configuration and the next apply takes it over (or leave it to
# secretsmanager_secret_policy).
terraform import secretsmanager_secret.db arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/prod/db-AbCdEf
terraform import secretsmanager_secret.db orders/prod/db
# A secret of another region than the provider's: append @REGION (an ARN names its region).
terraform import secretsmanager_secret.eu orders/prod/db@eu-west-1
