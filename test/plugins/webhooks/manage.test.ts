// `chathub webhook list` and `chathub webhook remove` through the real CLI against a running hub: a
// removed hook's URL is refused at once (401 with a code), the other hooks keep working.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { json, runCli } from '#test/helpers/run-cli'
import { startHub, type TestHub } from '#test/helpers/start-hub'
import { waitUntil } from '#test/plugins/irc/support'

interface Listing {
  id: string
  room: string
  name: string
  target: string
  createdAt: string
  lastUsedAt: string | null
}

describe('webhook list / remove', () => {
  let hub: TestHub
  let configFile: string
  const run = (...args: string[]) =>
    runCli([...args, '--config', configFile, '--data-dir', hub.dataDir])
  const cli = (...args: string[]) => run(...args, '--json')

  beforeEach(async () => {
    const webhooks = { reconnectMinMs: 100, reconnectMaxMs: 200, pollMs: 100 }
    hub = await startHub({ plugins: { webhooks } })
    configFile = join(hub.dataDir, 'chathub.json')
    writeFileSync(configFile, JSON.stringify({ dataDir: hub.dataDir, plugins: { webhooks } }))
  })
  afterEach(() => hub.close())

  const createHook = async (room: string, name: string) => {
    const res = await cli('webhook', 'create', room, '--name', name)
    expect(res.code).toBe(0)
    const hook = json<{ url: string; id: string }>(res)
    const path = new URL(hook.url).pathname
    const post = (text: string) =>
      fetch(new URL(path, hub.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      })
    await waitUntil(async () => (await post(' ')).status !== 503, 5000, `${name} link running`)
    return { ...hook, secret: path.split('/').at(-1) ?? '', post }
  }
  const status = async (res: Response) => ({
    status: res.status,
    code: ((await res.json()) as { code?: string }).code,
  })

  // Ten CLI processes one after another: 30 s was too tight on a busy machine (a CI run failed on it).
  test('list shows hooks per room without secrets; remove stops the URL at once', { timeout: 90_000 }, async () => {
    const alice = await hub.connect('alice')
    await alice.create('general')
    await alice.create('ops')
    await alice.join('general')

    const empty = await run('webhook', 'list')
    expect(empty.code).toBe(0)
    expect(empty.stdout).toMatch(/no incoming webhooks/)
    expect(json<Listing[]>(await cli('webhook', 'list'))).toEqual([])

    const ci = await createHook('general', 'ci')
    const deploy = await createHook('ops', 'deploy')
    expect((await ci.post('before removal')).status).toBe(200)
    await alice.next('message', (f) => f.from === 'ci@webhook')

    const all = await cli('webhook', 'list')
    expect(all.code).toBe(0)
    expect(json<Listing[]>(all)).toEqual([
      expect.objectContaining({
        id: ci.id,
        room: 'general',
        name: 'ci',
        target: `webhook:in/${ci.id}`,
      }),
      expect.objectContaining({ id: deploy.id, room: 'ops', name: 'deploy', lastUsedAt: null }),
    ])
    expect(json<Listing[]>(all)[0]?.lastUsedAt).not.toBeNull()
    const general = await cli('webhook', 'list', 'general')
    expect(json<Listing[]>(general).map((h) => h.id)).toEqual([ci.id])
    const human = await run('webhook', 'list', 'general')
    expect(human.stdout).toContain(ci.id)
    expect(human.stdout).not.toContain(deploy.id)
    // The URL's secret is shown once, at create; never again.
    for (const out of [all.stdout, human.stdout]) {
      expect(out).not.toContain(ci.secret)
      expect(out).not.toContain(deploy.secret)
    }

    const removed = await cli('webhook', 'remove', ci.id)
    expect(removed.code).toBe(0)
    expect(json<Listing>(removed)).toMatchObject({ id: ci.id, room: 'general', name: 'ci' })
    // At once: no wait for the hub's link poll.
    expect(await status(await ci.post('after removal'))).toEqual({
      status: 401,
      code: 'WEBHOOKS_SECRET_INVALID',
    })
    expect((await deploy.post('still here')).status).toBe(200)

    expect(json<Listing[]>(await cli('webhook', 'list')).map((h) => h.id)).toEqual([deploy.id])
    const links = json<{ target: string }[]>(await cli('bridge', 'list')).map((l) => l.target)
    expect(links).toEqual([`webhook:in/${deploy.id}`])

    const again = await cli('webhook', 'remove', ci.id)
    expect(again.code).toBe(1)
    expect(json<{ error: { code: string } }>(again).error.code).toBe('WEBHOOKS_HOOK_NOT_FOUND')
    const plain = await run('webhook', 'remove', 'nosuchhook')
    expect(plain.code).toBe(1)
    expect(plain.stderr).toMatch(/No incoming webhook with id "nosuchhook"/)

    // Nothing posted after the removal reached the room.
    const texts = (await alice.history('general')).messages.map((m) => m.text)
    expect(texts).toEqual(['before removal'])

    // Created and removed hooks, and their links, are in the audit log; never a secret.
    const audit = await cli('audit')
    const rows = json<{ actor: string; action: string; target: string; detail: unknown }[]>(audit)
    expect(rows.filter((r) => /^(webhooks|bridge)\./.test(r.action)).map((r) => [r.actor, r.action, r.target])).toEqual([
      ['data-dir', 'bridge.linked', 'general'],
      ['data-dir', 'webhooks.created', 'general'],
      ['data-dir', 'bridge.linked', 'ops'],
      ['data-dir', 'webhooks.created', 'ops'],
      ['data-dir', 'bridge.unlinked', 'general'],
      ['data-dir', 'webhooks.removed', 'general'],
    ])
    expect(audit.stdout).not.toContain(ci.secret)
    expect(audit.stdout).not.toContain(deploy.secret)
  })
})
