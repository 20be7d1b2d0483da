# A version is imported by "<secret ARN or name>|<version id>". Import does not read the value,
# so a write-only value never reaches the state: the first apply after import compares the
# configured value with the version's and writes a new version only if they differ.
terraform import secretsmanager_secret_version.db 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/prod/db-AbCdEf|EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE'
# By secret name in another region than the provider's: append @REGION.
terraform import secretsmanager_secret_version.eu 'orders/prod/db|EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE@eu-west-1'
