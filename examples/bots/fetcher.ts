// Fetch bot: `/check URL` fetches the URL (only hosts in this bot's `fetchAllow`) and answers with
// the status and the `message` field of a JSON body (or the first 200 characters of the text).
import type { Bot } from '#plugins/bots/api'

export default (bot: Bot) => {
  bot.command('check', { help: 'fetch a URL from an allowed host', usage: '<url>' }, async (ctx) => {
    const url = ctx.args[0]
    if (!url) return 'usage: /check https://status.example.com/api'
    try {
      const res = await ctx.fetch(url)
      let summary = res.body.slice(0, 200)
      try {
        const data = await res.json<{ message?: string }>()
        if (typeof data.message === 'string') summary = data.message
      } catch {
        // not JSON: keep the text
      }
      ctx.reply(`${res.status}: ${summary}`)
    } catch (err) {
      const e = err as { code?: string; message: string }
      ctx.reply(`cannot fetch: ${e.code ?? 'error'} ${e.message}`)
    }
  })
}
