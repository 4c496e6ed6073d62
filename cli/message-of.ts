// One message of a room by its seq, as `download` and `reveal` need it: from the hub, or — in an
// end-to-end encrypted room, where the hub has only ciphertext — from this device's own log.
import type { AttachmentView, MessageView } from '#core/protocol/messages'

export const messageOf = async (room: string, seq: number): Promise<{ room: string; message: MessageView | undefined }> => {
  const { apiCall, withClient } = await import('#cli/hub-client')
  const page = await apiCall<{ room: string; messages: MessageView[] }>(
    `/api/v1/rooms/${encodeURIComponent(room)}/messages?before=${seq + 1}&limit=1`,
  )
  const found = page.messages.find((m) => m.seq === seq)
  if (!found?.mls) return { room: page.room, message: found }
  const mine = await withClient((client) => client.history(page.room, { before: seq + 1, limit: 1 }))
  return { room: page.room, message: mine.messages.find((m) => m.seq === seq) }
}

/** An E2E room's file: downloaded whole and decrypted with the key its message carried. */
export const decryptedFile = async (file: AttachmentView): Promise<Uint8Array> => {
  const { withClient } = await import('#cli/hub-client')
  return withClient((client) => client.fetchFile(file))
}
