// The room header's "Notify me of": every message, mentions only, or nothing (kept in this browser).
import { useState } from 'preact/hooks'
import { NOTIFY_LEVELS, type NotifyLevel, notifyLevel, setNotifyLevel } from './notifications.ts'

export const NotifyLevelSelect = ({ room, direct }: { room: string; direct: boolean }) => {
  const [level, setLevel] = useState<NotifyLevel>(notifyLevel(room, direct))
  return (
    <label class="notify-level">
      Notify me of
      <select
        value={level}
        onChange={(e) => {
          const chosen = e.currentTarget.value as NotifyLevel
          setNotifyLevel(room, chosen)
          setLevel(chosen)
        }}
      >
        {NOTIFY_LEVELS.map((l) => (
          <option key={l.level} value={l.level}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  )
}
