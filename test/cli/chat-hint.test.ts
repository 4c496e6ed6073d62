// The chat banner on a terminal suggests only commands the hub has (it asks with the `commands`
// frame), and `/help` in the chat is the hub's. runChat on a pseudo-terminal pair of streams.
import { PassThrough } from 'node:stream'
import { afterEach, expect, test } from 'vitest'
import { ChatClient } from '#core/client/sdk'
import { chatHint, LOCAL_HELP } from '#cli/chat-hint'
import { runChat } from '#cli/chat-session'
import { startHub, type TestHub } from '#test/helpers/start-hub'

let hub: TestHub | undefined
afterEach(async () => {
  await hub?.close()
  hub = undefined
})

/** A stream that says it is a terminal (readline puts it in raw mode and reads keypresses). */
const terminal = () =>
  Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined, columns: 120 })

/** Chat in `general` on a "terminal"; resolves with the printed lines once `lines` are typed and the chat ends. */
const chatOnTerminal = async (h: TestHub, typed: string[], waitFor: RegExp): Promise<string[]> => {
  const alice = await h.connect('alice')
  await alice.create('general')
  const client = await ChatClient.connect(h.url, h.token('alice'))
  const input = terminal()
  const printed: string[] = []
  let seen: () => void = () => undefined
  const matched = new Promise<void>((resolve) => (seen = resolve))
  const done = runChat(client, {
    targets: [{ room: 'general' }],
    history: 0,
    input,
    output: terminal(),
    print: (line) => {
      printed.push(line)
      if (waitFor.test(printed.join('\n'))) seen()
    },
  })
  for (const line of typed) input.write(`${line}\r`)
  await matched
  input.end()
  await done
  return printed
}

test('on a default hub the banner suggests /help and no plugin command', async () => {
  hub = await startHub()
  const printed = await chatOnTerminal(hub, ['/help'], /^\* Commands you can run here/m)
  expect(printed[0]).toBe(`— general — 0 messages; ${LOCAL_HELP}; /help lists this hub's commands`)
  expect(printed.join('\n')).not.toContain('/roll')
  // `/help` in the chat: what the chat does, then the hub's list.
  expect(printed).toContain(`* ${LOCAL_HELP}`)
  expect(printed.find((l) => l.startsWith('* Commands you can run here'))).toContain(
    '/help [PLUGIN]',
  )
})

test('with the stego plugin the banner suggests its commands, as the hub lists them', async () => {
  hub = await startHub({ plugins: { stego: {} } })
  const printed = await chatOnTerminal(hub, [], /online/)
  expect(printed[0]).toBe(
    `— general — 0 messages; ${LOCAL_HELP}; /help lists this hub's commands (e.g. /stego capacity, /stego help)`,
  )
})

test('the hint names only listed commands, plugin ones before their help', () => {
  expect(chatHint(undefined)).toBe(LOCAL_HELP)
  expect(chatHint([])).toBe(LOCAL_HELP)
  expect(
    chatHint([
      { name: 'help' },
      { name: 'bots help', plugin: 'bots' },
      { name: 'poll', plugin: 'bots' },
      { name: 'stego capacity', plugin: 'stego' },
    ]),
  ).toBe(`${LOCAL_HELP}; /help lists this hub's commands (e.g. /poll, /stego capacity)`)
})
