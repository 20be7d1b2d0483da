variable "name" {
  description = "Name of the secret, e.g. `orders/prod/db`: 1 to 512 letters, digits and `/_+=.@-`. Exactly one of `name` or `name_prefix` is required."
  type        = string
  default     = null

  validation {
    condition     = var.name == null || can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.name))
    error_message = "name must be 1 to 512 letters, digits or /_+=.@- characters."
  }
  validation {
    condition     = (var.name == null) != (var.name_prefix == null)
    error_message = "Set exactly one of name or name_prefix."
  }
}

variable "name_prefix" {
  description = "Prefix of a unique generated name, instead of `name`."
  type        = string
  default     = null

  validation {
    condition     = var.name_prefix == null || can(regex("^[A-Za-z0-9/_+=.@-]{1,486}$", var.name_prefix))
    error_message = "name_prefix must be 1 to 486 letters, digits or /_+=.@- characters."
  }
}

variable "description" {
  description = "Description of the secret."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of the secret and of the KMS key the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "recovery_window_in_days" {
  description = "Days (7 to 30) during which a destroyed secret can be restored; 0 deletes it at once, so that its name can be reused immediately."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 (delete at once) or from 7 to 30."
  }
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key for the secret (needed to share it with other accounts, and to control who may decrypt it through the key policy). Conflicts with `kms_key_id`. Neither: the AWS managed key `aws/secretsmanager`."
  type        = bool
  default     = false
}

variable "kms_key_id" {
  description = "Existing KMS key that encrypts the secret: key id, key ARN, alias name or alias ARN. Give a key ARN if the `kms_key_arn` output is to feed IAM policies (such as a rotator module's `kms_key_arn`)."
  type        = string
  default     = null

  validation {
    condition     = !(var.create_kms_key && var.kms_key_id != null)
    error_message = "Set create_kms_key = true or kms_key_id, not both."
  }
}

variable "kms_key_alias" {
  description = "Alias of the created key, e.g. `alias/orders-db`. Only with `create_kms_key`."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_alias == null || can(regex("^alias/[A-Za-z0-9/_-]{1,250}$", var.kms_key_alias)) && !startswith(coalesce(var.kms_key_alias, "-"), "alias/aws/")
    error_message = "kms_key_alias must be alias/ followed by letters, digits, /, _ or -, and must not begin with alias/aws/ (reserved for AWS managed keys)."
  }
  validation {
    condition     = var.kms_key_alias == null || var.create_kms_key
    error_message = "kms_key_alias names the key this module creates: it needs create_kms_key = true."
  }
}

variable "kms_key_deletion_window_in_days" {
  description = "Days (7 to 30) between destroying the created key and its deletion, during which it can be restored."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_in_days >= 7 && var.kms_key_deletion_window_in_days <= 30
    error_message = "kms_key_deletion_window_in_days must be from 7 to 30."
  }
}

variable "kms_key_enable_rotation" {
  description = "Rotate the created key's material yearly."
  type        = bool
  default     = true
}

variable "kms_key_policy" {
  description = "Key policy (JSON) of the created key. Unset: KMS's default policy, with which the account's IAM policies decide who may use the key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_policy == null || can(jsondecode(var.kms_key_policy))
    error_message = "kms_key_policy must be a JSON document; build it with jsonencode()."
  }
}

variable "replicas" {
  description = "Regions to replicate the secret to (read-only copies kept in step by Secrets Manager), each with an optional `kms_key_id` in that region (default: that region's `aws/secretsmanager`)."
  type = list(object({
    region     = string
    kms_key_id = optional(string)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for r in var.replicas : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r.region))])
    error_message = "replicas: each region must be a region name such as eu-west-1."
  }
  validation {
    condition     = length(distinct([for r in var.replicas : r.region])) == length(var.replicas)
    error_message = "replicas: each region may appear once."
  }
}

variable "force_overwrite_replica_secret" {
  description = "Overwrite a secret of the same name that already exists in a replica region."
  type        = bool
  default     = false
}

variable "policy" {
  description = "Resource policy of the secret (JSON, best built with `jsonencode()`), e.g. to let another account's role read it. Unset: the secret has no resource policy managed here."
  type        = string
  default     = null

  validation {
    condition     = var.policy == null || can(jsondecode(var.policy))
    error_message = "policy must be a JSON document; build it with jsonencode()."
  }
}

variable "block_public_policy" {
  description = "Refuse a `policy` that would grant access to everyone."
  type        = bool
  default     = true
}

variable "secret_string_wo" {
  description = "Initial value of the secret, write-only: sent to Secrets Manager and never stored in the plan or state. Takes ephemeral values (e.g. from `ephemeral \"secretsmanager_random_password\"`). Needs `secret_string_wo_version`."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "secret_string_wo_version" {
  description = "Version of `secret_string_wo`: start at 1, and increase it to write a new value. Set, a version with `secret_string_wo` is written (it gets AWSCURRENT); unset, the secret is created without a value. Rotation later moves AWSCURRENT without a plan diff."
  type        = number
  default     = null

  validation {
    condition     = (var.secret_string_wo_version == null) == (var.secret_string_wo == null)
    error_message = "secret_string_wo and secret_string_wo_version go together: set both to write a value, or neither."
  }
}

variable "enable_rotation" {
  description = "Turn on rotation with `rotation_lambda_arn` and `rotation_rules`. Leave it false when a rotator module (e.g. postgres-rotation) declares the schedule."
  type        = bool
  default     = false
}

variable "rotation_lambda_arn" {
  description = "ARN of the rotation function, e.g. a rotator module's `function_arn` (that function must allow `secretsmanager.amazonaws.com` to invoke it for this secret). Needed with `enable_rotation`."
  type        = string
  default     = null

  validation {
    condition     = !var.enable_rotation || var.rotation_lambda_arn != null
    error_message = "enable_rotation needs rotation_lambda_arn, the ARN of the rotation function."
  }
  validation {
    condition     = var.rotation_lambda_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$", var.rotation_lambda_arn))
    error_message = "rotation_lambda_arn must be the ARN of a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>)."
  }
}

variable "rotation_rules" {
  description = "When to rotate: `schedule_expression` (`rate()` or `cron()`, UTC) or `automatically_after_days`, and optionally `duration` (window in hours, e.g. `3h`). Checked by the provider at plan time."
  type = object({
    schedule_expression      = optional(string)
    automatically_after_days = optional(number)
    duration                 = optional(string)
  })
  default  = { schedule_expression = "rate(30 days)" }
  nullable = false

  validation {
    condition     = (var.rotation_rules.schedule_expression == null) != (var.rotation_rules.automatically_after_days == null)
    error_message = "rotation_rules needs exactly one of schedule_expression or automatically_after_days."
  }
  validation {
    condition     = var.rotation_rules.schedule_expression == null ? true : can(regex("^(rate|cron)\\(.+\\)$", var.rotation_rules.schedule_expression))
    error_message = "rotation_rules.schedule_expression must be a rate() or cron() expression, e.g. \"rate(30 days)\" or \"cron(0 4 ? * SUN *)\"."
  }
  validation {
    condition     = var.rotation_rules.duration == null ? true : can(regex("^([1-9]|1[0-9]|2[0-4])h$", var.rotation_rules.duration))
    error_message = "rotation_rules.duration must be a whole number of hours from 1h to 24h, e.g. \"3h\"."
  }
}

variable "rotate_immediately" {
  description = "Whether turning rotation on rotates the secret at once. With false, Secrets Manager only runs the function's testSecret step, and the first rotation waits for the schedule."
  type        = bool
  default     = true
}
