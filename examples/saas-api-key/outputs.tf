output "secret_arn" {
  description = "ARN of the API key's secret: clients read `api_key` of its AWSCURRENT version (GetSecretValue)."
  value       = module.api_key_secret.arn
}

output "secret_name" {
  description = "Name of the secret."
  value       = module.api_key_secret.name
}

output "kms_key_arn" {
  description = "The secret's customer managed key (a reader's role needs kms:Decrypt on it); null with the AWS managed key."
  value       = module.api_key_secret.kms_key_arn
}

output "rotation_enabled" {
  description = "Whether rotation is on."
  value       = module.api_key_secret.rotation_enabled
}

output "rotation_function_name" {
  description = "Name of the rotation function."
  value       = module.rotation.function_name
}

output "rotation_log_group" {
  description = "Log group of the rotation function: one JSON line per step, and the ids of the keys created and revoked; never a key."
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

output "rotation_environment" {
  description = "The rotator's settings as the function gets them (APIKEY_*), to compare with lambdas/apikey/README.md."
  value       = module.rotation.environment_variables
}
