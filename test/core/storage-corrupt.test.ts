// A database with a damaged index page: the hub starts (the check must not delay readiness), its
// background quick check finds the damage, /healthz answers 503 with CHATHUB_STORAGE_CORRUPT, and a
// write that touches the damaged index answers CHATHUB_STORAGE_CORRUPT instead of CHATHUB_INTERNAL.
// A file that is not a database at all is refused at start, naming the file.
import { afterEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { tempDir } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { garblePage, indexRootPage, seededDataDir } from './damaged-db.ts'
import { refusal, waitFor } from './support.ts'

let hub: TestHub | undefined
const clients: ChatClient[] = []
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()))
  await hub?.close()
  hub = undefined
})

const health = async (url: string) => {
  const res = await fetch(`${url}/healthz`)
  return {
    status: res.status,
    body: (await res.json()) as { status: string; storage?: { code: string; problems?: string[] } },
  }
}

test('a damaged index page: /healthz fails with CHATHUB_STORAGE_CORRUPT, writes get its code', async () => {
  const { dataDir, file, token } = seededDataDir(tempDir('chathub-corrupt-'))
  const { page, pageSize } = indexRootPage(file, 'messages_room_seq_unique')
  garblePage(file, page, pageSize)

  const h = (hub = await startHub({}, { dataDir }))
  const failing = await waitFor(async () => {
    const r = await health(h.url)
    return r.status === 503 ? r : undefined
  })
  expect(failing?.body).toMatchObject({
    status: 'failing',
    storage: { code: 'CHATHUB_STORAGE_CORRUPT' },
  })
  expect(failing?.body.storage?.problems?.join('\n')).toContain(`page ${page}`)

  const alice = await ChatClient.connect(h.url, token)
  clients.push(alice)
  // Joining reads the room's last seq through the damaged index; sending writes to it.
  const refused = await refusal(alice.join('big').then(() => alice.say('big', 'hello')))
  expect(refused.code).toBe('CHATHUB_STORAGE_CORRUPT')
  // Still failing (damage does not heal by itself).
  expect((await health(h.url)).status).toBe(503)
})

test('a sound database stays healthy after the background check', async () => {
  const { dataDir, token } = seededDataDir(tempDir('chathub-sound-'), 100)
  const h = (hub = await startHub({}, { dataDir }))
  const alice = await ChatClient.connect(h.url, token)
  clients.push(alice)
  await alice.join('big')
  expect((await alice.say('big', 'hello')).seq).toBe(101)
  await waitFor(() => h.logs.some((l) => l.msg === 'database quick check passed'))
  expect(await health(h.url)).toMatchObject({ status: 200, body: { status: 'ok' } })
})

test('a file that is not a database is refused at start, naming it', async () => {
  const { dataDir, file } = seededDataDir(tempDir('chathub-notadb-'), 10)
  garblePage(file, 1, 1024)
  const failure = startHub({}, { dataDir })
  await expect(failure).rejects.toMatchObject({ code: 'CHATHUB_STORAGE_CORRUPT' })
  await expect(startHub({}, { dataDir })).rejects.toThrow(file)
})
