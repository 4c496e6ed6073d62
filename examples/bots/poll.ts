// Poll bot: `/poll "Lunch?" pizza tacos salad` opens a poll in the room, `/vote 2` votes (the bot
// reacts with a 👍), `/results` shows the tally, `/endpoll` closes it (only its author, or a room
// moderator when the config's access controls say so). One open poll per room, kept in the store.
import type { Bot } from '#plugins/bots/api'

interface Poll {
  question: string
  options: string[]
  author: string
  /** user -> option index */
  votes: Record<string, number>
}

const tally = (p: Poll): string =>
  p.options
    .map((o, i) => {
      const n = Object.values(p.votes).filter((v) => v === i).length
      return `${i + 1}. ${o} — ${n} vote${n === 1 ? '' : 's'}`
    })
    .join('\n')

export default (bot: Bot) => {
  bot.command('poll', { help: 'open a poll', usage: '"question" option1 option2 ...' }, async (ctx) => {
    const [question, ...options] = ctx.args
    if (!question || options.length < 2 || options.length > 9) return 'usage: /poll "question" option1 option2 (2 to 9 options)'
    const key = `poll:${ctx.room}`
    if (await ctx.store.get<Poll>(key)) return 'A poll is already open here; /endpoll closes it.'
    await ctx.store.set(key, { question, options, author: ctx.user, votes: {} } satisfies Poll)
    ctx.reply(`📊 ${ctx.user} asks: ${question}\n${options.map((o, i) => `${i + 1}. ${o}`).join('\n')}\nVote with /vote <number>.`)
  })

  bot.command('vote', { help: 'vote in the open poll', usage: '<number>' }, async (ctx) => {
    const key = `poll:${ctx.room}`
    const poll = await ctx.store.get<Poll>(key)
    if (!poll) return 'No poll is open here; start one with /poll.'
    const choice = Number(ctx.args[0]) - 1
    if (!Number.isInteger(choice) || choice < 0 || choice >= poll.options.length) return `Vote with a number from 1 to ${poll.options.length}.`
    poll.votes[ctx.user] = choice
    await ctx.store.set(key, poll)
    ctx.react('👍')
    return `You voted for ${poll.options[choice]}.`
  })

  bot.command('results', { help: 'show the votes so far' }, async (ctx) => {
    const poll = await ctx.store.get<Poll>(`poll:${ctx.room}`)
    return poll ? `${poll.question}\n${tally(poll)}` : 'No poll is open here.'
  })

  bot.command('endpoll', { help: 'close the poll and post the result' }, async (ctx) => {
    const key = `poll:${ctx.room}`
    const poll = await ctx.store.get<Poll>(key)
    if (!poll) return 'No poll is open here.'
    await ctx.store.delete(key)
    ctx.reply(`📊 Final result — ${poll.question}\n${tally(poll)}`)
  })
}
