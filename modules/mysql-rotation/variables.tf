variable "name" {
  description = "Name of the rotation function; also of its role, log group `/aws/lambda/<name>` and alarm."
  type        = string
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "Rotates MySQL, Aurora MySQL and MariaDB passwords in Secrets Manager"
}

variable "filename" {
  description = "Path of the package from `make package`: `dist/mysql.zip` (arm64) or `dist/mysql-x86_64.zip` (x86_64). Exactly one of `filename` or `s3_bucket` and `s3_key` is required."
  type        = string
  default     = null

  validation {
    condition     = (var.filename != null) != (var.s3_bucket != null || var.s3_key != null)
    error_message = "Give the deployment package either as filename (dist/mysql.zip from `make package`) or as s3_bucket and s3_key, not both and not neither."
  }
}

variable "s3_bucket" {
  description = "S3 bucket holding the package (with `s3_key`), instead of `filename`."
  type        = string
  default     = null
}

variable "s3_key" {
  description = "S3 key of the package (with `s3_bucket`)."
  type        = string
  default     = null
}

variable "s3_object_version" {
  description = "Version of the S3 object, for versioned buckets."
  type        = string
  default     = null
}

variable "source_code_hash" {
  description = "Base64 SHA-256 of the package; defaults to the hash of `filename`. Set it (or `s3_object_version`) for packages in S3 so that new builds update the function."
  type        = string
  default     = null
}

variable "architecture" {
  description = "`arm64` (default) or `x86_64`; it must match the package."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "memory_size" {
  description = "Memory of the function in MB; CPU grows with it."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Time limit of one rotation step, in seconds (at most 900)."
  type        = number
  default     = 60
}

variable "secrets" {
  description = "Secrets of MySQL, Aurora MySQL or MariaDB users to rotate (the AWS samples' JSON: engine, host, port, username, password, dbname, optional masterarn and ssl). By a key of your choice (letters, digits, `-`, `_`): `arn`; `kms_key_arn` if encrypted with a customer managed key; `manage_rotation` (default true; false when the schedule is declared elsewhere); and per-secret `schedule_expression` or `automatically_after_days`, `duration`, `rotate_immediately`."
  type = map(object({
    arn                      = string
    kms_key_arn              = optional(string)
    manage_rotation          = optional(bool, true)
    schedule_expression      = optional(string)
    automatically_after_days = optional(number)
    duration                 = optional(string)
    rotate_immediately       = optional(bool)
  }))
  nullable = false
}

variable "master_secrets" {
  description = "Master secrets of alternating-users rotation (named by `masterarn`), including RDS-managed ones (`rds!db-…`): their endpoint comes from the rotated secret, so no RDS permission is needed. Each: `arn`, and `kms_key_arn` of its customer managed key, if any. The function may only read them (`secretsmanager:GetSecretValue`)."
  type = list(object({
    arn         = string
    kms_key_arn = optional(string)
  }))
  default  = []
  nullable = false
}

variable "schedule_expression" {
  description = "Default schedule: `rate()` or `cron()` in UTC."
  type        = string
  default     = "rate(30 days)"
}

variable "rotation_duration" {
  description = "Default rotation window in whole hours, e.g. `3h`. Unset: Secrets Manager's default."
  type        = string
  default     = null
}

variable "rotate_immediately" {
  description = "Default for whether turning rotation on rotates at once (false: only testSecret runs, and the first rotation waits for the schedule)."
  type        = bool
  default     = true
}

variable "vpc_config" {
  description = "Run the function in a VPC: `subnet_ids`, `vpc_id` (for the created security group), `create_security_group` (default true), `security_group_ids`, `egress` rules (default: HTTPS (443) and MySQL (3306) to anywhere). See the rotation-lambda module. Unset: no VPC."
  type = object({
    subnet_ids            = list(string)
    vpc_id                = optional(string)
    create_security_group = optional(bool, true)
    security_group_ids    = optional(list(string), [])
    egress = optional(list(object({
      description                  = string
      from_port                    = number
      to_port                      = number
      ip_protocol                  = optional(string, "tcp")
      cidr_ipv4                    = optional(string)
      cidr_ipv6                    = optional(string)
      prefix_list_id               = optional(string)
      referenced_security_group_id = optional(string)
    })))
  })
  default = null
}

variable "secrets_manager_endpoint" {
  description = "Secrets Manager endpoint for the function (`SECRETS_MANAGER_ENDPOINT`), e.g. an interface VPC endpoint without private DNS."
  type        = string
  default     = null
}

variable "environment_variables" {
  description = "More environment variables for the function. The ones this module sets from its own variables (`ROTATION_STRATEGY`, `PASSWORD_LENGTH`, `EXCLUDE_CHARACTERS`, `EXCLUDE_NUMBERS`, `EXCLUDE_PUNCTUATION`, `EXCLUDE_UPPERCASE`, `EXCLUDE_LOWERCASE`, `REQUIRE_EACH_INCLUDED_TYPE`, `SSL_ROOT_CERT`) are refused here: set those variables instead."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.environment_variables), ["ROTATION_STRATEGY", "PASSWORD_LENGTH", "EXCLUDE_CHARACTERS", "EXCLUDE_NUMBERS", "EXCLUDE_PUNCTUATION", "EXCLUDE_UPPERCASE", "EXCLUDE_LOWERCASE", "REQUIRE_EACH_INCLUDED_TYPE", "SSL_ROOT_CERT"])) == 0
    error_message = "environment_variables must not set ROTATION_STRATEGY, PASSWORD_LENGTH, EXCLUDE_CHARACTERS, EXCLUDE_NUMBERS, EXCLUDE_PUNCTUATION, EXCLUDE_UPPERCASE, EXCLUDE_LOWERCASE, REQUIRE_EACH_INCLUDED_TYPE, SSL_ROOT_CERT: use this module's variables for them."
  }
}

variable "layers" {
  description = "Lambda layer ARNs to add, e.g. one with CA certificates for `ssl_root_cert_paths`."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Days the function's logs are kept (a value CloudWatch Logs accepts; 0: forever)."
  type        = number
  default     = 30
}

variable "log_level" {
  description = "Lowest level of the function's JSON logs that Lambda keeps: TRACE, DEBUG (one line per Secrets Manager call), INFO, WARN, ERROR or FATAL. Logs never hold secret values."
  type        = string
  default     = "INFO"
}

variable "log_kms_key_arn" {
  description = "KMS key ARN that encrypts the log group."
  type        = string
  default     = null
}

variable "create_alarm" {
  description = "Create a CloudWatch alarm on failed rotation steps."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "ARNs notified when the alarm fires, e.g. an SNS topic."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "ok_actions" {
  description = "ARNs notified when the alarm returns to OK."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "role_name" {
  description = "Name of the execution role. Default: `name`."
  type        = string
  default     = null
}

variable "role_permissions_boundary" {
  description = "ARN of a permissions boundary for the execution role."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every AWS resource the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "rotation_strategy" {
  description = "`single` (the user changes its own password), `alternating` (a master user sets the password of `<username>` or `<username>_clone` in turn, so current credentials always work), or `auto` (default): alternating when the secret has a `masterarn`. Sets `ROTATION_STRATEGY`."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "single", "alternating"], var.rotation_strategy)
    error_message = "rotation_strategy must be \"auto\", \"single\" or \"alternating\"."
  }
}

variable "password_length" {
  description = "Length of new passwords, 8 to 4096 (`PASSWORD_LENGTH`)."
  type        = number
  default     = 32

  validation {
    condition     = var.password_length >= 8 && var.password_length <= 4096 && floor(var.password_length) == var.password_length
    error_message = "password_length must be a whole number from 8 to 4096."
  }
}

variable "exclude_characters" {
  description = "Characters new passwords never contain (`EXCLUDE_CHARACTERS`). The default, `/@\"'\\`, is the AWS sample rotators'; empty allows every character."
  type        = string
  default     = "/@\"'\\"
}

variable "exclude_numbers" {
  description = "No digits in new passwords (`EXCLUDE_NUMBERS`)."
  type        = bool
  default     = false
}

variable "exclude_punctuation" {
  description = "No punctuation in new passwords (`EXCLUDE_PUNCTUATION`)."
  type        = bool
  default     = false
}

variable "exclude_uppercase" {
  description = "No upper-case letters in new passwords (`EXCLUDE_UPPERCASE`)."
  type        = bool
  default     = false
}

variable "exclude_lowercase" {
  description = "No lower-case letters in new passwords (`EXCLUDE_LOWERCASE`)."
  type        = bool
  default     = false

  validation {
    condition     = !(var.exclude_numbers && var.exclude_punctuation && var.exclude_uppercase && var.exclude_lowercase)
    error_message = "exclude_numbers, exclude_punctuation, exclude_uppercase and exclude_lowercase cannot all be true: passwords would have no characters."
  }
}

variable "require_each_included_type" {
  description = "New passwords hold at least one character of every type not excluded (`REQUIRE_EACH_INCLUDED_TYPE`)."
  type        = bool
  default     = true
}

variable "ssl_root_cert_paths" {
  description = "Absolute paths (e.g. under `/opt` from a layer) of PEM files of extra certificate authorities for the database's TLS certificate, besides the system roots and the embedded Amazon RDS bundle (`SSL_ROOT_CERT`)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for p in var.ssl_root_cert_paths : startswith(p, "/") && !strcontains(p, ":")])
    error_message = "ssl_root_cert_paths must be absolute paths without ':' (the rotator separates them with ':')."
  }
}
