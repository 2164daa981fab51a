# Inputs that `idp bucket create` sets in buckets/<environment>/<name>/main.tf.

variable "name" {
  description = "Bucket name, globally unique: <environment>-<name>."
  type        = string
}

variable "environment" {
  description = "dev, staging or production."
  type        = string
}

variable "owner_team" {
  description = "GitHub team slug of the team that owns the bucket."
  type        = string
}

variable "versioning" {
  description = "Whether the bucket keeps every version of each object."
  type        = bool
  default     = false
}

variable "public_read" {
  description = "Whether anyone on the internet may read the objects. The approval policy denies it in production."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
