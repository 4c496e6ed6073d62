// The irc plugin: bridges hub rooms to IRC channels (one relay client per link), on the core bridge runner.
import { checkLinks, definePlugin } from '#core/plugin-api'
import { IrcConfig } from './config.ts'
import { ircBridge, ircCapabilities } from './irc-bridge.ts'

export { ircCapabilities }

export default definePlugin({
  name: 'irc',
  version: '0.1.0',
  description: 'bridges hub rooms to IRC channels (links with `chathub bridge link ROOM irc:<server>/#channel`)',
  config: IrcConfig,
  setup({ config, bridgeRunner }) {
    const definition = ircBridge(config)
    checkLinks(definition, config.links)
    const runner = bridgeRunner(definition, config)
    return {
      onListen({ url }) {
        runner.start(url)
      },
      commands: {
        status: {
          summary: 'each IRC link of this hub and whether its relay is in the channel',
          run() {
            const links = runner.health()
            if (links.length === 0)
              return 'No IRC links; add one with `chathub bridge link ROOM irc:<server>/#channel`.'
            return links
              .map(
                (l) =>
                  `${l.room} ↔ ${l.target}: ${l.connected ? `connected (${l.detail ?? ''})` : 'down'}`,
              )
              .join('\n')
          },
        },
      },
      close: () => runner.close(),
    }
  },
})
