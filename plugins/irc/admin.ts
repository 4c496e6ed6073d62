// What the CLI needs to know about the irc plugin without running it: its config schema, how a
// target address is checked, and what IRC can carry.
export { IrcConfig } from './config.ts'
export { parseAddress as parseIrcAddress, ircCapabilities } from './irc-bridge.ts'
