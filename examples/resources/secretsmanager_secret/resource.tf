# Database credentials of a production service: encrypted with a customer managed key (needed
# to share a secret with other accounts), replicated to a second region for disaster recovery,
# readable by one application role. The value itself is set by secretsmanager_secret_version.
variable "account_id" {
  type        = string
  description = "AWS account of the application role."
}

resource "secretsmanager_kms_key" "secrets" {
  description         = "Encrypts the orders service's secrets"
  enable_key_rotation = true
}

resource "secretsmanager_secret" "db" {
  name        = "orders/prod/db"
  description = "Master credentials of the orders database"
  kms_key_id  = secretsmanager_kms_key.secrets.arn

  # The replica's ARN, for applications in eu-west-1: one(secretsmanager_secret.db.replica[*].arn).
  replica {
    region = "eu-west-1"
  }

  # Refused at plan time if it granted access to everyone.
  block_public_policy = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AppReads"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.account_id}:role/orders-app" }
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
    }]
  })

  tags = {
    team = "orders"
  }
}

# A short-lived token in a test environment: deleted at once on destroy, so that its name can
# be used again without waiting out a recovery window.
resource "secretsmanager_secret" "ci_token" {
  name_prefix             = "ci/token-"
  recovery_window_in_days = 0
}

# A secret of its own in another region, from the same provider configuration (not a replica):
# its API calls go to eu-central-1; changing region replaces it.
resource "secretsmanager_secret" "eu_reporting" {
  region = "eu-central-1"
  name   = "reporting/eu/db"
}
