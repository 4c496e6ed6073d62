// Types for the parts of irc-framework (no bundled types) the tests use.
declare module 'irc-framework' {
  import { EventEmitter } from 'node:events'
  export interface IrcMessageEvent {
    nick: string
    target: string
    message: string
    type: 'privmsg' | 'action' | 'notice'
  }
  export class Client extends EventEmitter {
    constructor(options?: Record<string, unknown>)
    user: { nick: string }
    connect(options: Record<string, unknown>): void
    join(channel: string): void
    part(channel: string): void
    say(target: string, message: string): void
    action(target: string, message: string): void
    changeNick(nick: string): void
    quit(message?: string): void
    raw(...args: string[]): void
  }
  const irc: { Client: typeof Client }
  export default irc
}
