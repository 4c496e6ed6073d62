// The chat's start after login: the WebSocket, the rooms list and the first room. When the account
// has an encrypted room (or this tab takes the device over from another), this browser's device
// wakes first (its code loads then, not with the page): the device must follow an encrypted room
// from its join on.
import type { DeviceLock } from '../e2e/device-lock.ts'
import { connect } from '../session.ts'
import { ChatStore } from './store.ts'

/** `held`: the device's lock, taken after another tab let it go. */
export const startChat = async (user: string, held?: DeviceLock): Promise<ChatStore> => {
  const client = await connect()
  try {
    const store = new ChatStore(client, user, held)
    await store.refreshRooms()
    if (held || store.memberRooms().some((r) => r.summary?.e2e)) await store.e2e.wake()
    const first = store.memberRooms()[0]
    if (first) await store.open(first.name)
    return store
  } catch (err) {
    held?.release()
    await client.close()
    throw err
  }
}
