# The orders team's secrets, except the CI tokens. Filters combine with AND; tag-key and
# tag-value match separately, so this finds secrets that have a "team" tag and some tag whose
# value starts with "orders".
data "secretsmanager_secrets" "orders" {
  filter {
    name   = "tag-key"
    values = ["team"]
  }

  filter {
    name   = "tag-value"
    values = ["orders"]
  }

  filter {
    name   = "name"
    values = ["!ci/"]
  }
}

output "orders_secret_names" {
  value = data.secretsmanager_secrets.orders.names
}
