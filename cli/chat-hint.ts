// The chat's one-line hint: how to send and leave, and which of this hub's commands to try. It names
// only commands the hub listed for the room (the `commands` frame), so it never suggests one the hub
// does not have.
import type { CommandView } from '#core/protocol/messages'

/** What the chat itself does with a line (everything else goes to the hub). */
export const LOCAL_HELP = 'type a message and press Enter; /quit leaves'

/** The hint for the banner; `commands` undefined: the hub did not say (an older hub). */
export const chatHint = (commands: readonly CommandView[] | undefined): string => {
  if (!commands?.some((c) => c.name === 'help' && c.plugin === undefined)) return LOCAL_HELP
  const fromPlugins = commands.filter((c) => c.plugin !== undefined)
  const examples = [
    ...fromPlugins.filter((c) => !c.name.endsWith(' help')),
    ...fromPlugins.filter((c) => c.name.endsWith(' help')),
  ]
    .slice(0, 2)
    .map((c) => `/${c.name}`)
  return `${LOCAL_HELP}; /help lists this hub's commands${examples.length > 0 ? ` (e.g. ${examples.join(', ')})` : ''}`
}
