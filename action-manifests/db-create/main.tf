# Managed by idp (`idp db create`). Change it with a new request rather than by hand,
# so that the approval policy sees the change.
module "database" {
  source = "../../../modules/postgresql"

  identifier     = ${{ inputs.name }}
  database_name  = ${{ inputs.name.replace('-', '_') }}
  environment    = ${{ inputs.environment }}
  instance_class = ${{ {'small': 'db.m6g.large', 'medium': 'db.m6g.xlarge', 'large': 'db.m6g.2xlarge'}[inputs.size] }}
  multi_az       = ${{ inputs.environment == 'production' }}
  owner_team     = ${{ inputs.team }}

  credentials_secret_name = ${{ inputs.environment + '/' + inputs.name + '/credentials' }}
  allowed_client_role     = ${{ 'app:' + inputs.team + '-' + inputs.environment }}

  tags = ${{ {'team': inputs.team, 'environment': inputs.environment, 'managed-by': 'idp'} }}
}
