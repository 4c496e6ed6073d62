// Shared set-up of the IRC bridge tests: the hub with the irc plugin pointed at the test daemon.
import type { ChatClient } from '#core/client/sdk'
import type { Ngircd } from '#test/helpers/ngircd'
import { startHub, type TestHub } from '#test/helpers/start-hub'

export const waitUntil = async (
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export interface IrcHubOptions {
  links: { room: string; target: string }[]
  reconnectMinMs?: number
  reconnectMaxMs?: number
  queueMax?: number
  server?: Record<string, unknown>
  extraPlugins?: Record<string, Record<string, unknown>>
}

/** A hub with the irc plugin, server `local` = the test daemon, fast flood limits and back-off. */
export const startIrcHub = (daemon: Ngircd, o: IrcHubOptions, dataDir?: string): Promise<TestHub> =>
  startHub(
    {
      plugins: {
        irc: {
          servers: {
            local: {
              host: daemon.host,
              port: daemon.port,
              nick: 'relay',
              floodBurst: 1000,
              floodRate: 1000,
              ...o.server,
            },
          },
          links: o.links,
          reconnectMinMs: o.reconnectMinMs ?? 100,
          reconnectMaxMs: o.reconnectMaxMs ?? 400,
          pollMs: 100,
          ...(o.queueMax ? { queueMax: o.queueMax } : {}),
        },
        ...o.extraPlugins,
      },
    },
    dataDir ? { dataDir } : {},
  )

/** Wait until the bridge account is online in the room (its hub client joined). */
export const bridgeOnline = (
  client: ChatClient,
  room: string,
  account = 'irc-bridge',
): Promise<void> =>
  waitUntil(
    async () => (await client.members(room)).members.some((m) => m.user === account && m.online),
    15_000,
    `${account} online in ${room}`,
  )
