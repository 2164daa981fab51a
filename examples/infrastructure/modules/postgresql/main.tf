# A stub of the PostgreSQL module that `idp db create` uses: the instance, its credentials
# secret and its security group. Replace it with your organization's module, keeping the
# variables in variables.tf, or change the template in the db-create action to match.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

resource "aws_security_group" "database" {
  name        = "${var.identifier}-postgresql"
  description = "PostgreSQL clients of ${var.identifier} (${var.allowed_client_role})"
  tags        = var.tags
}

resource "aws_db_instance" "this" {
  identifier                  = var.identifier
  db_name                     = var.database_name
  engine                      = "postgres"
  engine_version              = "16"
  instance_class              = var.instance_class
  allocated_storage           = var.allocated_storage_gb
  max_allocated_storage       = var.allocated_storage_gb * 10
  storage_encrypted           = true
  multi_az                    = var.multi_az
  username                    = "app_admin"
  manage_master_user_password = true
  vpc_security_group_ids      = [aws_security_group.database.id]
  deletion_protection         = var.environment == "production"
  skip_final_snapshot         = var.environment != "production"
  final_snapshot_identifier   = var.environment == "production" ? "${var.identifier}-final" : null

  tags = merge(var.tags, { owner = var.owner_team })
}

# RDS keeps the generated master password in its own secret. This secret gives applications
# a stable name to read the connection details from.
resource "aws_secretsmanager_secret" "credentials" {
  name = var.credentials_secret_name
  tags = var.tags
}
