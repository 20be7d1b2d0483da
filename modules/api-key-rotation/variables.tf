variable "name" {
  description = "Name of the rotation function; also of its role, log group `/aws/lambda/<name>` and alarm."
  type        = string
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = "Rotates API keys in Secrets Manager"
}

variable "filename" {
  description = "Path of the package from `make package`: `dist/apikey.zip` (arm64) or `dist/apikey-x86_64.zip` (x86_64). Exactly one of `filename` or `s3_bucket` and `s3_key` is required."
  type        = string
  default     = null

  validation {
    condition     = (var.filename != null) != (var.s3_bucket != null || var.s3_key != null)
    error_message = "Give the deployment package either as filename (dist/apikey.zip from `make package`) or as s3_bucket and s3_key, not both and not neither."
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
  description = "Secrets of API keys to rotate (JSON with api_key, key_id, optional masterarn and a `rotation` object of settings; see lambdas/apikey/README.md). By a key of your choice (letters, digits, `-`, `_`): `arn`; `kms_key_arn` if encrypted with a customer managed key; `manage_rotation` (default true; false when the schedule is declared elsewhere); and per-secret `schedule_expression` or `automatically_after_days`, `duration`, `rotate_immediately`."
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
  description = "Master secrets of alternating mode (named by `masterarn`): the credential that creates and revokes keys. Each: `arn`, and `kms_key_arn` of its customer managed key, if any. The function may only read them (`secretsmanager:GetSecretValue`)."
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
  description = "Run the function in a VPC: `subnet_ids`, `vpc_id` (for the created security group), `create_security_group` (default true), `security_group_ids`, `egress` rules (default: HTTPS (443) to anywhere). See the rotation-lambda module. Unset: no VPC."
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
  description = "More environment variables for the function. The ones this module sets from its own variables (`APIKEY_*`) are refused here: set those variables instead."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.environment_variables), ["APIKEY_ALLOWED_HOSTS", "APIKEY_CA_BUNDLE", "APIKEY_CREATE_URL", "APIKEY_CREATE_METHOD", "APIKEY_CREATE_BODY", "APIKEY_KEY_PATH", "APIKEY_KEY_ID_PATH", "APIKEY_TEST_URL", "APIKEY_TEST_METHOD", "APIKEY_REVOKE_URL", "APIKEY_REVOKE_METHOD", "APIKEY_REVOKE_BODY", "APIKEY_AUTH_HEADER", "APIKEY_AUTH_SCHEME", "APIKEY_MASTER_AUTH_HEADER", "APIKEY_MASTER_AUTH_SCHEME", "APIKEY_IDEMPOTENCY_HEADER", "APIKEY_LIST_URL", "APIKEY_LIST_ITEMS_PATH", "APIKEY_LIST_ID_PATH", "APIKEY_LIST_NAME_PATH", "APIKEY_TIMEOUT", "APIKEY_MAX_ATTEMPTS", "APIKEY_RETRY_BASE_DELAY", "APIKEY_RETRY_MAX_DELAY", "APIKEY_REVOKE_MODE", "APIKEY_MASTER_KEY_FIELD"])) == 0
    error_message = "environment_variables must not set APIKEY_* variables: use this module's variables for them."
  }
}

variable "layers" {
  description = "Lambda layer ARNs to add, e.g. one with the CA bundle of `ca_bundle`."
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

variable "settings" {
  description = "Settings of the service's key API for every secret of this function, by setting name (`create_url`, `test_url`, `revoke_url`, `key_path`, `revoke_mode`, …; see lambdas/apikey/README.md). Each becomes `APIKEY_<SETTING>`; a secret's own `rotation` object overrides it. Values are strings (JSON bodies as JSON text)."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setsubtract(keys(var.settings), ["create_url", "create_method", "create_body", "key_path", "key_id_path", "test_url", "test_method", "revoke_url", "revoke_method", "revoke_body", "auth_header", "auth_scheme", "master_auth_header", "master_auth_scheme", "idempotency_header", "list_url", "list_items_path", "list_id_path", "list_name_path", "timeout", "max_attempts", "retry_base_delay", "retry_max_delay", "revoke_mode", "master_key_field"])) == 0
    error_message = "settings: unknown setting name; the settings are create_url, create_method, create_body, key_path, key_id_path, test_url, test_method, revoke_url, revoke_method, revoke_body, auth_header, auth_scheme, master_auth_header, master_auth_scheme, idempotency_header, list_url, list_items_path, list_id_path, list_name_path, timeout, max_attempts, retry_base_delay, retry_max_delay, revoke_mode, master_key_field."
  }
  validation {
    condition     = alltrue([for k in ["create_url", "test_url", "revoke_url", "list_url"] : !contains(keys(var.settings), k) || startswith(lookup(var.settings, k, ""), "https://")])
    error_message = "settings: create_url, test_url, revoke_url and list_url must be https:// URLs (the rotator refuses anything else)."
  }
  validation {
    condition     = !contains(keys(var.settings), "revoke_mode") || contains(["immediate", "overlap"], lookup(var.settings, "revoke_mode", ""))
    error_message = "settings: revoke_mode must be \"immediate\" or \"overlap\"."
  }
}

variable "allowed_hosts" {
  description = "Hosts (`host` or `host:port`) the service URLs may point to (`APIKEY_ALLOWED_HOSTS`). Strongly recommended, above all with master secrets: without it, whoever can write a secret's `rotation` object can send its key, or the master credential, to a host of their choosing."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for h in var.allowed_hosts : can(regex("^[A-Za-z0-9.-]+(:[0-9]+)?$|^\\[[0-9A-Fa-f:.]+\\](:[0-9]+)?$", h))])
    error_message = "allowed_hosts: each entry must be a host name or address, optionally with :port, without a scheme or path."
  }
}

variable "ca_bundle" {
  description = "Extra certificate authorities for the service's TLS certificate (`APIKEY_CA_BUNDLE`): a path to a PEM file (e.g. in a layer) or the PEM text."
  type        = string
  default     = null
}
