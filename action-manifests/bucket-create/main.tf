# Managed by idp (`idp bucket create`). Change it with a new request rather than by hand,
# so that the approval policy sees the change.
module "bucket" {
  source = "../../../modules/s3-bucket"

  name        = ${{ inputs.environment + '-' + inputs.name }}
  environment = ${{ inputs.environment }}
  owner_team  = ${{ inputs.team }}
  versioning  = ${{ inputs.versioning }}
  public_read = ${{ inputs.public }}

  tags = ${{ {'team': inputs.team, 'environment': inputs.environment, 'managed-by': 'idp'} }}
}
