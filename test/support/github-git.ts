/**
 * In-memory git object database for the GitHub test server. Object ids are
 * computed exactly as git computes them: the SHA-1 of `<type> <size>\0`
 * followed by the object's canonical encoding.
 */
import {createHash} from 'node:crypto'

/** Mode of a blob entry: regular file, executable file or symbolic link. */
export type BlobMode = '100644' | '100755' | '120000'

/** Mode of a tree entry as the REST API spells it (`040000` for subtrees, `160000` for submodules). */
export type EntryMode = BlobMode | '040000' | '160000'

/** Type of the object that a tree entry points at. */
export type EntryType = 'blob' | 'tree' | 'commit'

/** Entry of a tree object: one name inside one directory. */
export interface TreeEntry {
  name: string
  mode: EntryMode
  type: EntryType
  sha: string
}

/** Author or committer line of a commit. */
export interface Signature {
  name: string
  email: string
  /** Seconds since the Unix epoch. */
  timestamp: number
  /** Offset from UTC in git's form, such as `+0000` or `-0230`. */
  timezone: string
}

/** Blob object: file content or symbolic link target. */
export interface BlobObject {
  type: 'blob'
  content: Buffer
}

/** Tree object with its entries in git's order. */
export interface TreeObject {
  type: 'tree'
  entries: TreeEntry[]
}

/** Commit object. */
export interface CommitObject {
  type: 'commit'
  tree: string
  parents: string[]
  author: Signature
  committer: Signature
  message: string
}

/** Any object that the store holds. */
export type GitObject = BlobObject | TreeObject | CommitObject

/** Non-tree entry reached by walking a tree, keyed elsewhere by its full path. */
export interface LeafEntry {
  mode: BlobMode | '160000'
  type: 'blob' | 'commit'
  sha: string
}

/** Entry of a tree listing with its full path, as `GET /git/trees` returns it. */
export interface ListedEntry {
  path: string
  mode: EntryMode
  type: EntryType
  sha: string
}

/** Computes the object id that git gives an object of `type` with `body`. */
export function hashObject(type: 'blob' | 'tree' | 'commit', body: Buffer): string {
  const header = Buffer.from(`${type} ${body.length}\0`)
  return createHash('sha1').update(header).update(body).digest('hex')
}

/**
 * Sorts tree entries as git does: by the bytes of the name, where a subtree
 * compares as if its name ended with `/`.
 */
export function sortTreeEntries(entries: TreeEntry[]): TreeEntry[] {
  const key = (entry: TreeEntry) => Buffer.from(entry.type === 'tree' ? `${entry.name}/` : entry.name)
  return [...entries].sort((a, b) => Buffer.compare(key(a), key(b)))
}

/** Encodes a tree in git's binary format: `<mode> <name>\0<20-byte id>` per entry. */
export function encodeTree(entries: TreeEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const entry of sortTreeEntries(entries)) {
    // git writes the mode of subtrees without the leading zero.
    const mode = entry.mode === '040000' ? '40000' : entry.mode
    parts.push(Buffer.from(`${mode} ${entry.name}\0`), Buffer.from(entry.sha, 'hex'))
  }

  return Buffer.concat(parts)
}

/** Encodes a commit in git's text format, keeping the message byte for byte. */
export function encodeCommit(commit: Omit<CommitObject, 'type'>): Buffer {
  const signature = (person: Signature) => `${person.name} <${person.email}> ${person.timestamp} ${person.timezone}`
  const lines = [`tree ${commit.tree}`]
  for (const parent of commit.parents) lines.push(`parent ${parent}`)
  lines.push(`author ${signature(commit.author)}`, `committer ${signature(commit.committer)}`)
  return Buffer.from(`${lines.join('\n')}\n\n${commit.message}`)
}

/** Builds a signature from an ISO 8601 date, keeping its offset from UTC. */
export function signatureAt(name: string, email: string, isoDate: string): Signature {
  const timestamp = Math.floor(Date.parse(isoDate) / 1000)
  if (Number.isNaN(timestamp)) throw new Error(`invalid ISO 8601 date: ${isoDate}`)

  const offset = /([+-])(\d{2}):?(\d{2})$/.exec(isoDate)
  const timezone = offset ? `${offset[1]}${offset[2]}${offset[3]}` : '+0000'
  return {name, email, timestamp, timezone}
}

/** Formats a signature's time as ISO 8601 in its own offset, with `Z` for UTC. */
export function formatSignatureDate(signature: Signature): string {
  const sign = signature.timezone.startsWith('-') ? -1 : 1
  const hours = Number(signature.timezone.slice(1, 3))
  const minutes = Number(signature.timezone.slice(3, 5))
  const offsetSeconds = sign * (hours * 3600 + minutes * 60)

  const local = new Date((signature.timestamp + offsetSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, '')
  if (offsetSeconds === 0) return `${local}Z`
  return `${local}${signature.timezone.slice(0, 3)}:${signature.timezone.slice(3)}`
}

/** Checks one path of a tree edit: relative, no empty, `.`, `..` or `.git` components. */
export function isValidTreePath(path: string): boolean {
  if (path === '') return false
  return path.split('/').every((component) => component !== '' && component !== '.' && component !== '..' && component !== '.git')
}

/** Content-addressed store of blobs, trees and commits of one repository. */
export class GitObjectStore {
  private readonly objects = new Map<string, GitObject>()

  /** Stores a blob and returns its id. */
  writeBlob(content: Buffer): string {
    const sha = hashObject('blob', content)
    this.objects.set(sha, {type: 'blob', content})
    return sha
  }

  /** Stores a tree, sorting its entries, and returns its id. */
  writeTree(entries: TreeEntry[]): string {
    const sorted = sortTreeEntries(entries)
    const sha = hashObject('tree', encodeTree(sorted))
    this.objects.set(sha, {type: 'tree', entries: sorted})
    return sha
  }

  /** Stores a commit and returns its id. */
  writeCommit(commit: Omit<CommitObject, 'type'>): string {
    const sha = hashObject('commit', encodeCommit(commit))
    this.objects.set(sha, {type: 'commit', ...commit})
    return sha
  }

  /** Returns the object with id `sha`, or undefined. */
  get(sha: string): GitObject | undefined {
    return this.objects.get(sha.toLowerCase())
  }

  /** Returns the blob with id `sha`, or undefined when absent or of another type. */
  blob(sha: string): BlobObject | undefined {
    const object = this.get(sha)
    return object?.type === 'blob' ? object : undefined
  }

  /** Returns the tree with id `sha`, or undefined when absent or of another type. */
  tree(sha: string): TreeObject | undefined {
    const object = this.get(sha)
    return object?.type === 'tree' ? object : undefined
  }

  /** Returns the commit with id `sha`, or undefined when absent or of another type. */
  commit(sha: string): CommitObject | undefined {
    const object = this.get(sha)
    return object?.type === 'commit' ? object : undefined
  }

  /** Collects every blob and submodule entry below a tree, keyed by full path. */
  flattenTree(treeSha: string, prefix = '', leaves = new Map<string, LeafEntry>()): Map<string, LeafEntry> {
    const tree = this.tree(treeSha)
    if (!tree) throw new Error(`tree ${treeSha} is not in the object store`)

    for (const entry of tree.entries) {
      const path = prefix + entry.name
      if (entry.type === 'tree') {
        this.flattenTree(entry.sha, `${path}/`, leaves)
      } else {
        leaves.set(path, {mode: entry.mode as LeafEntry['mode'], type: entry.type, sha: entry.sha})
      }
    }

    return leaves
  }

  /**
   * Writes the trees for a set of leaves keyed by full path and returns the
   * root tree's id. Directories without leaves are left out, as in git.
   */
  writeTreeFromLeaves(leaves: Map<string, LeafEntry>): string {
    interface Directory {
      files: TreeEntry[]
      directories: Map<string, Directory>
    }

    const root: Directory = {files: [], directories: new Map()}
    for (const [path, leaf] of leaves) {
      const components = path.split('/')
      const name = components.pop() as string

      let directory = root
      for (const component of components) {
        let child = directory.directories.get(component)
        if (!child) {
          child = {files: [], directories: new Map()}
          directory.directories.set(component, child)
        }

        directory = child
      }

      directory.files.push({name, mode: leaf.mode, type: leaf.type, sha: leaf.sha})
    }

    const write = (directory: Directory): string => {
      const entries = [...directory.files]
      for (const [name, child] of directory.directories) {
        entries.push({name, mode: '040000', type: 'tree', sha: write(child)})
      }

      return this.writeTree(entries)
    }

    return write(root)
  }

  /** Finds the entry at `path` (such as `modules/vpc/main.tf`) below a tree, or returns undefined. */
  entryAt(treeSha: string, path: string): TreeEntry | undefined {
    let entry: TreeEntry | undefined
    let tree = this.tree(treeSha)
    for (const name of path.split('/')) {
      entry = tree?.entries.find((candidate) => candidate.name === name)
      if (!entry) return undefined
      tree = entry.type === 'tree' ? this.tree(entry.sha) : undefined
    }

    return entry
  }

  /** Lists a tree's entries, and with `recursive` those of its subtrees, each subtree before its content. */
  listTree(treeSha: string, recursive: boolean, prefix = ''): ListedEntry[] {
    const tree = this.tree(treeSha)
    if (!tree) throw new Error(`tree ${treeSha} is not in the object store`)

    const listed: ListedEntry[] = []
    for (const entry of tree.entries) {
      const path = prefix + entry.name
      listed.push({path, mode: entry.mode, type: entry.type, sha: entry.sha})
      if (recursive && entry.type === 'tree') listed.push(...this.listTree(entry.sha, true, `${path}/`))
    }

    return listed
  }

  /** Returns the ids of all commits reachable from `sha`, itself included. */
  ancestors(sha: string): Set<string> {
    const reached = new Set<string>()
    const pending = [sha]
    while (pending.length > 0) {
      const current = pending.pop() as string
      if (reached.has(current)) continue

      const commit = this.commit(current)
      if (!commit) continue
      reached.add(current)
      pending.push(...commit.parents)
    }

    return reached
  }

  /** Returns whether `ancestor` is reachable from `descendant`, counting a commit as its own ancestor. */
  isAncestor(ancestor: string, descendant: string): boolean {
    return this.ancestors(descendant).has(ancestor)
  }

  /** Counts the commits reachable from `head` but not from `base`, as `git rev-list base..head --count` does. */
  countCommitsBetween(base: string, head: string): number {
    const excluded = this.ancestors(base)
    let count = 0
    for (const sha of this.ancestors(head)) {
      if (!excluded.has(sha)) count += 1
    }

    return count
  }
}

/** Upper bound of line pairs that `countLineChanges` compares before it counts every line as changed. */
const MAX_LINE_COMPARISONS = 25_000_000

/** Finds a common ancestor of two commits that is nearest to `head`, or undefined when they share none. */
export function findMergeBase(store: GitObjectStore, base: string, head: string): string | undefined {
  const baseAncestors = store.ancestors(base)
  const queue = [head]
  const visited = new Set<string>()
  while (queue.length > 0) {
    const current = queue.shift() as string
    if (visited.has(current)) continue
    visited.add(current)

    if (baseAncestors.has(current)) return current
    queue.push(...(store.commit(current)?.parents ?? []))
  }

  return undefined
}

/** Change of one path between two trees, as one entry of `git diff --find-renames --numstat`. */
export interface FileChange {
  /** Path in the newer tree, or in the older tree for a removed file. */
  path: string
  status: 'added' | 'removed' | 'modified' | 'renamed'
  /** Path in the older tree of a renamed file. */
  previousPath?: string
  /** Entry in the older tree, undefined for an added file. */
  before?: LeafEntry
  /** Entry in the newer tree, undefined for a removed file. */
  after?: LeafEntry
  additions: number
  deletions: number
}

/**
 * Lists the changed files between two trees, sorted by path as git prints them.
 * Binary files count no lines.
 *
 * NOTE: only exact renames are detected (an added file with the blob and mode
 * of a removed one). git and GitHub also pair files that are at least 50%
 * similar, which this reports as one removed and one added file.
 */
export function diffTreeFiles(store: GitObjectStore, fromTree: string, toTree: string): FileChange[] {
  const before = store.flattenTree(fromTree)
  const after = store.flattenTree(toTree)
  const changes: FileChange[] = []
  const removed = new Map<string, FileChange>()

  for (const path of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(path)
    const current = after.get(path)
    if (old?.sha === current?.sha && old?.mode === current?.mode) continue

    const lines = countLineChanges(leafContent(store, old), leafContent(store, current))
    let status: FileChange['status'] = 'modified'
    if (old === undefined) status = 'added'
    if (current === undefined) status = 'removed'

    const change: FileChange = {path, status, before: old, after: current, ...lines}
    changes.push(change)
    if (status === 'removed') removed.set(`${old?.mode} ${old?.sha}`, change)
  }

  const renamed = new Set<FileChange>()
  for (const change of changes) {
    if (change.status !== 'added') continue
    const source = removed.get(`${change.after?.mode} ${change.after?.sha}`)
    if (source === undefined || renamed.has(source)) continue

    renamed.add(source)
    Object.assign(change, {status: 'renamed', previousPath: source.path, before: source.before, additions: 0, deletions: 0})
  }

  const remaining = changes.filter((change) => !renamed.has(change))
  return remaining.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
}

/** Returns the content of a file entry, or nothing for a missing entry or a submodule. */
function leafContent(store: GitObjectStore, leaf: LeafEntry | undefined): Buffer {
  const content = leaf?.type === 'blob' ? store.blob(leaf.sha)?.content : undefined
  return content ?? Buffer.alloc(0)
}

function splitLines(content: Buffer): string[] {
  const text = content.toString('utf8')
  if (text === '') return []
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Counts added and deleted lines from the longest common subsequence of the two line lists. */
function countLineChanges(before: Buffer, after: Buffer): {additions: number; deletions: number} {
  if (before.includes(0) || after.includes(0)) return {additions: 0, deletions: 0}

  const oldLines = splitLines(before)
  const newLines = splitLines(after)
  // For very large files the count is an upper bound, because every line
  // counts as changed instead of running the quadratic comparison.
  if (oldLines.length * newLines.length > MAX_LINE_COMPARISONS) {
    return {additions: newLines.length, deletions: oldLines.length}
  }

  let previous = new Array<number>(newLines.length + 1).fill(0)
  for (const oldLine of oldLines) {
    const current = new Array<number>(newLines.length + 1).fill(0)
    for (let column = 1; column <= newLines.length; column += 1) {
      current[column] =
        oldLine === newLines[column - 1] ? previous[column - 1] + 1 : Math.max(previous[column], current[column - 1])
    }

    previous = current
  }

  const common = previous[newLines.length]
  return {additions: newLines.length - common, deletions: oldLines.length - common}
}
