# The SSH key rotator (lambdas/sshkey) on the rotation-lambda module: its settings as variables.
# It makes its own keys, so it gets no secretsmanager:GetRandomPassword.

locals {
  rotator_environment = {
    SSH_MAX_PARALLEL    = tostring(var.max_parallel_hosts)
    SSH_CONNECT_TIMEOUT = var.connect_timeout
    SSH_HOST_TIMEOUT    = var.host_timeout
    SSH_REMOVE_OLD_KEY  = var.remove_old_key
  }
}

module "rotation" {
  source = "../rotation-lambda"

  name              = var.name
  description       = var.description
  filename          = var.filename
  s3_bucket         = var.s3_bucket
  s3_key            = var.s3_key
  s3_object_version = var.s3_object_version
  source_code_hash  = var.source_code_hash
  architecture      = var.architecture
  memory_size       = var.memory_size
  timeout           = var.timeout
  layers            = var.layers

  # The module's own settings win over environment_variables, which may not name them.
  environment_variables    = merge(var.environment_variables, local.rotator_environment)
  secrets_manager_endpoint = var.secrets_manager_endpoint

  secrets             = var.secrets
  master_secrets      = var.master_secrets
  schedule_expression = var.schedule_expression
  rotation_duration   = var.rotation_duration
  rotate_immediately  = var.rotate_immediately

  # Keys are generated in the function: no GetRandomPassword.
  allow_get_random_password = false

  vpc_config = var.vpc_config
  # SSH to the hosts, besides HTTPS for the AWS APIs.
  default_egress_ports = [443, 22]

  log_retention_in_days     = var.log_retention_in_days
  log_level                 = var.log_level
  log_kms_key_arn           = var.log_kms_key_arn
  create_alarm              = var.create_alarm
  alarm_actions             = var.alarm_actions
  ok_actions                = var.ok_actions
  role_name                 = var.role_name
  role_permissions_boundary = var.role_permissions_boundary
  tags                      = var.tags
}
