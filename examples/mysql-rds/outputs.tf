output "db_address" {
  description = "Host name of the DB instance (the secrets' `host`)."
  value       = aws_db_instance.this.address
}

output "db_port" {
  description = "Port of the DB instance."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Database of the application user."
  value       = var.db_name
}

output "db_instance_arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "master_secret_arn" {
  description = "ARN of the master user's secret, created and rotated by RDS; use it to create the application user."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "app_secret_arn" {
  description = "ARN of the application user's secret: give it to the application (GetSecretValue, AWSCURRENT)."
  value       = module.app_secret.arn
}

output "app_secret_name" {
  description = "Name of the application user's secret."
  value       = module.app_secret.name
}

output "kms_key_arn" {
  description = "KMS key of both secrets; an application's role needs kms:Decrypt on it to read the secret."
  value       = secretsmanager_kms_key.db.arn
}

output "rotation_function_name" {
  description = "Name of the rotation function."
  value       = module.rotation.function_name
}

output "rotation_log_group" {
  description = "Log group of the rotation function: one JSON line per rotation step, without secret values."
  value       = module.rotation.log_group_name
}

output "rotation_alarm_arn" {
  description = "CloudWatch alarm that fires when a rotation step fails."
  value       = module.rotation.alarm_arn
}

output "rotation_role_policy_json" {
  description = "What the rotation function's role may do, for review."
  value       = module.rotation.role_policy_json
}

output "rotation_security_group_id" {
  description = "Security group of the rotation function."
  value       = module.rotation.security_group_id
}

output "db_security_group_id" {
  description = "Security group of the database; add rules for more clients, or list them in client_security_group_ids."
  value       = aws_security_group.db.id
}

output "vpc_endpoint_id" {
  description = "The Secrets Manager interface endpoint; null with create_vpc_endpoints = false."
  value       = one(aws_vpc_endpoint.secretsmanager[*].id)
}

output "rotation_enabled" {
  description = "Whether the application user's secret is rotated (enable_rotation)."
  value       = var.enable_rotation
}
