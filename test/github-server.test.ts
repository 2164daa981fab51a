import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Octokit} from '@octokit/rest'
import {GitHubTestServer, type FileAtRef} from './support/github-server.js'
import {loadGitHubDescription} from './support/openapi-validator.js'

const NOW = '2024-05-01T12:00:00Z'
const OWNER = 'acme'
const REPO = 'infra'

/** Error that Octokit throws for a failed request. */
interface OctokitError {
  status: number
  message: string
  response?: {data: unknown; headers: Record<string, string | undefined>}
}

async function rejection(promise: Promise<unknown>): Promise<OctokitError> {
  try {
    await promise
  } catch (error) {
    return error as OctokitError
  }

  assert.fail('expected the request to fail')
}

/** Octokit's request log would print every expected 4xx and 5xx, so only warnings stay visible. */
const quietLog = {debug() {}, info() {}, warn: console.warn, error() {}}

function client(server: GitHubTestServer, token = 't'): Octokit {
  return new Octokit({auth: token, baseUrl: server.url, log: quietLog})
}

/** Runs real git in `directory`, isolated from the user's and the system's configuration. */
function git(directory: string, args: string[], input?: string, env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd: directory,
    input,
    env: {...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env},
  })
    .toString()
    .trim()
}

/** Writes `files` into the git repository at `directory` with `git hash-object` and `git mktree`, and returns the root tree id. */
function gitTree(directory: string, files: Record<string, FileAtRef>): string {
  const lines: string[] = []
  const subdirectories = new Map<string, Record<string, FileAtRef>>()
  for (const [path, file] of Object.entries(files)) {
    const slash = path.indexOf('/')
    if (slash === -1) {
      const sha = git(directory, ['hash-object', '-w', '--stdin'], file.content)
      lines.push(`${file.mode} blob ${sha}\t${path}`)
    } else {
      const name = path.slice(0, slash)
      const children = subdirectories.get(name) ?? {}
      children[path.slice(slash + 1)] = file
      subdirectories.set(name, children)
    }
  }

  for (const [name, children] of subdirectories) lines.push(`040000 tree ${gitTree(directory, children)}\t${name}`)
  // mktree sorts the entries itself, so this checks the server's sort order too.
  return git(directory, ['mktree'], lines.length === 0 ? '' : `${lines.join('\n')}\n`)
}

/** Writes a commit with `git commit-tree`, taking the message from standard input so it stays byte for byte. */
function gitCommit(
  directory: string,
  options: {tree: string; parents: string[]; name: string; email: string; date: string; message: string},
): string {
  const seconds = Date.parse(options.date) / 1000
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(options.date)
  const gitDate = `${seconds} ${offset ? offset[1] + offset[2] + offset[3] : '+0000'}`
  const env = {
    GIT_AUTHOR_NAME: options.name,
    GIT_AUTHOR_EMAIL: options.email,
    GIT_AUTHOR_DATE: gitDate,
    GIT_COMMITTER_NAME: options.name,
    GIT_COMMITTER_EMAIL: options.email,
    GIT_COMMITTER_DATE: gitDate,
  }
  const parents = options.parents.flatMap((parent) => ['-p', parent])
  return git(directory, ['commit-tree', options.tree, ...parents], options.message, env)
}

describe('GitHubTestServer', function () {
  let server: GitHubTestServer

  beforeEach(async function () {
    server = await GitHubTestServer.start({now: () => new Date(NOW)})
  })

  afterEach(async function () {
    await server.stop()
    server.assertNoViolations()
  })

  function seedRepository(): string {
    server.addTeam(OWNER, 'platform')
    return server.createRepository({
      owner: OWNER,
      name: REPO,
      files: {
        'README.md': '# infra\n',
        'modules/vpc/main.tf': 'resource "aws_vpc" "main" {}\n',
        'old.tf': 'locals {}\n',
        'scripts/plan.sh': {content: '#!/bin/sh\nterraform plan\n', mode: '100755'},
      },
    })
  }

  it('opens a pull request end to end', async function () {
    const baseSha = seedRepository()
    const octokit = client(server)

    const {data: repository} = await octokit.repos.get({owner: OWNER, repo: REPO})
    assert.equal(repository.default_branch, 'main')
    assert.equal(repository.full_name, 'acme/infra')
    assert.equal(repository.owner.type, 'Organization')

    const {data: ref} = await octokit.git.getRef({owner: OWNER, repo: REPO, ref: 'heads/main'})
    assert.equal(ref.object.sha, baseSha)
    const {data: baseCommit} = await octokit.git.getCommit({owner: OWNER, repo: REPO, commit_sha: baseSha})

    const treeBody = {
      base_tree: baseCommit.tree.sha,
      tree: [
        {path: 'envs/prod/network.tf', mode: '100644' as const, type: 'blob' as const, content: 'module "vpc" {}\n'},
        {path: 'scripts/apply.sh', mode: '100755' as const, type: 'blob' as const, content: '#!/bin/sh\nterraform apply\n'},
        {path: 'old.tf', mode: '100644' as const, type: 'blob' as const, sha: null},
      ],
    }
    const {data: tree} = await octokit.git.createTree({owner: OWNER, repo: REPO, ...treeBody})

    const commitBody = {message: 'Add prod network', tree: tree.sha, parents: [baseSha]}
    const {data: commit} = await octokit.git.createCommit({owner: OWNER, repo: REPO, ...commitBody})
    assert.deepEqual(commit.parents.map((parent) => parent.sha), [baseSha])
    assert.equal(commit.author.name, 'octocat')

    const branchRef = 'refs/heads/idp/add-prod-network'
    await octokit.git.createRef({owner: OWNER, repo: REPO, ref: branchRef, sha: commit.sha})

    const pullBody = {title: 'Add prod network', head: 'idp/add-prod-network', base: 'main', body: 'Plan: 1 to add', draft: true}
    const {data: pull} = await octokit.pulls.create({owner: OWNER, repo: REPO, ...pullBody})
    assert.equal(pull.number, 1)
    assert.equal(pull.state, 'open')
    assert.equal(pull.draft, true)
    assert.equal(pull.head.ref, 'idp/add-prod-network')
    assert.equal(pull.head.sha, commit.sha)
    assert.equal(pull.base.ref, 'main')
    assert.equal(pull.base.sha, baseSha)
    assert.equal(pull.user.login, 'octocat')
    assert.equal(pull.html_url, `${server.url}/acme/infra/pull/1`)
    assert.equal(pull.mergeable, null)

    const {data: labels} = await octokit.issues.addLabels({
      owner: OWNER,
      repo: REPO,
      issue_number: 1,
      labels: ['infra', 'env:prod'],
    })
    assert.deepEqual(
      labels.map((label) => [label.name, label.color, label.description]),
      [
        ['infra', 'ededed', null],
        ['env:prod', 'ededed', null],
      ],
    )

    const {data: reviewed} = await octokit.pulls.requestReviewers({
      owner: OWNER,
      repo: REPO,
      pull_number: 1,
      reviewers: ['alice'],
      team_reviewers: ['platform'],
    })
    assert.deepEqual(reviewed.requested_teams?.map((team) => team.slug), ['platform'])
    assert.deepEqual(reviewed.requested_reviewers?.map((user) => user.login), ['alice'])

    const {data: detail} = await octokit.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(detail.commits, 1)
    assert.equal(detail.changed_files, 3)
    assert.equal(detail.additions, 3)
    assert.equal(detail.deletions, 1)
    assert.equal(detail.mergeable, true)

    // Arrival and response times differ from run to run, so the log is compared without them.
    assert.deepEqual(server.requests.map(({receivedAt, respondedAt, ...entry}) => entry), [
      {method: 'GET', path: '/repos/acme/infra', query: {}, body: undefined, status: 200},
      {method: 'GET', path: '/repos/acme/infra/git/ref/heads%2Fmain', query: {}, body: undefined, status: 200},
      {method: 'GET', path: `/repos/acme/infra/git/commits/${baseSha}`, query: {}, body: undefined, status: 200},
      {method: 'POST', path: '/repos/acme/infra/git/trees', query: {}, body: treeBody, status: 201},
      {method: 'POST', path: '/repos/acme/infra/git/commits', query: {}, body: commitBody, status: 201},
      {method: 'POST', path: '/repos/acme/infra/git/refs', query: {}, body: {ref: branchRef, sha: commit.sha}, status: 201},
      {method: 'POST', path: '/repos/acme/infra/pulls', query: {}, body: pullBody, status: 201},
      {method: 'POST', path: '/repos/acme/infra/issues/1/labels', query: {}, body: {labels: ['infra', 'env:prod']}, status: 200},
      {
        method: 'POST',
        path: '/repos/acme/infra/pulls/1/requested_reviewers',
        query: {},
        body: {reviewers: ['alice'], team_reviewers: ['platform']},
        status: 201,
      },
      {method: 'GET', path: '/repos/acme/infra/pulls/1', query: {}, body: undefined, status: 200},
    ])

    assert.equal(server.branch(OWNER, REPO, 'idp/add-prod-network'), commit.sha)
    assert.deepEqual(server.filesAt(OWNER, REPO, 'idp/add-prod-network'), {
      'README.md': {content: '# infra\n', mode: '100644'},
      'envs/prod/network.tf': {content: 'module "vpc" {}\n', mode: '100644'},
      'modules/vpc/main.tf': {content: 'resource "aws_vpc" "main" {}\n', mode: '100644'},
      'scripts/apply.sh': {content: '#!/bin/sh\nterraform apply\n', mode: '100755'},
      'scripts/plan.sh': {content: '#!/bin/sh\nterraform plan\n', mode: '100755'},
    })
    assert.deepEqual(server.pullRequests(OWNER, REPO), [
      {
        number: 1,
        title: 'Add prod network',
        body: 'Plan: 1 to add',
        state: 'open',
        draft: true,
        head: 'idp/add-prod-network',
        base: 'main',
        labels: ['infra', 'env:prod'],
        requestedReviewers: ['alice'],
        requestedTeams: ['platform'],
        autoMerge: null,
      },
    ])
  })

  it('computes object ids like git', async function () {
    const files: Record<string, FileAtRef> = {
      'a.tf': {content: 'a\n', mode: '100644'},
      'a/b.tf': {content: 'b\n', mode: '100644'},
      'a-b/c.tf': {content: 'c\n', mode: '100644'},
      'bin/run': {content: '#!/bin/sh\n', mode: '100755'},
      'empty.txt': {content: '', mode: '100644'},
    }
    const initialSha = server.createRepository({owner: OWNER, name: REPO, files})
    const octokit = client(server)

    const {data: initial} = await octokit.git.getCommit({owner: OWNER, repo: REPO, commit_sha: initialSha})
    const {data: created} = await octokit.git.createTree({
      owner: OWNER,
      repo: REPO,
      base_tree: initial.tree.sha,
      tree: [
        {path: 'deep/er/still/x.tf', mode: '100644', type: 'blob', content: 'x = 1\n'},
        {path: 'link', mode: '120000', type: 'blob', content: 'a.tf'},
      ],
    })
    const commitDate = '2024-05-02T08:30:00+02:00'
    const message = 'Add deep file\n\nWith a body and no trailing newline'
    const {data: commit} = await octokit.git.createCommit({
      owner: OWNER,
      repo: REPO,
      message,
      tree: created.sha,
      parents: [initialSha],
      author: {name: 'Infra Bot', email: 'bot@example.com', date: commitDate},
    })
    assert.equal(commit.author.date, commitDate)
    assert.equal(commit.committer.date, commitDate)

    const directory = mkdtempSync(join(tmpdir(), 'github-server-test-'))
    try {
      git(directory, ['init', '--quiet', '.'])
      const initialTree = gitTree(directory, files)
      const expectedInitial = gitCommit(directory, {
        tree: initialTree,
        parents: [],
        name: 'GitHub',
        email: 'noreply@github.com',
        date: NOW,
        message: 'Initial commit',
      })
      assert.equal(initialSha, expectedInitial)

      const allFiles = {
        ...files,
        'deep/er/still/x.tf': {content: 'x = 1\n', mode: '100644' as const},
        link: {content: 'a.tf', mode: '120000' as const},
      }
      const expectedTree = gitTree(directory, allFiles)
      assert.equal(created.sha, expectedTree)

      const expectedCommit = gitCommit(directory, {
        tree: expectedTree,
        parents: [expectedInitial],
        name: 'Infra Bot',
        email: 'bot@example.com',
        date: commitDate,
        message,
      })
      assert.equal(commit.sha, expectedCommit)

      const {data: listing} = await octokit.git.getTree({owner: OWNER, repo: REPO, tree_sha: created.sha, recursive: '1'})
      const expectedListing = git(directory, ['ls-tree', '-r', '-t', expectedTree])
        .split('\n')
        .map((line) => {
          const [info, path] = line.split('\t')
          const [mode, type, sha] = info.split(' ')
          return {path, mode, type, sha}
        })
      assert.deepEqual(
        listing.tree.map(({path, mode, type, sha}) => ({path, mode, type, sha})),
        expectedListing,
      )
    } finally {
      rmSync(directory, {recursive: true, force: true})
    }
  })

  it('lists trees with and without recursion', async function () {
    server.createRepository({
      owner: OWNER,
      name: REPO,
      files: {'main.tf': 'x\n', 'modules/vpc/main.tf': 'vpc\n'},
    })
    const octokit = client(server)

    const {data: flat} = await octokit.git.getTree({owner: OWNER, repo: REPO, tree_sha: 'main'})
    assert.deepEqual(
      flat.tree.map(({path, mode, type, size}) => ({path, mode, type, size})),
      [
        {path: 'main.tf', mode: '100644', type: 'blob', size: 2},
        {path: 'modules', mode: '040000', type: 'tree', size: undefined},
      ],
    )
    assert.equal(flat.truncated, false)

    const {data: recursive} = await octokit.git.getTree({owner: OWNER, repo: REPO, tree_sha: flat.sha, recursive: '1'})
    assert.deepEqual(
      recursive.tree.map((entry) => entry.path),
      ['main.tf', 'modules', 'modules/vpc', 'modules/vpc/main.tf'],
    )

    const missing = await rejection(octokit.git.getTree({owner: OWNER, repo: REPO, tree_sha: 'f'.repeat(40)}))
    assert.equal(missing.status, 404)
  })

  it('stores and returns blobs', async function () {
    server.createRepository({owner: OWNER, name: REPO})
    const octokit = client(server)
    const text = 'x'.repeat(70)

    const {data: utf8} = await octokit.git.createBlob({owner: OWNER, repo: REPO, content: text, encoding: 'utf-8'})
    const expectedSha = execFileSync('git', ['hash-object', '--stdin'], {input: text}).toString().trim()
    assert.equal(utf8.sha, expectedSha)

    const binary = Buffer.from([0, 1, 2, 255])
    const {data: base64} = await octokit.git.createBlob({
      owner: OWNER,
      repo: REPO,
      content: binary.toString('base64'),
      encoding: 'base64',
    })

    const {data: fetched} = await octokit.git.getBlob({owner: OWNER, repo: REPO, file_sha: utf8.sha})
    assert.equal(fetched.encoding, 'base64')
    assert.equal(fetched.size, 70)
    const encoded = Buffer.from(text).toString('base64')
    assert.equal(fetched.content, `${encoded.slice(0, 60)}\n${encoded.slice(60)}\n`)

    const {data: fetchedBinary} = await octokit.git.getBlob({owner: OWNER, repo: REPO, file_sha: base64.sha})
    assert.deepEqual(Buffer.from(fetchedBinary.content, 'base64'), binary)

    const missing = await rejection(octokit.git.getBlob({owner: OWNER, repo: REPO, file_sha: 'e'.repeat(40)}))
    assert.equal(missing.status, 404)
  })

  it('rejects invalid tree edits', async function () {
    const baseSha = seedRepository()
    const octokit = client(server)
    const {data: base} = await octokit.git.getCommit({owner: OWNER, repo: REPO, commit_sha: baseSha})
    const messageOf = (error: OctokitError) => (error.response?.data as {message: string}).message

    const cases: Array<{name: string; body: Parameters<Octokit['git']['createTree']>[0]; message: string}> = [
      {
        name: 'deleting a missing file',
        body: {owner: OWNER, repo: REPO, base_tree: base.tree.sha, tree: [{path: 'nope.tf', mode: '100644', type: 'blob', sha: null}]},
        message: 'GitRPC::BadObjectState',
      },
      {
        name: 'deleting a directory',
        body: {owner: OWNER, repo: REPO, base_tree: base.tree.sha, tree: [{path: 'modules', mode: '040000', type: 'tree', sha: null}]},
        message: 'GitRPC::BadObjectState',
      },
      {
        name: 'both sha and content',
        body: {owner: OWNER, repo: REPO, tree: [{path: 'x.tf', mode: '100644', type: 'blob', sha: 'a'.repeat(40), content: 'x'}]},
        message: 'Must supply either tree.sha or tree.content. Request will be rejected if both are present.',
      },
      {
        name: 'an empty path component',
        body: {owner: OWNER, repo: REPO, tree: [{path: 'a//b', mode: '100644', type: 'blob', content: ''}]},
        message: 'tree.path contains a malformed path component',
      },
      {
        name: 'a commit id as base tree',
        body: {owner: OWNER, repo: REPO, base_tree: baseSha, tree: [{path: 'x.tf', mode: '100644', type: 'blob', content: ''}]},
        message: 'Invalid tree info',
      },
      {
        name: 'a mode that does not fit the type',
        body: {owner: OWNER, repo: REPO, tree: [{path: 'x.tf', mode: '040000', type: 'blob', content: ''}]},
        message: 'Invalid tree info',
      },
    ]

    for (const {name, body, message} of cases) {
      const error = await rejection(octokit.git.createTree(body))
      assert.equal(error.status, 422, name)
      assert.equal(messageOf(error), message, name)
    }

    const badCommit = await rejection(
      octokit.git.createCommit({owner: OWNER, repo: REPO, message: 'x', tree: 'b'.repeat(40), parents: []}),
    )
    assert.equal(messageOf(badCommit), 'Tree SHA does not exist')

    const badParent = await rejection(
      octokit.git.createCommit({owner: OWNER, repo: REPO, message: 'x', tree: base.tree.sha, parents: [base.tree.sha]}),
    )
    assert.equal(messageOf(badParent), 'Parent SHA does not exist or is not a commit object')
  })

  it('rejects conflicting ref changes', async function () {
    const baseSha = seedRepository()
    const octokit = client(server)

    const duplicate = await rejection(octokit.git.createRef({owner: OWNER, repo: REPO, ref: 'refs/heads/main', sha: baseSha}))
    assert.equal(duplicate.status, 422)
    assert.deepEqual(duplicate.response?.data, {
      message: 'Reference already exists',
      documentation_url: 'https://docs.github.com/rest/git/refs#create-a-reference',
      status: '422',
    })

    const unknownObject = await rejection(
      octokit.git.createRef({owner: OWNER, repo: REPO, ref: 'refs/heads/x', sha: 'c'.repeat(40)}),
    )
    assert.equal((unknownObject.response?.data as {message: string}).message, 'Object does not exist')

    const aheadSha = server.pushCommit({owner: OWNER, repo: REPO, branch: 'main', files: {'new.tf': 'y\n'}})
    const otherSha = server.pushCommit({owner: OWNER, repo: REPO, branch: 'other', files: {'other.tf': 'z\n'}})
    assert.equal(server.branch(OWNER, REPO, 'other'), otherSha)

    const notFastForward = await rejection(
      octokit.git.updateRef({owner: OWNER, repo: REPO, ref: 'heads/other', sha: baseSha}),
    )
    assert.equal(notFastForward.status, 422)
    assert.equal((notFastForward.response?.data as {message: string}).message, 'Update is not a fast forward')
    assert.equal(server.branch(OWNER, REPO, 'other'), otherSha)

    const {data: forced} = await octokit.git.updateRef({owner: OWNER, repo: REPO, ref: 'heads/other', sha: aheadSha, force: true})
    assert.equal(forced.object.sha, aheadSha)
    assert.equal(server.branch(OWNER, REPO, 'other'), aheadSha)

    const missingRef = await rejection(octokit.git.getRef({owner: OWNER, repo: REPO, ref: 'heads/absent'}))
    assert.equal(missingRef.status, 404)
    assert.equal((missingRef.response?.data as {message: string}).message, 'Not Found')

    const missingUpdate = await rejection(octokit.git.updateRef({owner: OWNER, repo: REPO, ref: 'heads/absent', sha: baseSha}))
    assert.equal((missingUpdate.response?.data as {message: string}).message, 'Reference does not exist')
  })

  it('rejects duplicate and empty pull requests', async function () {
    seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    const {data: emptyRef} = await client(server).git.getRef({owner: OWNER, repo: REPO, ref: 'heads/main'})
    const octokit = client(server)
    await octokit.git.createRef({owner: OWNER, repo: REPO, ref: 'refs/heads/empty', sha: emptyRef.object.sha})

    await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'One', head: 'feature', base: 'main'})
    const duplicate = await rejection(
      octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Two', head: 'acme:feature', base: 'main'}),
    )
    assert.equal(duplicate.status, 422)
    assert.deepEqual(duplicate.response?.data, {
      message: 'Validation Failed',
      errors: [{resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for acme:feature.'}],
      documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      status: '422',
    })

    const empty = await rejection(octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Empty', head: 'empty', base: 'main'}))
    assert.deepEqual((empty.response?.data as {errors: unknown}).errors, [
      {resource: 'PullRequest', code: 'custom', message: 'No commits between main and empty'},
    ])

    const missingHead = await rejection(octokit.pulls.create({owner: OWNER, repo: REPO, title: 'X', head: 'nope', base: 'main'}))
    assert.deepEqual((missingHead.response?.data as {errors: unknown}).errors, [
      {resource: 'PullRequest', field: 'head', code: 'invalid'},
    ])

    const {data: closed} = await octokit.pulls.update({owner: OWNER, repo: REPO, pull_number: 1, state: 'closed', title: 'One!'})
    assert.equal(closed.state, 'closed')
    assert.equal(closed.closed_at, NOW)
    const {data: reopened} = await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Two', head: 'feature', base: 'main'})
    assert.equal(reopened.number, 2)
    assert.deepEqual(
      server.pullRequests(OWNER, REPO).map(({number, title, state}) => ({number, title, state})),
      [
        {number: 1, title: 'One!', state: 'closed'},
        {number: 2, title: 'Two', state: 'open'},
      ],
    )
  })

  it('rejects unknown team reviewers', async function () {
    seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    const octokit = client(server)
    await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'One', head: 'feature', base: 'main'})

    const unknownTeam = await rejection(
      octokit.pulls.requestReviewers({owner: OWNER, repo: REPO, pull_number: 1, team_reviewers: ['ghosts']}),
    )
    assert.equal(unknownTeam.status, 422)
    assert.equal(
      (unknownTeam.response?.data as {message: string}).message,
      'Reviews may only be requested from collaborators. One or more of the teams you specified is not a collaborator of the acme/infra repository.',
    )
    assert.deepEqual(server.pullRequests(OWNER, REPO)[0].requestedTeams, [])

    const author = await rejection(octokit.pulls.requestReviewers({owner: OWNER, repo: REPO, pull_number: 1, reviewers: ['octocat']}))
    assert.equal((author.response?.data as {message: string}).message, 'Review cannot be requested from pull request author.')

    const {data: team} = await octokit.teams.getByName({org: OWNER, team_slug: 'platform'})
    assert.equal(team.slug, 'platform')
    assert.equal(team.organization.login, OWNER)
    const missingTeam = await rejection(octokit.teams.getByName({org: OWNER, team_slug: 'ghosts'}))
    assert.equal(missingTeam.status, 404)
  })

  it('paginates pull requests with Link headers', async function () {
    seedRepository()
    const octokit = client(server)
    for (let index = 1; index <= 35; index += 1) {
      server.pushCommit({owner: OWNER, repo: REPO, branch: `change-${index}`, files: {[`f${index}.tf`]: `${index}\n`}})
      await octokit.pulls.create({owner: OWNER, repo: REPO, title: `Change ${index}`, head: `change-${index}`, base: 'main'})
    }

    const first = await octokit.pulls.list({owner: OWNER, repo: REPO, state: 'all'})
    assert.equal(first.data.length, 30)
    assert.equal(first.data[0].number, 35)
    const listUrl = `${server.url}/repos/acme/infra/pulls`
    assert.equal(
      first.headers.link,
      `<${listUrl}?state=all&page=2>; rel="next", <${listUrl}?state=all&page=2>; rel="last"`,
    )

    const second = await octokit.pulls.list({owner: OWNER, repo: REPO, state: 'all', page: 2})
    assert.deepEqual(second.data.map((pull) => pull.number), [5, 4, 3, 2, 1])
    assert.equal(
      second.headers.link,
      `<${listUrl}?state=all&page=1>; rel="prev", <${listUrl}?state=all&page=1>; rel="first"`,
    )

    const all = await octokit.paginate(octokit.pulls.list, {owner: OWNER, repo: REPO, per_page: 10})
    assert.equal(all.length, 35)
    assert.deepEqual(
      server.requests.slice(-4).map((entry) => entry.query),
      [{per_page: '10'}, {per_page: '10', page: '2'}, {per_page: '10', page: '3'}, {per_page: '10', page: '4'}],
    )

    const byHead = await octokit.pulls.list({owner: OWNER, repo: REPO, head: 'acme:change-7'})
    assert.deepEqual(byHead.data.map((pull) => pull.number), [7])
    // GitHub ignores a head filter without the owner part.
    const withoutOwner = await octokit.pulls.list({owner: OWNER, repo: REPO, head: 'change-7', per_page: 100})
    assert.equal(withoutOwner.data.length, 35)
  })

  it('injects every kind of fault', async function () {
    seedRepository()
    const octokit = client(server)
    const get = () => octokit.repos.get({owner: OWNER, repo: REPO})

    server.inject({method: 'GET', path: '/repos/{owner}/{repo}', status: 500, times: 2})
    assert.equal((await rejection(get())).status, 500)
    assert.equal((await rejection(get())).status, 500)
    assert.equal((await get()).status, 200)

    const secondaryMessage = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
    server.inject({
      path: '/repos/acme/infra',
      status: 403,
      headers: {'retry-after': '60'},
      body: {message: secondaryMessage, documentation_url: 'https://docs.github.com/rest'},
    })
    const secondary = await rejection(get())
    assert.equal(secondary.status, 403)
    assert.equal(secondary.response?.headers['retry-after'], '60')
    assert.equal((secondary.response?.data as {message: string}).message, secondaryMessage)

    server.inject({path: '/repos/acme/infra', status: 403, body: {message: secondaryMessage}})
    const withoutRetryAfter = await rejection(get())
    assert.equal(withoutRetryAfter.status, 403)
    assert.equal(withoutRetryAfter.response?.headers['retry-after'], undefined)

    server.inject({
      path: '/repos/acme/infra',
      status: 429,
      headers: {'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1714568400'},
    })
    const rateLimited = await rejection(get())
    assert.equal(rateLimited.status, 429)
    assert.equal(rateLimited.response?.headers['x-ratelimit-remaining'], '0')
    assert.equal(rateLimited.response?.headers['x-ratelimit-reset'], '1714568400')

    server.inject({path: '/repos/{owner}/{repo}', status: 401})
    const unauthorized = await rejection(get())
    assert.equal(unauthorized.status, 401)
    assert.deepEqual(unauthorized.response?.data, {
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    })

    server.inject({method: 'POST', path: '/repos/{owner}/{repo}/pulls', status: 422, body: {message: 'Validation Failed'}})
    const invalid = await rejection(octokit.pulls.create({owner: OWNER, repo: REPO, title: 'x', head: 'main', base: 'main'}))
    assert.equal(invalid.status, 422)
    assert.deepEqual(invalid.response?.data, {message: 'Validation Failed'})

    server.inject({method: 'GET', path: '/repos/{owner}/{repo}', drop: true})
    const dropped = await rejection(get())
    assert.equal(dropped.status, 500)
    assert.equal(dropped.response, undefined)

    assert.deepEqual(
      server.requests.map((entry) => `${entry.method} ${entry.status}`),
      ['GET 500', 'GET 500', 'GET 200', 'GET 403', 'GET 403', 'GET 429', 'GET 401', 'POST 422', 'GET null'],
    )
    assert.equal((await get()).status, 200)
  })

  it('rejects schema violations with 500', async function () {
    seedRepository()
    const octokit = client(server)

    const error = await rejection(
      // @ts-expect-error -- the missing `sha` is the violation under test.
      octokit.request('POST /repos/{owner}/{repo}/git/refs', {owner: OWNER, repo: REPO, ref: 'refs/heads/x'}),
    )
    assert.equal(error.status, 500)
    assert.equal(
      (error.response?.data as {message: string}).message,
      "test server: request does not match GitHub's OpenAPI description: " +
        "request body does not match the git/create-ref schema; (root) must have required property 'sha'",
    )

    assert.equal(server.violations.length, 1)
    const [violation] = server.violations
    assert.equal(violation.method, 'POST')
    assert.equal(violation.path, '/repos/acme/infra/git/refs')
    assert.equal(violation.operationId, 'git/create-ref')
    assert.equal(violation.part, 'body')
    assert.deepEqual(violation.errors.map((schemaError) => schemaError.params), [{missingProperty: 'sha'}])
    assert.equal(server.branch(OWNER, REPO, 'x'), undefined)
    assert.throws(() => server.assertNoViolations(), /POST \/repos\/acme\/infra\/git\/refs \(git\/create-ref\) body/)

    const badQuery = await rejection(
      // @ts-expect-error -- `merged` is not one of the states that the description allows.
      octokit.request('GET /repos/{owner}/{repo}/pulls', {owner: OWNER, repo: REPO, state: 'merged'}),
    )
    assert.equal(badQuery.status, 500)
    assert.equal(server.violations[1].part, 'query')

    server.violations.splice(0)
  })

  it('rejects bad tokens', async function () {
    seedRepository()
    server.addToken('good', {login: 'alice', scopes: ['repo', 'read:org']})

    const bad = await rejection(client(server, 'bad').repos.get({owner: OWNER, repo: REPO}))
    assert.equal(bad.status, 401)
    assert.equal((bad.response?.data as {message: string}).message, 'Bad credentials')

    const response = await client(server, 'good').users.getAuthenticated()
    assert.equal(response.data.login, 'alice')
    assert.equal(response.headers['x-oauth-scopes'], 'repo, read:org')
    assert.equal(response.headers['x-ratelimit-remaining'], '4999')

    const anonymous = await rejection(new Octokit({baseUrl: server.url, log: quietLog}).users.getAuthenticated())
    assert.equal(anonymous.status, 401)
    assert.equal((anonymous.response?.data as {message: string}).message, 'Requires authentication')
  })

  it('hides invisible repositories', async function () {
    server.createRepository({owner: OWNER, name: 'secret', private: true, visibleTo: ['alice']})
    server.addToken('alice-token', {login: 'alice'})
    server.addToken('bob-token', {login: 'bob'})

    const hidden = await rejection(client(server, 'bob-token').repos.get({owner: OWNER, repo: 'secret'}))
    assert.equal(hidden.status, 404)
    assert.deepEqual(hidden.response?.data, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
      status: '404',
    })

    const {data: visible} = await client(server, 'alice-token').repos.get({owner: OWNER, repo: 'secret'})
    assert.equal(visible.private, true)
    assert.equal(visible.visibility, 'private')
  })

  it('returns file and directory contents', async function () {
    const baseSha = seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'README.md': '# infra, changed\n'}})
    const octokit = client(server)
    const blobSha = (text: string) => execFileSync('git', ['hash-object', '--stdin'], {input: text}).toString().trim()

    const {data: file} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'modules/vpc/main.tf'})
    assert.ok(!Array.isArray(file))
    assert.ok(file.type === 'file')
    assert.equal(file.encoding, 'base64')
    assert.equal(Buffer.from(file.content, 'base64').toString('utf8'), 'resource "aws_vpc" "main" {}\n')
    assert.equal(file.sha, blobSha('resource "aws_vpc" "main" {}\n'))
    assert.equal(file.size, 29)
    assert.equal(file.name, 'main.tf')
    assert.equal(file.path, 'modules/vpc/main.tf')
    assert.equal(file.url, `${server.url}/repos/acme/infra/contents/modules/vpc/main.tf?ref=main`)
    assert.equal(file.git_url, `${server.url}/repos/acme/infra/git/blobs/${file.sha}`)

    const readme = async (ref?: string) => {
      const {data} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'README.md', ref})
      assert.ok(!Array.isArray(data))
      assert.ok(data.type === 'file')
      return Buffer.from(data.content, 'base64').toString('utf8')
    }
    assert.equal(await readme('feature'), '# infra, changed\n')
    assert.equal(await readme(baseSha), '# infra\n')
    assert.equal(await readme('heads/feature'), '# infra, changed\n')
    assert.equal(await readme(), '# infra\n')

    const {data: scripts} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'scripts'})
    assert.ok(Array.isArray(scripts))
    assert.deepEqual(
      scripts.map(({type, name, path, sha, size, content}) => ({type, name, path, sha, size, content})),
      [{type: 'file', name: 'plan.sh', path: 'scripts/plan.sh', sha: blobSha('#!/bin/sh\nterraform plan\n'), size: 25, content: undefined}],
    )
    const {data: modules} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'modules'})
    assert.ok(Array.isArray(modules))
    const {data: modulesTree} = await octokit.git.getTree({owner: OWNER, repo: REPO, tree_sha: 'main', recursive: '1'})
    const vpcTree = modulesTree.tree.find((entry) => entry.path === 'modules/vpc')
    assert.deepEqual(
      modules.map(({type, name, path, sha, size, download_url}) => ({type, name, path, sha, size, download_url})),
      [{type: 'dir', name: 'vpc', path: 'modules/vpc', sha: vpcTree?.sha, size: 0, download_url: null}],
    )

    const missingPath = await rejection(octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'nope.tf'}))
    assert.equal(missingPath.status, 404)
    assert.equal((missingPath.response?.data as {message: string}).message, 'Not Found')
    const missingRef = await rejection(octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'README.md', ref: 'nope'}))
    assert.equal(missingRef.status, 404)
    assert.equal((missingRef.response?.data as {message: string}).message, 'No commit found for the ref nope')
    const belowFile = await rejection(octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'README.md/x'}))
    assert.equal(belowFile.status, 404)

    assert.deepEqual(
      server.requests.slice(0, 2).map(({path, query}) => ({path, query})),
      [
        {path: '/repos/acme/infra/contents/modules%2Fvpc%2Fmain.tf', query: {}},
        {path: '/repos/acme/infra/contents/README.md', query: {ref: 'feature'}},
      ],
    )
  })

  it('follows symbolic links and limits content size', async function () {
    server.createRepository({
      owner: OWNER,
      name: REPO,
      files: {
        'policy.yaml': 'rules: []\n',
        'config/policy': {content: '../policy.yaml', mode: '120000'},
        dangling: {content: 'missing.txt', mode: '120000'},
        'big.bin': {content: Buffer.alloc(1024 * 1024 + 1, 'a')},
      },
    })
    const octokit = client(server)

    const {data: followed} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'config/policy'})
    assert.ok(!Array.isArray(followed))
    assert.ok(followed.type === 'file')
    assert.equal(followed.path, 'policy.yaml')
    assert.equal(Buffer.from(followed.content, 'base64').toString('utf8'), 'rules: []\n')

    const {data: link} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'dangling'})
    assert.ok(!Array.isArray(link))
    assert.ok(link.type === 'symlink')
    assert.equal(link.target, 'missing.txt')
    assert.equal(link.size, 11)

    const {data: config} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'config'})
    assert.ok(Array.isArray(config))
    assert.deepEqual(config.map(({type, path}) => ({type, path})), [{type: 'symlink', path: 'config/policy'}])

    const tooLarge = await rejection(octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'big.bin'}))
    assert.equal(tooLarge.status, 403)
    assert.deepEqual((tooLarge.response?.data as {errors: unknown}).errors, [{resource: 'Blob', field: 'data', code: 'too_large'}])
  })

  it('returns submodules in contents', async function () {
    const baseSha = server.createRepository({
      owner: OWNER,
      name: REPO,
      files: {'.gitmodules': '[submodule "lib"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n'},
    })
    const octokit = client(server)
    const {data: base} = await octokit.git.getCommit({owner: OWNER, repo: REPO, commit_sha: baseSha})
    const submoduleSha = 'a'.repeat(40)
    const {data: tree} = await octokit.git.createTree({
      owner: OWNER,
      repo: REPO,
      base_tree: base.tree.sha,
      tree: [{path: 'vendor/lib', mode: '160000', type: 'commit', sha: submoduleSha}],
    })
    const {data: commit} = await octokit.git.createCommit({owner: OWNER, repo: REPO, message: 'Add lib', tree: tree.sha, parents: [baseSha]})

    const {data: submodule} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'vendor/lib', ref: commit.sha})
    assert.ok(!Array.isArray(submodule))
    assert.ok(submodule.type === 'submodule')
    assert.equal(submodule.submodule_git_url, 'https://example.com/lib.git')
    assert.equal(submodule.sha, submoduleSha)

    // GitHub lists submodules as files in a directory, for backwards compatibility.
    const {data: vendor} = await octokit.repos.getContent({owner: OWNER, repo: REPO, path: 'vendor/', ref: commit.sha})
    assert.ok(Array.isArray(vendor))
    assert.deepEqual(vendor.map(({type, path, sha}) => ({type, path, sha})), [{type: 'file', path: 'vendor/lib', sha: submoduleSha}])
  })

  it('lists the files of a pull request', async function () {
    const baseSha = seedRepository()
    server.pushCommit({
      owner: OWNER,
      repo: REPO,
      branch: 'feature',
      files: {
        'README.md': '# infra\n\nManaged by idp.\n',
        'modules/network/main.tf': 'resource "aws_vpc" "main" {}\n',
        'modules/vpc/main.tf': null,
        'new.tf': 'a\nb\n',
        'old.tf': null,
      },
    })
    // The base branch moves on after the feature branched off, which must not show up as a removal.
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'main', files: {'base-only.tf': 'x\n'}})
    const headSha = server.branch(OWNER, REPO, 'feature') as string
    const octokit = client(server)
    await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})

    const blobSha = (text: string) => execFileSync('git', ['hash-object', '--stdin'], {input: text}).toString().trim()
    const {data: files} = await octokit.pulls.listFiles({owner: OWNER, repo: REPO, pull_number: 1})
    assert.deepEqual(
      files.map(({filename, status, sha, additions, deletions, changes, previous_filename, patch}) => ({
        filename,
        status,
        sha,
        additions,
        deletions,
        changes,
        previous_filename,
        patch,
      })),
      [
        {filename: 'README.md', status: 'modified', sha: blobSha('# infra\n\nManaged by idp.\n'), additions: 2, deletions: 0, changes: 2, previous_filename: undefined, patch: undefined},
        {
          filename: 'modules/network/main.tf',
          status: 'renamed',
          sha: blobSha('resource "aws_vpc" "main" {}\n'),
          additions: 0,
          deletions: 0,
          changes: 0,
          previous_filename: 'modules/vpc/main.tf',
          patch: undefined,
        },
        {filename: 'new.tf', status: 'added', sha: blobSha('a\nb\n'), additions: 2, deletions: 0, changes: 2, previous_filename: undefined, patch: undefined},
        {filename: 'old.tf', status: 'removed', sha: blobSha('locals {}\n'), additions: 0, deletions: 1, changes: 1, previous_filename: undefined, patch: undefined},
      ],
    )
    assert.equal(files[0].contents_url, `${server.url}/repos/acme/infra/contents/README.md?ref=${headSha}`)
    assert.equal(files[3].contents_url, `${server.url}/repos/acme/infra/contents/old.tf?ref=${baseSha}`)

    const {data: detail} = await octokit.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(detail.changed_files, 4)
    assert.equal(detail.additions, 4)
    assert.equal(detail.deletions, 1)
  })

  it('paginates the files of a pull request', async function () {
    seedRepository()
    const many = Object.fromEntries(Array.from({length: 35}, (_, index) => [`envs/f${String(index).padStart(2, '0')}.tf`, `${index}\n`]))
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'many', files: many})
    const octokit = client(server)
    await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Many', head: 'many', base: 'main'})

    const first = await octokit.pulls.listFiles({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(first.data.length, 30)
    const url = `${server.url}/repos/acme/infra/pulls/1/files`
    assert.equal(first.headers.link, `<${url}?page=2>; rel="next", <${url}?page=2>; rel="last"`)

    const all = await octokit.paginate(octokit.pulls.listFiles, {owner: OWNER, repo: REPO, pull_number: 1, per_page: 20})
    assert.deepEqual(all.map((file) => file.filename), Object.keys(many))
    assert.deepEqual(server.requests.slice(-2).map((entry) => entry.query), [{per_page: '20'}, {per_page: '20', page: '2'}])
  })

  it('stores commit statuses of the token user', async function () {
    const sha = seedRepository()
    server.addToken('alice-token', {login: 'alice'})
    const octokit = client(server, 'alice-token')

    const {data: created, headers} = await octokit.repos.createCommitStatus({
      owner: OWNER,
      repo: REPO,
      sha,
      state: 'pending',
      context: 'ci/plan',
      target_url: 'http://127.0.0.1/plan/1',
      description: 'Planning',
    })
    assert.equal(created.state, 'pending')
    assert.equal(created.context, 'ci/plan')
    assert.equal(created.target_url, 'http://127.0.0.1/plan/1')
    assert.equal(created.description, 'Planning')
    assert.equal(created.creator?.login, 'alice')
    assert.equal(created.created_at, NOW)
    assert.equal(created.url, `${server.url}/repos/acme/infra/statuses/${sha}`)
    assert.equal(headers.location, created.url)

    await octokit.repos.createCommitStatus({owner: OWNER, repo: REPO, sha, state: 'success', context: 'ci/plan'})
    await octokit.repos.createCommitStatus({owner: OWNER, repo: REPO, sha, state: 'failure', context: 'lint'})
    const {data: unnamed} = await octokit.repos.createCommitStatus({owner: OWNER, repo: REPO, sha, state: 'success'})
    assert.equal(unnamed.context, 'default')

    const {data: listed} = await octokit.repos.listCommitStatusesForRef({owner: OWNER, repo: REPO, ref: 'main'})
    assert.deepEqual(
      listed.map(({context, state}) => `${context} ${state}`),
      ['default success', 'lint failure', 'ci/plan success', 'ci/plan pending'],
    )

    const combined = async () => (await octokit.repos.getCombinedStatusForRef({owner: OWNER, repo: REPO, ref: sha})).data
    const failing = await combined()
    assert.equal(failing.state, 'failure')
    assert.equal(failing.total_count, 3)
    assert.deepEqual(failing.statuses.map(({context, state}) => `${context} ${state}`), ['ci/plan success', 'lint failure', 'default success'])

    // Contexts are case-insensitive, so `LINT` replaces `lint` in the combined status.
    await octokit.repos.createCommitStatus({owner: OWNER, repo: REPO, sha, state: 'success', context: 'LINT'})
    const passing = await combined()
    assert.equal(passing.state, 'success')
    assert.deepEqual(passing.statuses.map(({context, state}) => `${context} ${state}`), ['ci/plan success', 'default success', 'LINT success'])

    assert.deepEqual(
      server.statusesOf(OWNER, REPO, sha).map(({context, state, creator, createdAt}) => ({context, state, creator, createdAt})),
      [
        {context: 'ci/plan', state: 'pending', creator: 'alice', createdAt: NOW},
        {context: 'ci/plan', state: 'success', creator: 'alice', createdAt: NOW},
        {context: 'lint', state: 'failure', creator: 'alice', createdAt: NOW},
        {context: 'default', state: 'success', creator: 'alice', createdAt: NOW},
        {context: 'LINT', state: 'success', creator: 'alice', createdAt: NOW},
      ],
    )

    server.addStatus(OWNER, REPO, sha, {context: 'seeded', state: 'error'})
    assert.deepEqual(server.statusesOf(OWNER, REPO, sha).at(-1), {
      context: 'seeded',
      state: 'error',
      targetUrl: null,
      description: null,
      creator: null,
      createdAt: NOW,
    })
    assert.equal((await combined()).state, 'failure')
  })

  it('rejects statuses on unknown commits', async function () {
    seedRepository()
    const octokit = client(server)

    for (const sha of ['main', 'a'.repeat(40)]) {
      const error = await rejection(octokit.repos.createCommitStatus({owner: OWNER, repo: REPO, sha, state: 'success'}))
      assert.equal(error.status, 422, sha)
      assert.equal((error.response?.data as {message: string}).message, `No commit found for SHA: ${sha}`, sha)
    }

    const unknownRef = await rejection(octokit.repos.listCommitStatusesForRef({owner: OWNER, repo: REPO, ref: 'nope'}))
    assert.equal(unknownRef.status, 404)
  })

  it('stores comments of the token user', async function () {
    seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    server.addToken('alice-token', {login: 'alice'})
    server.addToken('bob-token', {login: 'bob'})
    const alice = client(server, 'alice-token')
    const bob = client(server, 'bob-token')
    await alice.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})

    const {data: first, headers} = await bob.issues.createComment({owner: OWNER, repo: REPO, issue_number: 1, body: 'Policy: needs approval'})
    assert.equal(first.user?.login, 'bob')
    assert.equal(first.body, 'Policy: needs approval')
    assert.equal(first.created_at, NOW)
    assert.equal(first.author_association, 'COLLABORATOR')
    assert.equal(first.issue_url, `${server.url}/repos/acme/infra/issues/1`)
    assert.equal(first.html_url, `${server.url}/acme/infra/pull/1#issuecomment-${first.id}`)
    assert.equal(headers.location, `${server.url}/repos/acme/infra/issues/comments/${first.id}`)
    await alice.issues.createComment({owner: OWNER, repo: REPO, issue_number: 1, body: 'Thanks'})

    const {data: listed} = await bob.issues.listComments({owner: OWNER, repo: REPO, issue_number: 1})
    assert.deepEqual(listed.map((comment) => [comment.user?.login, comment.body]), [
      ['bob', 'Policy: needs approval'],
      ['alice', 'Thanks'],
    ])
    const page = await bob.issues.listComments({owner: OWNER, repo: REPO, issue_number: 1, per_page: 1, page: 2})
    assert.deepEqual(page.data.map((comment) => comment.body), ['Thanks'])
    const url = `${server.url}/repos/acme/infra/issues/1/comments`
    assert.equal(page.headers.link, `<${url}?per_page=1&page=1>; rel="prev", <${url}?per_page=1&page=1>; rel="first"`)
    const later = await bob.issues.listComments({owner: OWNER, repo: REPO, issue_number: 1, since: '2024-05-02T00:00:00Z'})
    assert.deepEqual(later.data, [])

    assert.deepEqual(server.commentsOf(OWNER, REPO, 1), [
      {id: first.id, user: 'bob', body: 'Policy: needs approval', createdAt: NOW},
      {id: listed[1].id, user: 'alice', body: 'Thanks', createdAt: NOW},
    ])
    const {data: detail} = await bob.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(detail.comments, 2)

    const blank = await rejection(bob.issues.createComment({owner: OWNER, repo: REPO, issue_number: 1, body: ' '}))
    assert.equal(blank.status, 422)
    const missing = await rejection(bob.issues.createComment({owner: OWNER, repo: REPO, issue_number: 9, body: 'x'}))
    assert.equal(missing.status, 404)
    assert.equal(server.commentsOf(OWNER, REPO, 1).length, 2)
  })

  it('creates reviews as the token user', async function () {
    seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    server.addToken('alice-token', {login: 'alice'})
    server.addToken('bob-token', {login: 'bob'})
    const alice = client(server, 'alice-token')
    const bob = client(server, 'bob-token')
    const {data: pull} = await alice.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})
    await alice.pulls.requestReviewers({owner: OWNER, repo: REPO, pull_number: 1, reviewers: ['bob', 'carol']})

    const {data: approval} = await bob.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1, event: 'APPROVE', body: 'Looks right'})
    assert.equal(approval.state, 'APPROVED')
    assert.equal(approval.user?.login, 'bob')
    assert.equal(approval.body, 'Looks right')
    assert.equal(approval.commit_id, pull.head.sha)
    assert.equal(approval.submitted_at, NOW)
    // A submitted review fulfils the reviewer's review request.
    assert.deepEqual(server.pullRequests(OWNER, REPO)[0].requestedReviewers, ['carol'])

    const ownApproval = await rejection(alice.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1, event: 'APPROVE'}))
    assert.equal(ownApproval.status, 422)
    assert.deepEqual(ownApproval.response?.data, {
      message: 'Unprocessable Entity',
      errors: ['Can not approve your own pull request'],
      documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
      status: '422',
    })
    const ownChanges = await rejection(
      alice.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1, event: 'REQUEST_CHANGES', body: 'No'}),
    )
    assert.deepEqual((ownChanges.response?.data as {errors: unknown}).errors, ['Can not request changes on your own pull request'])
    const noBody = await rejection(bob.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1, event: 'REQUEST_CHANGES'}))
    assert.equal(noBody.status, 422)

    const {data: comment} = await alice.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1, event: 'COMMENT', body: 'Plan attached'})
    assert.equal(comment.state, 'COMMENTED')

    const newHead = server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'y.tf': 'y\n'}})
    const {data: changes} = await bob.pulls.createReview({
      owner: OWNER,
      repo: REPO,
      pull_number: 1,
      event: 'REQUEST_CHANGES',
      body: 'Revert y.tf',
      commit_id: pull.head.sha,
    })
    assert.equal(changes.commit_id, pull.head.sha)
    const {data: pending} = await bob.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(pending.state, 'PENDING')
    assert.equal(pending.commit_id, newHead)
    assert.equal(pending.submitted_at, undefined)
    const secondPending = await rejection(bob.pulls.createReview({owner: OWNER, repo: REPO, pull_number: 1}))
    assert.deepEqual((secondPending.response?.data as {errors: unknown}).errors, ['User can only have one pending review per pull request'])

    const states = async (octokit: Octokit) =>
      (await octokit.pulls.listReviews({owner: OWNER, repo: REPO, pull_number: 1})).data.map((review) => `${review.user?.login} ${review.state}`)
    // A pending review is visible only to its author.
    assert.deepEqual(await states(alice), ['bob APPROVED', 'alice COMMENTED', 'bob CHANGES_REQUESTED'])
    assert.deepEqual(await states(bob), ['bob APPROVED', 'alice COMMENTED', 'bob CHANGES_REQUESTED', 'bob PENDING'])
  })

  it('lists and removes requested reviewers', async function () {
    seedRepository()
    server.addTeam(OWNER, 'security')
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    const octokit = client(server)
    await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})
    await octokit.pulls.requestReviewers({
      owner: OWNER,
      repo: REPO,
      pull_number: 1,
      reviewers: ['bob', 'carol'],
      team_reviewers: ['platform', 'security'],
    })

    const requested = async () => {
      const {data} = await octokit.pulls.listRequestedReviewers({owner: OWNER, repo: REPO, pull_number: 1})
      return {users: data.users.map((user) => user.login), teams: data.teams.map((team) => team.slug)}
    }
    assert.deepEqual(await requested(), {users: ['bob', 'carol'], teams: ['platform', 'security']})

    const {data: updated} = await octokit.pulls.removeRequestedReviewers({
      owner: OWNER,
      repo: REPO,
      pull_number: 1,
      reviewers: ['CAROL', 'nobody'],
      team_reviewers: ['platform'],
    })
    assert.deepEqual(updated.requested_reviewers?.map((user) => user.login), ['bob'])
    assert.deepEqual(updated.requested_teams?.map((team) => team.slug), ['security'])
    assert.deepEqual(await requested(), {users: ['bob'], teams: ['security']})
    assert.deepEqual(server.pullRequests(OWNER, REPO)[0].requestedTeams, ['security'])
  })

  it('lists open pull requests with their age and labels', async function () {
    seedRepository()
    const octokit = client(server)
    for (let index = 1; index <= 33; index += 1) {
      server.pushCommit({owner: OWNER, repo: REPO, branch: `change-${index}`, files: {[`f${index}.tf`]: `${index}\n`}})
      await octokit.pulls.create({owner: OWNER, repo: REPO, title: `Change ${index}`, head: `change-${index}`, base: 'main'})
    }

    await octokit.pulls.update({owner: OWNER, repo: REPO, pull_number: 2, state: 'closed'})
    await octokit.issues.addLabels({owner: OWNER, repo: REPO, issue_number: 7, labels: ['idp:needs-approval']})
    server.setPullRequestCreatedAt(OWNER, REPO, 7, '2024-04-01T09:30:00Z')
    server.setPullRequestCreatedAt(OWNER, REPO, 9, new Date('2024-04-20T00:00:00Z'))
    assert.throws(() => server.setPullRequestCreatedAt(OWNER, REPO, 9, 'yesterday'), /invalid date yesterday/)

    const open = await octokit.paginate(octokit.pulls.list, {owner: OWNER, repo: REPO, state: 'open', sort: 'created', direction: 'asc', per_page: 10})
    assert.equal(open.length, 32)
    assert.deepEqual(open.slice(0, 4).map((pull) => [pull.number, pull.created_at]), [
      [7, '2024-04-01T09:30:00Z'],
      [9, '2024-04-20T00:00:00Z'],
      [1, NOW],
      [3, NOW],
    ])
    assert.deepEqual(open[0].labels.map((label) => label.name), ['idp:needs-approval'])
    assert.deepEqual(open[1].labels, [])
    assert.equal(open.some((pull) => pull.number === 2), false)
    assert.deepEqual(server.requests.slice(-4).map((entry) => entry.query.page), [undefined, '2', '3', '4'])
  })

  it('enables auto-merge through GraphQL', async function () {
    seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    server.addToken('alice-token', {login: 'alice'})
    const octokit = client(server, 'alice-token')
    const {data: created} = await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main', body: 'Adds x'})
    const {data: fetched} = await octokit.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(fetched.node_id, created.node_id)
    assert.equal(fetched.auto_merge, null)

    const query =
      'mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod) { enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) { pullRequest { number autoMergeRequest { enabledAt mergeMethod } } } }'
    const variables = {pullRequestId: created.node_id, mergeMethod: 'SQUASH'}
    const result = await octokit.graphql(query, variables)
    assert.deepEqual(result, {
      enablePullRequestAutoMerge: {pullRequest: {number: 1, autoMergeRequest: {enabledAt: NOW, mergeMethod: 'SQUASH'}}},
    })

    const {data: merged} = await octokit.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})
    assert.equal(merged.auto_merge?.enabled_by.login, 'alice')
    assert.equal(merged.auto_merge?.merge_method, 'squash')
    assert.equal(merged.auto_merge?.commit_title, 'Feature (#1)')
    assert.equal(merged.auto_merge?.commit_message, 'Adds x')
    assert.deepEqual(server.pullRequests(OWNER, REPO)[0].autoMerge, {mergeMethod: 'SQUASH', enabledBy: 'alice'})

    const graphQLRequest = server.requests.find((entry) => entry.path === '/graphql')
    assert.deepEqual(
      {method: graphQLRequest?.method, query: graphQLRequest?.query, body: graphQLRequest?.body, status: graphQLRequest?.status},
      {method: 'POST', query: {}, body: {query, variables}, status: 200},
    )

    // Literal input, aliases, fragments, directives and __typename work as in GraphQL.
    const literal = `
      mutation Enable($skip: Boolean = true) {
        merge: enablePullRequestAutoMerge(input: {pullRequestId: "${created.node_id}", mergeMethod: MERGE, commitHeadline: "Ship it", clientMutationId: "m1"}) {
          __typename
          clientMutationId
          actor { login }
          pullRequest { ...Fields title @skip(if: $skip) }
        }
      }
      fragment Fields on PullRequest { id state autoMergeRequest { mergeMethod commitHeadline enabledBy { ... on Actor { login } } } }
    `
    assert.deepEqual(await octokit.graphql(literal), {
      merge: {
        __typename: 'EnablePullRequestAutoMergePayload',
        clientMutationId: 'm1',
        actor: {login: 'alice'},
        pullRequest: {
          id: created.node_id,
          state: 'OPEN',
          autoMergeRequest: {mergeMethod: 'MERGE', commitHeadline: 'Ship it', enabledBy: {login: 'alice'}},
        },
      },
    })

    await octokit.pulls.update({owner: OWNER, repo: REPO, pull_number: 1, state: 'closed'})
    assert.equal((await octokit.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})).data.auto_merge, null)
  })

  it('rejects auto-merge as GitHub does', async function () {
    server.createRepository({owner: OWNER, name: REPO, allowAutoMerge: false})
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    const octokit = client(server)
    const {data: pull} = await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})
    const {data: repository} = await octokit.repos.get({owner: OWNER, repo: REPO})
    assert.equal(repository.allow_auto_merge, false)

    const query = 'mutation($id: ID!) {\n  enablePullRequestAutoMerge(input: {pullRequestId: $id}) { pullRequest { number } }\n}'
    const enable = (id: string) => octokit.request('POST /graphql', {query, variables: {id}})

    const notAllowed = await enable(pull.node_id)
    assert.equal(notAllowed.status, 200)
    assert.deepEqual(notAllowed.data, {
      data: {enablePullRequestAutoMerge: null},
      errors: [
        {
          type: 'UNPROCESSABLE',
          path: ['enablePullRequestAutoMerge'],
          locations: [{line: 2, column: 3}],
          message: 'Pull request Auto merge is not allowed for this repository',
        },
      ],
    })

    const unknown = await enable('PR_unknown')
    assert.deepEqual((unknown.data as {errors: Array<{type: string; message: string}>}).errors.map(({type, message}) => ({type, message})), [
      {type: 'NOT_FOUND', message: "Could not resolve to a node with the global id of 'PR_unknown'."},
    ])
    const wrongType = await enable(repository.node_id)
    assert.equal(
      (wrongType.data as {errors: Array<{message: string}>}).errors[0].message,
      `Could not resolve to PullRequest node with the global id of '${repository.node_id}'.`,
    )

    const thrown = await rejection(octokit.graphql(query, {id: pull.node_id}))
    assert.equal(thrown.message.includes('Pull request Auto merge is not allowed for this repository'), true)
    assert.equal((await octokit.pulls.get({owner: OWNER, repo: REPO, pull_number: 1})).data.auto_merge, null)
    assert.deepEqual(server.unhandled, [])
  })

  it('returns errors for other GraphQL requests', async function () {
    seedRepository()
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    const octokit = client(server)
    const {data: pull} = await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})
    const send = async (body: Record<string, unknown>) => {
      const response = await octokit.request('POST /graphql', body)
      assert.equal(response.status, 200)
      return (response.data as {errors?: Array<{message: string}>}).errors?.map((error) => error.message) ?? []
    }

    const viewer = await send({query: '{ viewer { login } }'})
    assert.equal(viewer.length, 1)
    assert.match(viewer[0], /does not implement query operations; it supports only the mutation enablePullRequestAutoMerge/)
    const otherMutation = await send({query: 'mutation { mergePullRequest(input: {pullRequestId: "x"}) { clientMutationId } }'})
    assert.match(otherMutation[0], /does not implement the mutation mergePullRequest/)
    const otherField = await send({
      query: `mutation { enablePullRequestAutoMerge(input: {pullRequestId: "${pull.node_id}"}) { pullRequest { commits { totalCount } } } }`,
    })
    assert.match(otherField[0], /does not model the field 'commits' of type 'PullRequest'/)
    assert.deepEqual(server.unhandled.map((entry) => [entry.method, entry.path]), [
      ['POST', '/graphql'],
      ['POST', '/graphql'],
      ['POST', '/graphql'],
    ])
    assert.deepEqual(server.violations, [])

    const invalid: Array<[Record<string, unknown>, string]> = [
      [{variables: {}}, 'A query attribute must be specified and must be a string.'],
      [{query: 'mutation { enablePullRequestAutoMerge(input: {pullRequestId: "x"}) { pullRequest { number } }'}, 'Parse error on end of file at [1, 94]'],
      [
        {query: 'mutation($id: String!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }', variables: {id: 'x'}},
        'Type mismatch on variable $id and argument pullRequestId (String! / ID!)',
      ],
      [
        {query: 'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id}) { clientMutationId } }'},
        'Variable $id of type ID! was provided invalid value',
      ],
      [
        {query: 'mutation { enablePullRequestAutoMerge(input: {pullRequestId: "x", mergeMethod: "SQUASH"}) { clientMutationId } }'},
        "Argument 'mergeMethod' has an invalid value. Expected type 'PullRequestMergeMethod'",
      ],
      [
        {query: 'mutation { enablePullRequestAutoMerge(input: {id: "x"}) { clientMutationId } }'},
        "InputObject 'EnablePullRequestAutoMergeInput' doesn't accept argument 'id'",
      ],
      [
        {query: 'mutation { enablePullRequestAutoMerge(input: {pullRequestId: "x"}) { pullRequest } }'},
        "Field must have selections (field 'pullRequest' returns PullRequest but has no selections. Did you mean 'pullRequest { ... }'?)",
      ],
    ]
    for (const [body, message] of invalid) assert.deepEqual(await send(body), [message], message)
    assert.deepEqual(
      server.violations.map(({operationId, part, message}) => ({operationId, part, message})),
      invalid.map(([, message]) => ({operationId: 'graphql', part: 'graphql', message})),
    )
    server.violations.splice(0)
    assert.equal(server.pullRequests(OWNER, REPO)[0].autoMerge, null)

    const anonymous = await rejection(new Octokit({baseUrl: server.url, log: quietLog}).graphql('{ viewer { login } }'))
    assert.equal(anonymous.status, 401)
    assert.equal((anonymous.response?.data as {message: string}).message, 'This endpoint requires you to be authenticated.')

    server.inject({path: '/graphql', status: 502})
    const unavailable = await rejection(octokit.graphql('{ viewer { login } }'))
    assert.equal(unavailable.status, 502)
  })

  it('records unhandled requests', async function () {
    seedRepository()
    const octokit = client(server)

    const branches = await rejection(octokit.repos.listBranches({owner: OWNER, repo: REPO}))
    assert.equal(branches.status, 404)
    const unknown = await rejection(octokit.request('GET /no/such/endpoint'))
    assert.equal(unknown.status, 404)

    assert.deepEqual(server.unhandled, [
      {method: 'GET', path: '/repos/acme/infra/branches', query: {}, body: undefined, operationId: 'repos/list-branches'},
      {method: 'GET', path: '/no/such/endpoint', query: {}, body: undefined, operationId: undefined},
    ])
  })
})

describe('GitHubTestServer commit comparison', function () {
  let server: GitHubTestServer
  beforeEach(async () => {
    server = await GitHubTestServer.start()
    server.createRepository({owner: OWNER, name: REPO, files: {'README.md': '# infra\n', 'old.tf': 'old\n'}})
  })
  afterEach(() => server.stop())

  it('lists the files between the merge base and a pinned head commit', async () => {
    const first = server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'new.tf': 'a\n', 'old.tf': null}})
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'main', files: {'base-only.tf': 'x\n'}})
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'later.tf': 'b\n'}})

    const {data} = await client(server).repos.compareCommitsWithBasehead({owner: OWNER, repo: REPO, basehead: `main...${first}`})
    server.assertNoViolations()
    assert.equal(data.status, 'diverged')
    assert.equal(data.ahead_by, 1)
    assert.equal(data.behind_by, 1)
    assert.deepEqual(
      data.files?.map(({filename, status}) => [filename, status]),
      [
        ['new.tf', 'added'],
        ['old.tf', 'removed'],
      ],
    )
  })

  it('answers 404 for an unknown ref', async () => {
    const error = await client(server)
      .repos.compareCommitsWithBasehead({owner: OWNER, repo: REPO, basehead: 'main...nope'})
      .then(
        () => undefined,
        (failure: {status: number}) => failure,
      )
    assert.equal(error?.status, 404)
  })
})

describe('GitHubTestServer with a path prefix', function () {
  let server: GitHubTestServer

  beforeEach(async function () {
    server = await GitHubTestServer.start({pathPrefix: '/api/v3'})
  })

  afterEach(async function () {
    await server.stop()
    server.assertNoViolations()
  })

  it('serves the API under the prefix', async function () {
    server.createRepository({owner: OWNER, name: REPO, files: {'main.tf': ''}})
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/)

    const {data: repository} = await client(server).repos.get({owner: OWNER, repo: REPO})
    assert.equal(repository.url, `${server.url}/repos/acme/infra`)
    assert.equal(repository.html_url, `${server.url.replace('/api/v3', '')}/acme/infra`)

    const page = await fetch(server.url.replace('/api/v3', '/'))
    assert.equal(page.status, 200)
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.match(await page.text(), /^<!DOCTYPE html>/)

    assert.deepEqual(
      server.requests.map(({method, path, status}) => ({method, path, status})),
      [
        {method: 'GET', path: '/repos/acme/infra', status: 200},
        {method: 'GET', path: '/', status: 200},
      ],
    )
  })

  it('serves GraphQL at /api/graphql', async function () {
    server.createRepository({owner: OWNER, name: REPO})
    server.pushCommit({owner: OWNER, repo: REPO, branch: 'feature', files: {'x.tf': 'x\n'}})
    const octokit = client(server)
    const {data: pull} = await octokit.pulls.create({owner: OWNER, repo: REPO, title: 'Feature', head: 'feature', base: 'main'})

    const query = 'mutation($id: ID!) { enablePullRequestAutoMerge(input: {pullRequestId: $id, mergeMethod: REBASE}) { pullRequest { autoMergeRequest { mergeMethod } } } }'
    const result = await octokit.graphql(query, {id: pull.node_id})
    assert.deepEqual(result, {enablePullRequestAutoMerge: {pullRequest: {autoMergeRequest: {mergeMethod: 'REBASE'}}}})
    assert.deepEqual(server.requests.at(-1)?.path, '/graphql')

    const misplaced = await fetch(`${server.url}/graphql`, {method: 'POST', body: JSON.stringify({query})})
    assert.equal(misplaced.status, 404)
  })
})

describe('OpenAPI validator', function () {
  const noImplicitStatuses = new Set<number>()

  it('matches multi-segment path parameters', function () {
    const match = loadGitHubDescription().findOperation('GET', '/repos/acme/infra/git/ref/heads%2Ffeature%2Fx')
    assert.equal(match?.operation.operationId, 'git/get-ref')
    assert.deepEqual(match?.pathParameters, {owner: 'acme', repo: 'infra', ref: 'heads/feature/x'})

    const unencoded = loadGitHubDescription().findOperation('PATCH', '/repos/acme/infra/git/refs/heads/feature/x')
    assert.deepEqual(unencoded?.pathParameters, {owner: 'acme', repo: 'infra', ref: 'heads/feature/x'})
  })

  it('flags incomplete response bodies', function () {
    const operation = loadGitHubDescription().findOperationByTemplate('GET', '/repos/{owner}/{repo}/pulls/{pull_number}')
    const failures = operation?.validateResponse(200, {number: 1}, noImplicitStatuses) ?? []
    assert.equal(failures.length, 1)
    assert.equal(failures[0].part, 'response-body')
    assert.ok(failures[0].errors.some((error) => error.params.missingProperty === 'head'))
  })

  it('flags undeclared statuses', function () {
    const operation = loadGitHubDescription().findOperationByTemplate('POST', '/repos/{owner}/{repo}/git/refs')
    const failures = operation?.validateResponse(404, {message: 'Not Found'}, noImplicitStatuses) ?? []
    assert.deepEqual(
      failures.map(({part, message}) => ({part, message})),
      [{part: 'response-status', message: 'status 404 is not declared for git/create-ref (declared: 201, 409, 422)'}],
    )
    assert.deepEqual(operation?.validateResponse(404, {message: 'Not Found'}, new Set([404])), [])
  })

  it('accepts null for nullable fields', function () {
    const operation = loadGitHubDescription().findOperationByTemplate('POST', '/repos/{owner}/{repo}/git/trees')
    const request = {
      pathParameters: {owner: 'acme', repo: 'infra'},
      query: new URLSearchParams(),
      body: {tree: [{path: 'x', mode: '100644', type: 'blob', sha: null}]},
    }
    assert.deepEqual(operation?.validateRequest(request), [])

    const badMode = {...request, body: {tree: [{path: 'x', mode: '644', type: 'blob', sha: null}]}}
    assert.deepEqual(
      operation?.validateRequest(badMode).flatMap((failure) => failure.errors.map((error) => error.instancePath)),
      ['/tree/0/mode'],
    )
  })
})

describe('GitHubTestServer.stop', function () {
  it('closes every socket', async function () {
    const openTcpHandles = () => process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length
    const before = openTcpHandles()
    const server = await GitHubTestServer.start()
    server.createRepository({owner: OWNER, name: REPO})
    await client(server).repos.get({owner: OWNER, repo: REPO})

    await server.stop()
    // The client closes its side of each socket when it reads the server's
    // close, which takes a few event loop turns after stop() resolves.
    const deadline = Date.now() + 2000
    while (openTcpHandles() > before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.equal(openTcpHandles(), before)
  })
})
