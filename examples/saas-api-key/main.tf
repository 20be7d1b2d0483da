# A SaaS API key kept in Secrets Manager and rotated through the service's own key API by
# the API key rotator, in overlap mode: each rotation creates a key, tests it and makes it
# current, and the replaced key keeps working until the next rotation begins, so at most two
# keys are ever valid. The function calls only the service and Secrets Manager over HTTPS,
# so it runs outside any VPC.

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

provider "secretsmanager" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

locals {
  # The rotator's settings (APIKEY_<SETTING> in the function's environment), for every secret
  # of this function; unset ones take the rotator's defaults.
  settings = { for k, v in {
    create_url         = var.key_api.create_url
    create_method      = var.key_api.create_method
    create_body        = var.key_api.create_body
    key_path           = var.key_api.key_path
    key_id_path        = var.key_api.key_id_path
    test_url           = var.key_api.test_url
    test_method        = var.key_api.test_method
    revoke_url         = var.key_api.revoke_url
    revoke_method      = var.key_api.revoke_method
    revoke_body        = var.key_api.revoke_body
    auth_header        = var.key_api.auth_header
    auth_scheme        = var.key_api.auth_scheme
    idempotency_header = var.key_api.idempotency_header
    list_url           = var.key_api.list_url
    list_items_path    = var.key_api.list_items_path
    list_id_path       = var.key_api.list_id_path
    list_name_path     = var.key_api.list_name_path
    timeout            = var.key_api.timeout
    max_attempts       = var.key_api.max_attempts == null ? null : tostring(var.key_api.max_attempts)
    revoke_mode        = var.revoke_mode
  } : k => v if v != null }

  # The function may send the key only to the hosts of these URLs: a secret whose settings
  # were tampered with cannot send it anywhere else.
  allowed_hosts = distinct([for u in compact([var.key_api.create_url, var.key_api.test_url, var.key_api.revoke_url, var.key_api.list_url]) :
    regex("^https://([^/?#]+)", u)[0]
  ])
}

# The key as the service issued it. Written once, write-only: the key never reaches the plan
# or the state, and rotation later moves AWSCURRENT to newer versions without a plan diff.
# The schedule is declared here too, and waits for this value and for the function.
module "api_key_secret" {
  source = "../../modules/secret"

  name                    = var.secret_name
  description             = "API key of ${var.secret_name}, rotated by ${var.name}-rotator (revoke mode ${var.revoke_mode})"
  create_kms_key          = var.create_kms_key
  kms_key_alias           = var.create_kms_key ? "alias/${var.name}" : null
  recovery_window_in_days = var.secret_recovery_window_in_days

  secret_string_wo = jsonencode(merge(var.extra_fields, {
    api_key = var.initial_api_key
    key_id  = var.initial_key_id
  }))
  secret_string_wo_version = var.initial_value_version

  enable_rotation     = true
  rotation_lambda_arn = module.rotation.function_arn
  rotate_immediately  = true
  rotation_rules = {
    schedule_expression = var.rotation_schedule
    duration            = var.rotation_window
  }
}

module "rotation" {
  source = "../../modules/api-key-rotation"

  name         = "${var.name}-rotator"
  description  = "Rotates the API key ${var.secret_name} through the service's key API"
  filename     = var.package_path
  architecture = var.architecture
  # Room for the rotator's retries with backoff; none outlives the deadline.
  timeout = 120

  # The key itself creates its successor; no master credential.
  rotation_strategy = "single"
  settings          = local.settings
  allowed_hosts     = local.allowed_hosts
  ca_bundle         = var.ca_bundle

  secrets = {
    api_key = {
      arn         = module.api_key_secret.arn
      kms_key_arn = module.api_key_secret.kms_key_arn
      # The secret module declares the schedule, after the first value is written.
      manage_rotation = false
    }
  }

  # No vpc_config: the function reaches the service and Secrets Manager directly, and its
  # role gets no EC2 permission.

  alarm_actions = var.alarm_actions
}
