// The commented starting point `chathub bot new NAME` writes.
export const botTemplate = (name: string): string => `// ${name}: a chathub bot. It runs in a sandbox (an isolated-vm isolate) with only the bot API:
// no require/import, no process, no files, no network except ctx.fetch() to hosts in its fetchAllow.
// Try it offline:  chathub bot test ${name}.ts --say "hello ${name}"
// Docs: docs/bots.md
import type { Bot } from '#plugins/bots/api' // types only; erased when the bot loads

export default (bot: Bot) => {
  // Any message in the bot's rooms that matches.
  bot.hear(/\\bhello ${name}\\b/i, (ctx) => {
    ctx.reply(\`hello \${ctx.user}!\`)
  })

  // Messages addressed to the bot: "@${name} ping".
  bot.respond(/^ping$/i, (ctx) => ctx.reply('pong'))

  // A chat command: "/${name}-count". What it returns is shown to the caller only;
  // ctx.reply() posts in the room. The store keeps data across restarts (with a quota).
  bot.command('${name}-count', { help: 'count how often this was run' }, async (ctx) => {
    const n = ((await ctx.store.get<number>('count')) ?? 0) + 1
    await ctx.store.set('count', n)
    return n === 1 ? 'run once' : \`run \${n} times\`
  })

  // Schedules: every('10m', ...) and at('0 9 * * 1-5', ...) (5-field cron, UTC).
  // bot.every('1h', (ctx) => ctx.send('lobby', 'another hour'))
}
`

/** The config lines that enable a bot (printed by `chathub bot new`). */
export const configSnippet = (name: string, file: string): string => `plugins:
  bots:
    dir: ./bots
    bots:
      ${name}:
        file: ${file}
        rooms: [lobby]
        # fetchAllow: [api.example.com]
        # commands:
        #   ${name}-count: { roles: [moderator] }`
