import {Flags} from '@oclif/core'

/** Flags of the commands that work on the pull requests of the infrastructure repository. */
export const repositoryFlags = {
  repository: Flags.string({description: 'Repository as owner/name; default: GITHUB_REPOSITORY, then target.github.repository.', helpValue: '<owner/name>'}),
  'policy-path': Flags.string({description: 'Path of the policy on the base branch; default: target.github.policyPath, then .idp/approval-policy.yaml.', helpValue: '<path>'}),
  base: Flags.string({
    description: "The branch the gate protects; pull requests into other branches are not judged. Default: the repository's default branch.",
    helpValue: '<branch>',
  }),
}
