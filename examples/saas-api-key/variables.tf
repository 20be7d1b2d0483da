variable "region" {
  description = "AWS region of the secret and the rotation function."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be a region name such as eu-west-1."
  }
}

variable "name" {
  description = "Name of the stack: the rotation function is `<name>-rotator` (also its role, log group and alarm)."
  type        = string
  default     = "acme-api-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,56}$", var.name))
    error_message = "name must be 1 to 56 letters, digits, hyphens or underscores (with -rotator, a Lambda function name)."
  }
}

variable "secret_name" {
  description = "Name of the secret holding the API key."
  type        = string
  default     = "saas/acme/api-key"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,512}$", var.secret_name))
    error_message = "secret_name must be 1 to 512 letters, digits or /_+=.@- characters."
  }
}

variable "key_api" {
  description = <<-EOT
    The service's key API, in the API key rotator's settings (lambdas/apikey/README.md,
    "Settings"): `create_url`, `test_url` and `revoke_url` (https, with the placeholders
    `{key_id}`, `{token}`, `{id}`), and optionally `create_method`, `create_body` (JSON text),
    `key_path`, `key_id_path`, `test_method`, `revoke_method`, `revoke_body`, `auth_header`,
    `auth_scheme`, `idempotency_header`, `list_url`, `list_items_path`, `list_id_path`,
    `list_name_path`, `timeout`, `max_attempts`. Unset ones take the rotator's defaults
    (`POST`, `key`, `id`, `GET`, `DELETE`, `Authorization: Bearer {key}`, `Idempotency-Key`, …).
  EOT
  type = object({
    create_url         = string
    create_method      = optional(string)
    create_body        = optional(string)
    key_path           = optional(string)
    key_id_path        = optional(string)
    test_url           = string
    test_method        = optional(string)
    revoke_url         = string
    revoke_method      = optional(string)
    revoke_body        = optional(string)
    auth_header        = optional(string)
    auth_scheme        = optional(string)
    idempotency_header = optional(string)
    list_url           = optional(string)
    list_items_path    = optional(string)
    list_id_path       = optional(string)
    list_name_path     = optional(string)
    timeout            = optional(string)
    max_attempts       = optional(number)
  })

  validation {
    condition     = alltrue([for u in [var.key_api.create_url, var.key_api.test_url, var.key_api.revoke_url, coalesce(var.key_api.list_url, "https://-")] : can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?(/.*)?$", u))])
    error_message = "key_api: create_url, test_url, revoke_url and list_url must be https:// URLs with a host name (the rotator refuses anything else)."
  }
  validation {
    condition     = contains(["POST", "PUT"], coalesce(var.key_api.create_method, "POST")) && contains(["GET", "HEAD", "POST"], coalesce(var.key_api.test_method, "GET")) && contains(["DELETE", "POST", "PUT", "PATCH"], coalesce(var.key_api.revoke_method, "DELETE"))
    error_message = "key_api: create_method must be POST or PUT, test_method GET, HEAD or POST, revoke_method DELETE, POST, PUT or PATCH."
  }
  validation {
    condition     = strcontains(var.key_api.revoke_url, "{id}") || strcontains(coalesce(var.key_api.revoke_body, "-"), "{id}")
    error_message = "key_api: revoke_url or revoke_body must hold the placeholder {id}, the id of the key to revoke."
  }
  validation {
    condition = alltrue([for b in [var.key_api.create_body, var.key_api.revoke_body] :
      b == null ? true : can(jsondecode(replace(replace(replace(coalesce(b, "{}"), "{id}", "0"), "{key_id}", "0"), "{token}", "0")))
    ])
    error_message = "key_api: create_body and revoke_body must be JSON text once their placeholders are filled in; build them with jsonencode()."
  }
  validation {
    condition     = var.key_api.max_attempts == null ? true : (var.key_api.max_attempts >= 1 && var.key_api.max_attempts <= 20)
    error_message = "key_api: max_attempts must be from 1 to 20."
  }
}

variable "revoke_mode" {
  description = "`overlap` (default): a replaced key keeps working until the start of the next rotation, so two keys are valid between rotations and clients that read the secret a while ago keep working. `immediate`: the replaced key is revoked as the rotation finishes."
  type        = string
  default     = "overlap"

  validation {
    condition     = contains(["overlap", "immediate"], var.revoke_mode)
    error_message = "revoke_mode must be \"overlap\" or \"immediate\"."
  }
}

variable "ca_bundle" {
  description = "Extra certificate authorities for the service's TLS certificate (PEM text, or the path of a file in a layer). Unset: the system roots, which suit public SaaS APIs."
  type        = string
  default     = null
}

variable "initial_api_key" {
  description = "The key the service gave you, from its console. Ephemeral: written to the secret and never stored in the plan or the state. Needed only by the apply that writes the secret (the first one, or one that increases initial_value_version); rotation replaces it at once."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.initial_api_key == null || length(trimspace(coalesce(var.initial_api_key, "-"))) > 0
    error_message = "initial_api_key must not be empty."
  }
}

variable "initial_key_id" {
  description = "The service's id of that key (not the key itself): the rotator revokes it by this id once it is replaced."
  type        = string

  validation {
    condition     = length(trimspace(var.initial_key_id)) > 0
    error_message = "initial_key_id must not be empty."
  }
}

variable "initial_value_version" {
  description = "Increase it to write initial_api_key and initial_key_id to the secret again. Only for a key that rotation has not replaced yet: afterwards it would put a revoked key back."
  type        = number
  default     = 1

  validation {
    condition     = var.initial_value_version >= 1 && floor(var.initial_value_version) == var.initial_value_version
    error_message = "initial_value_version must be a whole number from 1."
  }
}

variable "extra_fields" {
  description = "Other fields of the secret (e.g. the account or the team it belongs to); rotation keeps them unchanged. Not `api_key`, `key_id`, `previous_key_id`, `masterarn` or `rotation`."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.extra_fields), ["api_key", "key_id", "previous_key_id", "masterarn", "rotation"])) == 0
    error_message = "extra_fields must not set api_key, key_id, previous_key_id, masterarn or rotation: the stack and the rotator own them."
  }
}

variable "create_kms_key" {
  description = "Encrypt the secret with a customer managed KMS key of its own (about $1 a month; needed to share the secret with other accounts). False: the AWS managed key aws/secretsmanager."
  type        = bool
  default     = false
}

variable "rotation_schedule" {
  description = "When Secrets Manager rotates the key: a rate() or cron() expression in UTC, at least 4 hours apart."
  type        = string
  default     = "rate(30 days)"

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.rotation_schedule))
    error_message = "rotation_schedule must be a rate() or cron() expression, e.g. \"rate(30 days)\" or \"cron(0 4 ? * SUN *)\"."
  }
}

variable "rotation_window" {
  description = "Length of the rotation window in whole hours, e.g. `3h`. Unset: Secrets Manager's default."
  type        = string
  default     = null

  validation {
    condition     = var.rotation_window == null || can(regex("^([1-9]|1[0-9]|2[0-4])h$", var.rotation_window))
    error_message = "rotation_window must be a whole number of hours from 1h to 24h, e.g. \"3h\"."
  }
}

variable "package_path" {
  description = "The API key rotator's package built by `make package` at the repository's root: `dist/apikey.zip` (arm64) or `dist/apikey-x86_64.zip` (x86_64, with architecture = \"x86_64\"). Relative to this directory."
  type        = string
  default     = "../../dist/apikey.zip"

  validation {
    condition     = endswith(var.package_path, ".zip")
    error_message = "package_path must be the path of a .zip from `make package`."
  }
}

variable "architecture" {
  description = "Architecture of the rotation function: `arm64` (default) or `x86_64`. It must match package_path."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when a rotation step fails, e.g. an SNS topic of the on-call team."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "secret_recovery_window_in_days" {
  description = "Days (7 to 30) during which the destroyed secret can be restored; 0 deletes it at once, so that the stack can be applied again with the same name."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or from 7 to 30."
  }
}

variable "tags" {
  description = "Tags of every resource (the providers' default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
