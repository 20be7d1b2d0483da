# The API key rotator (lambdas/apikey) on the rotation-lambda module: the settings of the
# service's key API as variables. The service makes the keys: no secretsmanager:GetRandomPassword.

locals {
  rotator_environment = merge(
    { for k, v in var.settings : "APIKEY_${upper(k)}" => v },
    length(var.allowed_hosts) == 0 ? {} : { APIKEY_ALLOWED_HOSTS = join(",", var.allowed_hosts) },
    var.ca_bundle == null ? {} : { APIKEY_CA_BUNDLE = var.ca_bundle },
  )
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

  # The service makes the keys: no GetRandomPassword.
  allow_get_random_password = false

  vpc_config = var.vpc_config
  # The service is reached over HTTPS, like the AWS APIs.
  default_egress_ports = [443]

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

# The rotator's README: set allowed_hosts, above all with a master credential.
check "allowed_hosts_with_master_secrets" {
  assert {
    condition     = length(var.master_secrets) == 0 || length(var.allowed_hosts) > 0
    error_message = "master_secrets are set but allowed_hosts is empty: a secret's rotation settings could send the master credential to any host. Set allowed_hosts to the service's host names."
  }
}
