import {createHash} from 'node:crypto'

/** Git's object id of a blob: SHA-1 over `blob <size>\0<content>`, as `git hash-object` computes it. */
export function gitBlobId(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}
