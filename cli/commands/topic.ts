// `chathub topic --room R TEXT`: set a room's topic (moderators and the owner); everyone following
// the room sees the change at once.
import { Args } from '#oclif'
import { ChathubCommand } from '#cli/base-command'
import { resolveRoom, roomTargetFlags } from '#cli/room-target'

export interface TopicResult {
  room: string
  topic: string
}

export default class Topic extends ChathubCommand {
  static override summary = "set a room's topic"
  static override description =
    'Moderators and the owner only. The topic is the arguments (up to 256 characters); "" clears it. ' +
    '`chathub rooms` shows the topics.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> --room general "release day: no deploys after 16:00"',
    '<%= config.bin %> <%= command.id %> --room general ""',
    '<%= config.bin %> <%= command.id %> --room ops "on call: bob" --json',
  ]
  static override enableJsonFlag = true
  static override strict = false
  static override args = {
    text: Args.string({
      description: 'the new topic ("" clears it)',
      required: true,
      ignoreStdin: true,
    }),
  }
  static override flags = { ...roomTargetFlags('room to set the topic of') }

  async run(): Promise<TopicResult> {
    const { argv, flags } = await this.parse(Topic)
    const { withClient } = await import('#cli/hub-client')
    const text = argv.map(String).join(' ')
    const ack = await withClient(async (client) =>
      client.topic(await resolveRoom(flags, { client }), text),
    )
    this.log(
      ack.topic === '' ? `cleared the topic of ${ack.room}` : `topic of ${ack.room}: ${ack.topic}`,
    )
    return { room: ack.room, topic: ack.topic }
  }
}
