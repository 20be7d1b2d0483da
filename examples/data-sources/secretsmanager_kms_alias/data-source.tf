# The key an alias points to, e.g. to encrypt a secret with a team's key by name.
data "secretsmanager_kms_alias" "payments" {
  name = "alias/payments-secrets"
}

resource "secretsmanager_secret" "card_processor" {
  name       = "payments/card-processor"
  kms_key_id = data.secretsmanager_kms_alias.payments.target_key_arn
}
