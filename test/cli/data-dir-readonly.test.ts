// A data directory that cannot be written (read-only mount, `chattr +i`, wrong owner) stops the hub
// and the admin commands before they start, with CHATHUB_DATA_DIR_UNWRITABLE naming the path,
// instead of starting "healthy" and failing every write with CHATHUB_INTERNAL.
//
// The tests run as root, which ignores file permissions: the directory or the database file is made
// immutable with `chattr +i`, which binds root too (as a non-root user, chmod is used instead).
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { DB_FILE } from '#core/db/client'
import { runCli, tempDir } from '#test/helpers/run-cli'
import { startHub } from '#test/helpers/start-hub'

/** oclif wraps the error to the terminal width: join its lines before looking for a path. */
const oneLine = (stderr: string) => stderr.replace(/\s*\n\s*›\s*/g, ' ')

const isRoot = process.getuid?.() === 0

/** Make `path` unwritable for this process, root included; returns the undo, or undefined if impossible here. */
const makeUnwritable = (path: string, kind: 'dir' | 'file'): (() => void) | undefined => {
  if (!isRoot) {
    chmodSync(path, kind === 'dir' ? 0o555 : 0o444)
    return () => chmodSync(path, kind === 'dir' ? 0o755 : 0o600)
  }
  try {
    execFileSync('chattr', ['+i', path], { stdio: 'ignore' })
  } catch {
    return undefined // no chattr, or a file system without the immutable flag (tmpfs, overlayfs)
  }
  return () => execFileSync('chattr', ['-i', path], { stdio: 'ignore' })
}

const supported = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'chathub-chattr-'))
  const undo = makeUnwritable(dir, 'dir')
  undo?.()
  rmSync(dir, { recursive: true, force: true })
  return undo !== undefined
})()
if (!supported)
  console.warn('cannot make a directory immutable here (chattr +i): skipping the read-only tests')

const undos: (() => void)[] = []
afterEach(() => {
  for (const undo of undos.splice(0)) undo()
})

/** The data directory of a hub that ran and stopped: server key, database (no -wal or -shm left). */
const existingDataDir = async () => {
  const dataDir = tempDir('chathub-ro-')
  const hub = await startHub({}, { dataDir })
  await hub.close()
  return dataDir
}

const errorCode = (stdout: string) => (JSON.parse(stdout) as { error: { code: string } }).error.code

test.skipIf(!supported)(
  'an immutable data directory: serve and admin commands refuse, naming it',
  { timeout: 60_000 },
  async () => {
    const dataDir = await existingDataDir()
    undos.push(makeUnwritable(dataDir, 'dir') as () => void)

    await expect(startHub({}, { dataDir })).rejects.toMatchObject({
      code: 'CHATHUB_DATA_DIR_UNWRITABLE',
    })
    await expect(startHub({}, { dataDir })).rejects.toThrow(dataDir)

    const served = await runCli(['serve', '--port', '0', '--data-dir', dataDir], {
      timeoutMs: 20_000,
    })
    expect(served.code).toBe(1)
    expect(served.stderr).toContain('CHATHUB_DATA_DIR_UNWRITABLE')
    expect(oneLine(served.stderr)).toContain(dataDir)
    expect(served.stdout).not.toContain('listening')

    const added = await runCli(
      ['user', 'add', 'bob', '--password-stdin', '--json', '--data-dir', dataDir],
      {
        input: 'correct horse battery\n',
      },
    )
    expect([added.code, errorCode(added.stdout)]).toEqual([1, 'CHATHUB_DATA_DIR_UNWRITABLE'])
  },
)

test.skipIf(!supported)(
  'an immutable database file in a writable directory: refused, naming the file',
  { timeout: 60_000 },
  async () => {
    const dataDir = await existingDataDir()
    const file = join(dataDir, DB_FILE)
    undos.push(makeUnwritable(file, 'file') as () => void)

    await expect(startHub({}, { dataDir })).rejects.toMatchObject({
      code: 'CHATHUB_DATA_DIR_UNWRITABLE',
    })
    await expect(startHub({}, { dataDir })).rejects.toThrow(file)

    const served = await runCli(['serve', '--port', '0', '--data-dir', dataDir], {
      timeoutMs: 20_000,
    })
    expect(served.code).toBe(1)
    expect(served.stderr).toContain('CHATHUB_DATA_DIR_UNWRITABLE')
    expect(oneLine(served.stderr)).toContain(file)
  },
)
