output "secret_arn" {
  description = "ARN of the secret; give it to the application (GetSecretValue) and to the rotation function's role."
  value       = secretsmanager_secret.db.arn
}

output "secret_name" {
  description = "Name of the secret."
  value       = secretsmanager_secret.db.name
}

output "kms_key_arn" {
  description = "ARN of the KMS key the secret is encrypted with; the rotation function's role needs kms:Decrypt and kms:GenerateDataKey on it."
  value       = secretsmanager_kms_key.db.arn
}

output "initial_version_id" {
  description = "Version that holds the password written by Terraform; AWSPREVIOUS after the first rotation."
  value       = secretsmanager_secret_version.initial.version_id
}

output "rotation_lambda_arn" {
  description = "The rotation function."
  value       = secretsmanager_secret_rotation.db.rotation_lambda_arn
}
