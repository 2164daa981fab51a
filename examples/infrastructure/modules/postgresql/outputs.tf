output "endpoint" {
  description = "Host and port to connect to."
  value       = aws_db_instance.this.endpoint
}

output "credentials_secret_arn" {
  description = "ARN of the secret with the connection details."
  value       = aws_secretsmanager_secret.credentials.arn
}
