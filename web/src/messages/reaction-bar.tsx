// A message's reactions under it: each emoji with its count, who reacted in its tooltip and accessible
// name, and pressed when one of them is the reader's; a click adds or takes back the reader's own.
import type { ReactionView } from '#core/protocol/messages'
import { whoReacted } from './reaction-list.ts'

interface Props {
  reactions: ReactionView[] | undefined
  me: string
  onToggle: (emoji: string, mine: boolean) => void
}

export const ReactionBar = ({ reactions, me, onToggle }: Props) => {
  if (!reactions?.length) return null
  return (
    <ul class="reactions" aria-label="Reactions">
      {reactions.map((r) => {
        const mine = r.users.includes(me)
        const who = whoReacted(r.users, me)
        return (
          <li key={r.emoji}>
            <button
              type="button"
              class={`reaction${mine ? ' mine' : ''}`}
              aria-pressed={mine}
              title={`${who} reacted with ${r.emoji}`}
              aria-label={`${r.emoji} ${r.count}: ${who}`}
              onClick={() => onToggle(r.emoji, mine)}
            >
              <span class="emoji">{r.emoji}</span> <span class="count">{r.count}</span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
