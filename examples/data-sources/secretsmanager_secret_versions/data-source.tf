# The versions of a secret and their staging labels, newest first, without reading any value.
data "secretsmanager_secret_versions" "api" {
  secret_id = "orders/prod/api-key"
}

# Including deprecated versions (no staging label left), e.g. to audit what rotation kept.
data "secretsmanager_secret_versions" "api_all" {
  secret_id          = "orders/prod/api-key"
  include_deprecated = true
}

output "api_key_current_version" {
  value = one([for v in data.secretsmanager_secret_versions.api.versions : v.version_id if contains(v.version_stages, "AWSCURRENT")])
}
