# The PostgreSQL rotator (lambdas/postgres) on the rotation-lambda module: its settings as
# variables, and the permissions it needs: RDS only for RDS-managed master secrets.

locals {
  rotator_environment = merge(
    {
      ROTATION_STRATEGY          = var.rotation_strategy
      PASSWORD_LENGTH            = tostring(var.password_length)
      EXCLUDE_CHARACTERS         = var.exclude_characters
      EXCLUDE_NUMBERS            = tostring(var.exclude_numbers)
      EXCLUDE_PUNCTUATION        = tostring(var.exclude_punctuation)
      EXCLUDE_UPPERCASE          = tostring(var.exclude_uppercase)
      EXCLUDE_LOWERCASE          = tostring(var.exclude_lowercase)
      REQUIRE_EACH_INCLUDED_TYPE = tostring(var.require_each_included_type)
    },
    length(var.ssl_root_cert_paths) == 0 ? {} : { SSL_ROOT_CERT = join(":", var.ssl_root_cert_paths) },
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

  # New passwords come from secretsmanager:GetRandomPassword.
  allow_get_random_password = true

  vpc_config = var.vpc_config
  # The database's port, besides HTTPS for the AWS APIs.
  default_egress_ports = [443, 5432]

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
