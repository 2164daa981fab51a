# A stub of the module that `idp access grant` uses. It records the grant as data so that
# this example plans without credentials. Replace the locals with the bindings your
# organization uses, such as an IAM policy attachment or a database role grant.

terraform {
  required_version = ">= 1.5"
}

locals {
  principal_type = split(":", var.principal)[0]
  principal_name = split(":", var.principal)[1]
  resource_type  = split("/", var.resource)[0]
  resource_name  = split("/", var.resource)[1]
}

output "grant" {
  description = "The grant this module stands for."
  value = {
    principal_type = local.principal_type
    principal      = local.principal_name
    role           = var.role
    resource_type  = local.resource_type
    resource       = local.resource_name
    environment    = var.environment
    reason         = var.reason
  }
}
