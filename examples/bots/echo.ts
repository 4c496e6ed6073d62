// Echo bot: the smallest useful bot. `!echo text` repeats the text; `@echo anything` answers the
// sender; `/echo text` answers only the caller.
import type { Bot } from '#plugins/bots/api'

export default (bot: Bot) => {
  bot.hear(/^!echo\s+(.+)/, (ctx) => ctx.reply(ctx.match[1] ?? ''))

  bot.respond(/(.*)/, (ctx) => ctx.reply(`@${ctx.user} you said: ${ctx.match[1] || '(nothing)'}`))

  bot.command('echo', { help: 'repeat your text back to you', usage: '<text>' }, (ctx) => ctx.raw || 'usage: /echo <text>')

  bot.on('join', (ctx) => ctx.send(String(ctx.event.room), `welcome, ${String(ctx.event.user)}!`))
}
