// Saving a download (cli/save-file.ts): the file takes its name only when complete; a cut-short or
// failing stream, an unwritable folder and a name taken meanwhile leave no file and no temporary one.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { expect, test } from 'vitest'
import { saveStream } from '#cli/save-file'
import { tempDir } from '#test/helpers/run-cli'

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'saved',
    (e: { code?: string }) => e.code,
  )

test('a complete stream is saved; an existing file is kept unless overwriting', async () => {
  const dir = tempDir('chathub-save-')
  const file = join(dir, 'a.bin')
  const seen: number[] = []
  await saveStream(Readable.from([Buffer.from('hello '), Buffer.from('world')]), file, {
    overwrite: false,
    bytes: 11,
    onProgress: (f) => seen.push(f),
  })
  expect(readFileSync(file, 'utf8')).toBe('hello world')
  expect(seen.at(-1)).toBe(1)
  expect(
    await codeOf(
      saveStream(Readable.from([Buffer.from('new')]), file, { overwrite: false, bytes: 3 }),
    ),
  ).toBe('CHATHUB_FILE_EXISTS')
  expect(readFileSync(file, 'utf8')).toBe('hello world')
  await saveStream(Readable.from([Buffer.from('new')]), file, { overwrite: true, bytes: 3 })
  expect(readFileSync(file, 'utf8')).toBe('new')
  expect(readdirSync(dir)).toEqual(['a.bin'])
})

test('short, failing or unwritable: nothing is left behind', async () => {
  const dir = tempDir('chathub-save-')
  const short = await codeOf(
    saveStream(Readable.from([Buffer.from('12345')]), join(dir, 'short'), {
      overwrite: false,
      bytes: 10,
    }),
  )
  const failing = new Readable({
    read() {
      this.push(Buffer.from('abc'))
      this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    },
  })
  const broken = await codeOf(
    saveStream(failing, join(dir, 'broken'), { overwrite: false, bytes: 10 }),
  )
  const nowhere = await codeOf(
    saveStream(Readable.from([Buffer.from('x')]), join(dir, 'no', 'such', 'folder', 'f'), {
      overwrite: false,
      bytes: 1,
    }),
  )
  expect([short, broken, nowhere]).toEqual([
    'CHATHUB_DOWNLOAD_INCOMPLETE',
    'CHATHUB_DOWNLOAD_INCOMPLETE',
    'CHATHUB_FILE_UNWRITABLE',
  ])
  expect(readdirSync(dir)).toEqual([])

  // The name taken while the download ran: kept, and the download is not saved over it.
  mkdirSync(join(dir, 'race'))
  const target = join(dir, 'race', 'f')
  const slow = new Readable({
    read() {
      if (existsSync(target)) return void this.push(null)
      writeFileSync(target, 'theirs')
      this.push(Buffer.from('o'))
    },
  })
  expect(await codeOf(saveStream(slow, target, { overwrite: false, bytes: 1 }))).toBe(
    'CHATHUB_FILE_EXISTS',
  )
  expect(readFileSync(target, 'utf8')).toBe('theirs')
  expect(readdirSync(join(dir, 'race'))).toEqual(['f'])
})
