output "instance_ids" {
  description = "Ids of the created instances."
  value       = aws_instance.host[*].id
}

output "instance_private_ips" {
  description = "Private address of each created instance, by id: the names the secret and known_hosts use."
  value       = { for i in aws_instance.host : i.id => i.private_ip }
}

output "hosts" {
  description = "Every host whose key is rotated (the secret's `hosts`): the created instances, then extra_hosts."
  value       = local.hosts
}

output "user_secret_arn" {
  description = "ARN of the user's key secret: deployment tooling reads `private_key` of its AWSCURRENT version."
  value       = module.user_key_secret.arn
}

output "master_secret_arn" {
  description = "ARN of the key rotator's secret (the user secret's `masterarn`)."
  value       = module.master_key_secret.arn
}

output "kms_key_arn" {
  description = "KMS key of both secrets; a reader's role needs kms:Decrypt on it."
  value       = secretsmanager_kms_key.ssh.arn
}

output "rotation_function_name" {
  description = "Name of the rotation function."
  value       = module.rotation.function_name
}

output "rotation_log_group" {
  description = "Log group of the rotation function: one JSON line per step and per host, without secret values."
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
  description = "Security group of the rotation function: let it in on port 22 on extra_hosts."
  value       = module.rotation.security_group_id
}

output "hosts_security_group_id" {
  description = "Security group of the created instances."
  value       = aws_security_group.hosts.id
}

output "vpc_endpoint_id" {
  description = "The Secrets Manager interface endpoint; null with create_vpc_endpoints = false."
  value       = one(aws_vpc_endpoint.secretsmanager[*].id)
}

output "rotation_enabled" {
  description = "Whether the secrets are written and rotation is on (known_hosts is set)."
  value       = local.configured
}
