// What the room view says about this browser's device for encrypted rooms: that another tab of
// this browser is using it (keys work in one tab at a time), that this page cannot have one (plain
// http), or that it is a new device of the account that no trusted device has vouched for yet —
// with what to run on a trusted device and the fingerprint to compare there.
import type { ChatStore } from '../chat/store.ts'

/** Shown above the messages: the tab's problem in an encrypted room, and an unvouched device anywhere. */
export const DeviceNotice = ({ store, room }: { store: ChatStore; room: string | undefined }) => {
  const problem = room !== undefined && store.isEncrypted(room) ? store.e2e.problem() : undefined
  const device = store.e2e.device
  return (
    <>
      {problem && (
        <p class="notice" role="status">
          {problem}
        </p>
      )}
      {device?.status === 'unvouched' && <UnvouchedNotice id={device.device} fingerprint={device.fingerprint} />}
    </>
  )
}

/** A second device of the account: what to do on a trusted one before encrypted rooms add it. */
export const UnvouchedNotice = ({ id, fingerprint }: { id: string; fingerprint: string }) => (
  <div class="notice unvouched" role="status">
    <p>
      This browser is a new device of your account that none of your trusted devices has vouched for yet: your
      encrypted rooms add it only after one does. On a trusted device, check that it shows the same fingerprint for this
      device, then vouch for it: run <code>chathub devices vouch {id}</code>, or use <em>Vouch</em> in the settings of a
      trusted browser.
    </p>
    <p>
      This device: <code>{id}</code>, fingerprint <code class="fingerprint">{fingerprint}</code>
    </p>
  </div>
)
