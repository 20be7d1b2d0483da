output "arn" {
  description = "ARN of the secret (with its six-character suffix): give it to rotator modules, IAM policies and applications."
  value       = secretsmanager_secret.this.arn
}

output "name" {
  description = "Name of the secret."
  value       = secretsmanager_secret.this.name
}

output "kms_key_arn" {
  description = "ARN of the secret's KMS key: the created key, or `kms_key_id` when that is a key ARN; null for the AWS managed key or a key given by id or alias. This is what a rotator module's `kms_key_arn` wants."
  value = var.create_kms_key ? secretsmanager_kms_key.this[0].arn : (
    var.kms_key_id != null && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_id)) ? var.kms_key_id : null
  )
}

output "kms_key_id" {
  description = "The key the secret is encrypted with, as configured (null: `aws/secretsmanager`)."
  value       = local.kms_key_id
}

output "kms_alias_arn" {
  description = "ARN of the created key's alias; null without `kms_key_alias`."
  value       = one(secretsmanager_kms_alias.this[*].arn)
}

output "version_id" {
  description = "Id of the version holding the initial value; null when no value was given."
  value       = one(secretsmanager_secret_version.this[*].version_id)
}

output "replicas" {
  description = "Replication status by region: `InProgress`, `InSync` or `Failed`."
  value       = { for r in secretsmanager_secret.this.replica : r.region => r.status }
}

output "rotation_enabled" {
  description = "Whether this module turned rotation on."
  value       = var.enable_rotation ? secretsmanager_secret_rotation.this[0].rotation_enabled : false
}
