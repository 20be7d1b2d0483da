# The API key rotator's own settings: its key API and the hosts it may reach; the variables,
# outputs and module call every wrapper shares are generated (main.tf, variables.tf,
# outputs.tf: see modules/README.md).

locals {
  rotator_environment = merge(
    { for k, v in var.settings : "APIKEY_${upper(k)}" => v },
    length(var.allowed_hosts) == 0 ? {} : { APIKEY_ALLOWED_HOSTS = join(",", var.allowed_hosts) },
    var.ca_bundle == null ? {} : { APIKEY_CA_BUNDLE = var.ca_bundle },
  )
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
  description = "Hosts (`host` or `host:port`) the service URLs may point to (`APIKEY_ALLOWED_HOSTS`). Required with master secrets, strongly recommended without: without it, whoever can write a secret's `rotation` object can send its key, or the master credential, to a host of their choosing."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.master_secrets) == 0 || length(var.allowed_hosts) > 0
    error_message = "master_secrets are set but allowed_hosts is empty: a secret's rotation settings could send the master credential to any host. Set allowed_hosts to the service's host names (the rotator refuses to use a master credential without APIKEY_ALLOWED_HOSTS)."
  }
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
