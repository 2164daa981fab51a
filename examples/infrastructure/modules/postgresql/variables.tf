# Inputs that `idp db create` sets in databases/<environment>/<name>/main.tf.

variable "identifier" {
  description = "RDS instance identifier: letters, digits and single hyphens, starting with a letter."
  type        = string
}

variable "database_name" {
  description = "Name of the database inside the instance. PostgreSQL identifiers take no hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.database_name))
    error_message = "The database name must start with a lowercase letter and contain only lowercase letters, digits and underscores."
  }
}

variable "environment" {
  description = "dev, staging or production."
  type        = string
}

variable "instance_class" {
  description = "RDS instance class, such as db.m6g.large."
  type        = string
}

variable "multi_az" {
  description = "Whether a standby replica runs in a second availability zone."
  type        = bool
  default     = false
}

variable "owner_team" {
  description = "GitHub team slug of the team that owns the database."
  type        = string
}

variable "credentials_secret_name" {
  description = "Name of the AWS Secrets Manager secret that receives the master credentials."
  type        = string
}

variable "allowed_client_role" {
  description = "Role of the applications that may connect, such as app:payments-dev."
  type        = string
}

variable "allocated_storage_gb" {
  description = "Storage in GB; RDS grows it up to ten times this size."
  type        = number
  default     = 20
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
