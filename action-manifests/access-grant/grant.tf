# Managed by idp (`idp access grant`). Revoke it with a reviewed pull request that deletes this file.
module "grant" {
  source = "../../../../modules/access-grant"

  principal   = ${{ inputs.principalType + ':' + inputs.principal }}
  role        = ${{ inputs.role }}
  resource    = ${{ inputs.resource }}
  environment = ${{ inputs.environment }}
  reason      = ${{ inputs.reason }}
}
