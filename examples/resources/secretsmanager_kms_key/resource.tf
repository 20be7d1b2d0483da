# A key for secrets: symmetric (the only kind Secrets Manager uses), rotated every 180 days,
# deleted 7 days after `terraform destroy`. Without `policy`, the key gets KMS's default
# policy (the account's IAM policies decide), shown in the state without causing a diff.
resource "secretsmanager_kms_key" "secrets" {
  description             = "Encrypts the payments team's secrets"
  enable_key_rotation     = true
  rotation_period_in_days = 180
  deletion_window_in_days = 7

  tags = {
    team = "payments"
  }
}

# A key with its own policy: the account administers it, one role may decrypt with it.
variable "account_id" {
  type        = string
  description = "AWS account that owns the key."
}

resource "secretsmanager_kms_key" "restricted" {
  description = "Only the app role may decrypt"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "AppDecrypts"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:role/app" }
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = "*"
      },
    ]
  })

  # The role may be created in the same apply; KMS refuses a policy naming a principal IAM has
  # not propagated yet, and the create retries until this timeout (default 2m).
  timeouts {
    create = "5m"
  }
}
