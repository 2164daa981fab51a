import {Args} from '@oclif/core'

/** The RUN argument of the `idp runs` commands that act on one run. */
export const runIdArgs = {id: Args.string({description: 'Run id, or a prefix of it that matches one run.', required: true})}
