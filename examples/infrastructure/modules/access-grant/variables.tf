# Inputs that `idp access grant` sets in
# access/<environment>/<type>-<resource>/<principal type>-<principal>-<role>/grant.tf.

variable "principal" {
  description = "Who receives the role: team:<GitHub team slug> or user:<GitHub login>."
  type        = string

  validation {
    condition     = can(regex("^(team|user):[a-z0-9][a-z0-9-]*$", var.principal))
    error_message = "The principal must be team:<slug> or user:<login>."
  }
}

variable "role" {
  description = "viewer, editor or admin."
  type        = string

  validation {
    condition     = contains(["viewer", "editor", "admin"], var.role)
    error_message = "The role must be viewer, editor or admin."
  }
}

variable "resource" {
  description = "The resource as <type>/<name>: database/orders-db, bucket/invoices or namespace/orders."
  type        = string
}

variable "environment" {
  description = "dev, staging or production."
  type        = string
}

variable "reason" {
  description = "Why the access is needed, as the requester wrote it."
  type        = string
}
