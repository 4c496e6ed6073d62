// Read receipts ("seen by") on or off for the room: moderators and the owner. The rooms list holds
// the setting; it is loaded again after a change here or by someone else (a `receipts` event).
import { useEffect, useState } from 'preact/hooks'
import type { EventOf, RoomSummary } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import { errorText } from './error-text.ts'

export const ReceiptsToggle = ({ store, room }: { store: ChatStore; room: RoomSummary }) => {
  const [error, setError] = useState<string>()
  /** The setting asked for, shown until the rooms list has it (or the hub refused it). */
  const [asked, setAsked] = useState<boolean>()

  useEffect(() => {
    const changed = (e: EventOf<'receipts'>) => {
      if (e.room === room.name) void store.refreshRooms()
    }
    store.client.on('receipts', changed)
    return () => void store.client.off('receipts', changed)
  }, [store, room.name])

  const toggle = async (enabled: boolean) => {
    if (asked !== undefined) return
    setAsked(enabled)
    setError(undefined)
    try {
      await store.client.setReceipts(room.name, enabled)
      await store.refreshRooms()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setAsked(undefined)
    }
  }

  return (
    <div class="receipts">
      <label class="check">
        <input type="checkbox" checked={asked ?? room.readReceipts === true} onChange={(e) => void toggle(e.currentTarget.checked)} />
        Read receipts: members see how far each has read
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}
