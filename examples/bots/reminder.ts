// Reminder bot: `/remind 10m stretch your legs` posts "@you reminder: stretch your legs" in the same
// room ten minutes later. Reminders live in the bot's store, so they survive a hub restart; a
// schedule checks every two seconds which are due (from an in-memory copy, loaded once per start).
import type { Bot, Context } from '#plugins/bots/api'

interface Reminder {
  due: number
  room: string
  user: string
  text: string
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `90s`, `10m`, `2h`, `1d` -> ms (undefined when it is not a duration). */
const duration = (text: string): number | undefined => {
  const m = /^(\d{1,4})([smhd])$/.exec(text)
  return m ? Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0) : undefined
}

export default (bot: Bot) => {
  let reminders: Reminder[] | undefined

  const load = async (ctx: Context): Promise<Reminder[]> => {
    reminders ??= (await ctx.store.get<Reminder[]>('reminders')) ?? []
    return reminders
  }

  bot.command('remind', { help: 'remind you of something later', usage: '<10m|2h|1d> <text>' }, async (ctx) => {
    const [when = '', ...words] = ctx.args
    const ms = duration(when)
    if (ms === undefined || words.length === 0) return 'usage: /remind 10m stretch your legs'
    const list = await load(ctx)
    if (list.filter((r) => r.user === ctx.user).length >= 20) return 'You have 20 reminders pending; that is the limit.'
    list.push({ due: Date.now() + ms, room: ctx.room, user: ctx.user, text: words.join(' ') })
    await ctx.store.set('reminders', list)
    return `OK, I will remind you in ${when}.`
  })

  bot.every('2s', async (ctx) => {
    const list = await load(ctx)
    const now = Date.now()
    const due = list.filter((r) => r.due <= now)
    if (due.length === 0) return
    for (const r of due) ctx.send(r.room, `@${r.user} reminder: ${r.text}`)
    reminders = list.filter((r) => r.due > now)
    await ctx.store.set('reminders', reminders)
  })
}
