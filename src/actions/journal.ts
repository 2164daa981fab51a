import {randomBytes} from 'node:crypto'
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {xdgDir} from '../xdg.js'

/** Status of a run or of one of its steps. */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted' | 'cancelled'

/** One step of a run as recorded in the journal. */
export interface JournalStep {
  id: string
  title: string
  status: RunStatus | 'pending'
  startedAt?: string
  finishedAt?: string
  error?: {code: string; message: string}
}

/** The run journal: everything needed to see, and later resume, a submitted run. No token. */
export interface JournalEntry {
  runId: string
  createdAt: string
  updatedAt: string
  status: RunStatus
  action: {name: string; command: string; file: string}
  inputs: Record<string, unknown>
  plan: Record<string, unknown>
  target: Record<string, unknown>
  steps: JournalStep[]
  /** Remote objects created so far: branch, commit, pull request. */
  remote: Record<string, unknown>
  outputs: Record<string, unknown>
}

/** Returns the journal folder: `$XDG_STATE_HOME/idp/runs`, by default `~/.local/state/idp/runs`. */
export function runsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(xdgDir(env, 'XDG_STATE_HOME'), 'idp', 'runs')
}

/** Creates a sortable, unique run id such as `20261204-203015-3f9a1c`. */
export function createRunId(now = new Date()): string {
  const stamp = now.toISOString().replaceAll(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

/** A run journal file, rewritten atomically (write then rename) after every change. */
export class RunJournal {
  private constructor(
    readonly path: string,
    private entry: JournalEntry,
  ) {}

  /** Writes the first version of a run's journal. */
  static async create(dir: string, entry: JournalEntry): Promise<RunJournal> {
    await mkdir(dir, {recursive: true, mode: 0o700})
    const journal = new RunJournal(join(dir, `${entry.runId}.json`), entry)
    await journal.save()
    return journal
  }

  /** Opens an existing journal for changes. */
  static async open(path: string): Promise<RunJournal> {
    return new RunJournal(path, await RunJournal.read(path))
  }

  /** Reads an existing journal. */
  static async read(path: string): Promise<JournalEntry> {
    return JSON.parse(await readFile(path, 'utf8')) as JournalEntry
  }

  get current(): Readonly<JournalEntry> {
    return this.entry
  }

  /** Applies a change to the entry and saves it. */
  async update(change: (entry: JournalEntry) => void): Promise<void> {
    change(this.entry)
    this.entry.updatedAt = new Date().toISOString()
    await this.save()
  }

  /** Marks a step as running, succeeded or failed, and saves. */
  async setStep(id: string, status: JournalStep['status'], error?: JournalStep['error']): Promise<void> {
    await this.update((entry) => {
      const step = entry.steps.find((candidate) => candidate.id === id)
      if (!step) return
      step.status = status
      const now = new Date().toISOString()
      if (status === 'running') step.startedAt = now
      else step.finishedAt = now
      if (error) step.error = error
    })
  }

  private async save(): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`
    await writeFile(temporary, JSON.stringify(this.entry, null, 2) + '\n', {mode: 0o600})
    await rename(temporary, this.path)
  }
}
