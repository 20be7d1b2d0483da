variable "name" {
  description = "Name of the rotation function; also of its role, log group `/aws/lambda/<name>` and alarm."
  type        = string
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "Rotates SSH keys in Secrets Manager"
}

variable "filename" {
  description = "Path of the package from `make package`: `dist/sshkey.zip` (arm64) or `dist/sshkey-x86_64.zip` (x86_64). Exactly one of `filename` or `s3_bucket` and `s3_key` is required."
  type        = string
  default     = null

  validation {
    condition     = (var.filename != null) != (var.s3_bucket != null || var.s3_key != null)
    error_message = "Give the deployment package either as filename (dist/sshkey.zip from `make package`) or as s3_bucket and s3_key, not both and not neither."
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
  description = "Time limit of one rotation step, in seconds (at most 900). Allow for `host_timeout` times the number of hosts divided by `max_parallel_hosts`."
  type        = number
  default     = 120
}

variable "secrets" {
  description = "Secrets of SSH keys to rotate (JSON with host or hosts, username, private_key, known_hosts, optional masterarn; see lambdas/sshkey/README.md). By a key of your choice (letters, digits, `-`, `_`): `arn`; `kms_key_arn` if encrypted with a customer managed key; `manage_rotation` (default true; false when the schedule is declared elsewhere); and per-secret `schedule_expression` or `automatically_after_days`, `duration`, `rotate_immediately`."
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
  description = "Master secrets of alternating mode (named by `masterarn`): the key of the account that edits the users' `authorized_keys`. Each: `arn`, and `kms_key_arn` of its customer managed key, if any. The function may only read them (`secretsmanager:GetSecretValue`)."
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
  description = "Run the function in a VPC: `subnet_ids`, `vpc_id` (for the created security group), `create_security_group` (default true), `security_group_ids`, `egress` rules (default: HTTPS (443) and SSH (22) to anywhere). See the rotation-lambda module. Unset: no VPC."
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
  description = "More environment variables for the function. The ones this module sets from its own variables (`SSH_MAX_PARALLEL`, `SSH_CONNECT_TIMEOUT`, `SSH_HOST_TIMEOUT`, `SSH_REMOVE_OLD_KEY`) are refused here: set those variables instead."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.environment_variables), ["SSH_MAX_PARALLEL", "SSH_CONNECT_TIMEOUT", "SSH_HOST_TIMEOUT", "SSH_REMOVE_OLD_KEY"])) == 0
    error_message = "environment_variables must not set SSH_MAX_PARALLEL, SSH_CONNECT_TIMEOUT, SSH_HOST_TIMEOUT, SSH_REMOVE_OLD_KEY: use this module's variables for them."
  }
}

variable "layers" {
  description = "Lambda layer ARNs to add."
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

variable "max_parallel_hosts" {
  description = "Hosts worked on at once (`SSH_MAX_PARALLEL`)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_parallel_hosts >= 1 && var.max_parallel_hosts <= 100 && floor(var.max_parallel_hosts) == var.max_parallel_hosts
    error_message = "max_parallel_hosts must be a whole number from 1 to 100."
  }
}

variable "connect_timeout" {
  description = "Limit of the TCP connection and SSH handshake with one host, as a Go duration such as `10s` (`SSH_CONNECT_TIMEOUT`)."
  type        = string
  default     = "10s"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$|^[0-9]+$", var.connect_timeout))
    error_message = "connect_timeout must be a duration such as \"10s\" or \"1m30s\", or a number of seconds."
  }
}

variable "host_timeout" {
  description = "Limit of everything done on one host in one step, as a Go duration such as `60s` (`SSH_HOST_TIMEOUT`)."
  type        = string
  default     = "60s"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$|^[0-9]+$", var.host_timeout))
    error_message = "host_timeout must be a duration such as \"60s\" or \"2m\", or a number of seconds."
  }
}

variable "remove_old_key" {
  description = "When a replaced key leaves the hosts (`SSH_REMOVE_OLD_KEY`): `next_rotation` (default: it keeps working until the next rotation, like AWSPREVIOUS) or `immediately` (at this rotation's finishSecret)."
  type        = string
  default     = "next_rotation"

  validation {
    condition     = contains(["next_rotation", "immediately"], var.remove_old_key)
    error_message = "remove_old_key must be \"next_rotation\" or \"immediately\"."
  }
}
