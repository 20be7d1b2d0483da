output "function_arn" {
  description = "ARN of the rotation function. Available once Secrets Manager may invoke it for the listed secrets and its role policy is in place, so a schedule declared elsewhere (`manage_rotation = false`) can use it directly."
  value       = aws_lambda_function.this.arn
  depends_on  = [aws_lambda_permission.secretsmanager, aws_iam_role_policy.this]
}

output "function_name" {
  description = "Name of the rotation function."
  value       = aws_lambda_function.this.function_name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role, e.g. to attach more policies."
  value       = aws_iam_role.this.name
}

output "role_policy_json" {
  description = "The execution role's inline policy, for review."
  value       = aws_iam_role_policy.this.policy
}

output "log_group_name" {
  description = "Log group of the function: one JSON line per rotation step, without secret values."
  value       = aws_cloudwatch_log_group.this.name
}

output "alarm_arn" {
  description = "ARN of the alarm on failed rotation steps; null when `create_alarm` is false."
  value       = one(aws_cloudwatch_metric_alarm.errors[*].arn)
}

output "security_group_id" {
  description = "Id of the security group created for the function; null outside a VPC or with `create_security_group = false`."
  value       = one(aws_security_group.this[*].id)
}

output "rotations" {
  description = "The rotation schedules this module declares, by secret key: `secret_arn`, `rotation_enabled`, and the `rotation_rules` in effect."
  value = { for k, r in secretsmanager_secret_rotation.this : k => {
    secret_arn       = r.secret_id
    rotation_enabled = r.rotation_enabled
    rotation_rules   = r.rotation_rules[0]
  } }
}

output "environment_variables" {
  description = "The environment variables the function gets."
  value       = local.environment
}

output "security_group_ids" {
  description = "Security groups of the function in its VPC (the created one and `vpc_config.security_group_ids`), e.g. to allow them in the database's security group; empty outside a VPC."
  value       = local.security_group_ids
}

output "egress_rules" {
  description = "Outbound rules of the created security group: `description`, `ip_protocol`, `from_port`, `to_port` and the destination."
  value = [for r in local.egress : {
    description = r.description
    ip_protocol = r.ip_protocol
    from_port   = r.from_port
    to_port     = r.to_port
    destination = coalesce(r.cidr_ipv4, r.cidr_ipv6, r.prefix_list_id, r.referenced_security_group_id)
  }]
}
