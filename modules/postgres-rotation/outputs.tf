output "function_arn" {
  description = "ARN of the rotation function, available once Secrets Manager may invoke it and its role policy is in place (for schedules declared elsewhere, e.g. the secret module's `rotation_lambda_arn`)."
  value       = module.rotation.function_arn
}

output "function_name" {
  description = "Name of the rotation function."
  value       = module.rotation.function_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = module.rotation.role_arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = module.rotation.role_name
}

output "role_policy_json" {
  description = "The execution role's inline policy, for review."
  value       = module.rotation.role_policy_json
}

output "log_group_name" {
  description = "Log group of the function (JSON lines, one per rotation step; no secret values)."
  value       = module.rotation.log_group_name
}

output "alarm_arn" {
  description = "ARN of the alarm on failed rotation steps; null without `create_alarm`."
  value       = module.rotation.alarm_arn
}

output "security_group_id" {
  description = "Id of the security group created for the function; null outside a VPC or without `create_security_group`."
  value       = module.rotation.security_group_id
}

output "rotations" {
  description = "The rotation schedules declared, by secret key: `secret_arn`, `rotation_enabled`, `rotation_rules`."
  value       = module.rotation.rotations
}

output "environment_variables" {
  description = "The environment variables the function gets, e.g. to compare with the rotator's README."
  value       = module.rotation.environment_variables
}

output "security_group_ids" {
  description = "Security groups of the function in its VPC, e.g. to allow them in the security group of what it rotates; empty outside a VPC."
  value       = module.rotation.security_group_ids
}

output "egress_rules" {
  description = "Outbound rules of the created security group."
  value       = module.rotation.egress_rules
}
