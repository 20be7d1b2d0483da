# Let one role read the secret, and refuse any policy that would make it public.
resource "secretsmanager_secret" "db" {
  name = "prod/app/db"
}

resource "secretsmanager_secret_policy" "db" {
  secret_arn          = secretsmanager_secret.db.arn
  block_public_policy = true

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AppReads"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::123456789012:role/app" }
      Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      Resource  = "*"
    }]
  })
}
