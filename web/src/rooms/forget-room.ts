// After leaving a room (or being removed from it), this browser forgets it: the rooms list and the
// open room drop it, and a reconnect no longer resumes it (the SDK resumes every room it has a
// last seq for, which would join a public room again).
// TODO(#16): ChatStore.forget(room) and the SDK's leave() should do this themselves.
import type { ChatStore } from '../chat/store.ts'

export const forgetRoom = async (store: ChatStore, room: string): Promise<void> => {
  store.rooms.delete(room)
  store.client.lastSeq.delete(room)
  store.client.lastRev.delete(room)
  if (store.active === room) store.active = undefined
  await store.refreshRooms()
}
