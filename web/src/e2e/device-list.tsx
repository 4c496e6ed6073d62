// The settings' list of the account's devices for encrypted rooms (docs/e2e.md, "Devices"): this
// browser and the others (CLI homes, other browsers), each with its fingerprint — the same string
// `chathub devices` shows — and its trust: first device (trusted on first use), vouched for, or not.
// Rename any; remove another (lost, sold: it leaves your encrypted rooms). From a trusted device,
// vouch for another one by its id once its fingerprint matches what that device shows.
import { useEffect, useId, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import type { EventOf } from '#core/protocol/messages'
import type { ChatStore } from '../chat/store.ts'
import type { BrowserDevice, DeviceRow } from './browser-device.ts'
import { UnvouchedNotice } from './device-notice.tsx'

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

const statusText = (d: DeviceRow, rows: DeviceRow[]): string => {
  if (d.status === 'first_use') return 'first device (trusted on first use)'
  if (d.status === 'vouched') return `vouched for by ${rows.find((r) => r.device === d.by)?.name ?? d.by ?? 'a trusted device'}`
  return 'not vouched for: not added to encrypted rooms'
}

export const DeviceList = ({ store }: { store: ChatStore }) => {
  const [woken, setWoken] = useState(false)
  // The list needs this browser's device (its code loads now, if no encrypted room woke it yet).
  useEffect(() => {
    store.e2e.wake().then(
      () => setWoken(true),
      () => setWoken(true),
    )
  }, [store])
  const device = store.e2e.ready
  return (
    <section aria-labelledby="devices-title" class="devices">
      <h2 id="devices-title">Devices for encrypted rooms</h2>
      <p class="hint">
        Each browser and each CLI home is a device with keys of its own, kept only there. A device other than your first
        reads your encrypted rooms once a trusted device of yours has vouched for it, after comparing its fingerprint.
      </p>
      {device ? <Devices store={store} device={device} /> : <p role="status">{woken ? store.e2e.problem() : 'Loading…'}</p>}
    </section>
  )
}

const Devices = ({ store, device }: { store: ChatStore; device: BrowserDevice }) => {
  const [rows, setRows] = useState<DeviceRow[]>()
  const [error, setError] = useState<string>()
  const [done, setDone] = useState<string>()
  const [busy, setBusy] = useState(false)
  const load = () => device.list().then(setRows, (err: unknown) => setError(errorText(err)))
  useEffect(() => {
    void load()
    // A device of the account added, vouched for, renamed or removed elsewhere.
    const changed = (e: EventOf<'devices'>) => {
      if (e.user === store.me) void load()
    }
    store.client.on('devices', changed)
    return () => void store.client.off('devices', changed)
  }, [store, device])

  const run = async (what: () => Promise<unknown>, success: string) => {
    setBusy(true)
    setError(undefined)
    setDone(undefined)
    try {
      await what()
      setDone(success)
      await load()
      await store.e2e.refreshDevice()
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  const self = rows?.find((r) => r.current)
  const trusted = self !== undefined && self.status !== 'unvouched'
  return (
    <>
      {rows === undefined && error === undefined && <p>Loading…</p>}
      {rows && !self && (
        <div class="stack">
          <p>This browser is not a device of yours yet: it becomes one when you first open or create an encrypted room.</p>
          <button type="button" disabled={busy} onClick={() => void run(() => device.enable(), 'This browser is now a device of yours.')}>
            Make this browser a device now
          </button>
        </div>
      )}
      {self?.status === 'unvouched' && <UnvouchedNotice id={self.device} fingerprint={self.fingerprint} />}
      {rows && rows.length > 0 && (
        <table class="device-table">
          <caption class="visually-hidden">Your devices</caption>
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">Fingerprint</th>
              <th scope="col">Trust</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <DeviceLine
                key={d.device}
                row={d}
                status={statusText(d, rows)}
                busy={busy}
                onRename={(name) => run(() => device.rename(d.device, name), `Renamed to ${name}.`)}
                onRemove={() => run(() => device.remove(d.device), `Removed ${d.name}; your encrypted rooms take it out of their groups.`)}
              />
            ))}
          </tbody>
        </table>
      )}
      {rows && trusted && (
        <VouchForm
          rows={rows}
          busy={busy}
          onVouch={(d) => run(() => device.vouch(d.device, d.key), `Vouched for ${d.name}: your encrypted rooms add it.`)}
        />
      )}
      {rows && self && !trusted && <p class="hint">This browser can vouch for other devices once it is trusted itself.</p>}
      {done && <p role="status">{done}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  )
}

interface LineProps {
  row: DeviceRow
  status: string
  busy: boolean
  onRename: (name: string) => Promise<void>
  onRemove: () => Promise<void>
}

const DeviceLine = ({ row: d, status, busy, onRename, onRemove }: LineProps) => {
  const [mode, setMode] = useState<'renaming' | 'removing'>()
  const [name, setName] = useState(d.name)
  const id = useId()
  return (
    <tr class={d.current ? 'current' : undefined}>
      <td>
        <span class="device-name">{d.name}</span>
        {d.current && <span class="tag">this browser</span>}
        <br />
        <code class="device-id">{d.device}</code>
      </td>
      <td>
        <code class="fingerprint">{d.fingerprint}</code>
      </td>
      <td>{status}</td>
      <td>
        {mode === 'renaming' ? (
          <form
            class="row"
            onSubmit={(e) => {
              e.preventDefault()
              const next = name.trim()
              if (next !== '') void onRename(next).then(() => setMode(undefined))
            }}
          >
            <label class="visually-hidden" for={`${id}-name`}>
              New name for {d.name}
            </label>
            <input id={`${id}-name`} required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <button type="submit" disabled={busy}>
              Save
            </button>
            <button type="button" onClick={() => setMode(undefined)}>
              Cancel
            </button>
          </form>
        ) : mode === 'removing' ? (
          <div class="row" role="group" aria-label={`Remove ${d.name}?`}>
            <span>Remove it? It can no longer read what your encrypted rooms say after.</span>
            <button type="button" class="danger" disabled={busy} onClick={() => void onRemove().then(() => setMode(undefined))}>
              Remove
            </button>
            <button type="button" onClick={() => setMode(undefined)}>
              Cancel
            </button>
          </div>
        ) : (
          <div class="row">
            <button type="button" class="link" aria-label={`Rename ${d.name}`} onClick={() => setMode('renaming')}>
              rename
            </button>
            {/* This browser stays: removing it would leave its keys here with nothing to use them. */}
            {!d.current && (
              <button type="button" class="link" aria-label={`Remove ${d.name}`} onClick={() => setMode('removing')}>
                remove
              </button>
            )}
          </div>
        )}
      </td>
    </tr>
  )
}

/**
 * Vouch for another device of the account by its id: first its fingerprint, to compare with the one
 * that device shows (`chathub devices` there, or its settings), then the vouch itself.
 */
const VouchForm = ({ rows, busy, onVouch }: { rows: DeviceRow[]; busy: boolean; onVouch: (d: DeviceRow) => Promise<void> }) => {
  const [id, setId] = useState('')
  const [checking, setChecking] = useState<DeviceRow>()
  const [problem, setProblem] = useState<string>()
  const fieldId = useId()
  const look = (e: Event) => {
    e.preventDefault()
    const wanted = id.trim()
    const found = rows.find((d) => d.device === wanted)
    setChecking(undefined)
    if (!found) return setProblem(`You have no device "${wanted}": copy its id from that device (\`chathub devices\`).`)
    if (found.current) return setProblem('That is this browser: vouch for it from another trusted device.')
    if (found.status !== 'unvouched') return setProblem(`${found.name} is trusted already.`)
    setProblem(undefined)
    setChecking(found)
  }
  return (
    <form class="stack vouch" onSubmit={look}>
      <h3>Vouch for another device</h3>
      <label for={fieldId}>Its device id</label>
      <div class="row">
        <input
          id={fieldId}
          required
          autoComplete="off"
          spellcheck={false}
          value={id}
          onInput={(e) => {
            setId(e.currentTarget.value)
            setChecking(undefined)
          }}
        />
        <button type="submit">Show its fingerprint</button>
      </div>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      {checking && (
        <div class="stack" role="group" aria-label={`Vouch for ${checking.name}`}>
          <p>
            Does <strong>{checking.name}</strong> show this fingerprint for itself? <code class="fingerprint">{checking.fingerprint}</code>
          </p>
          <p class="hint">Vouch only if every group of four matches: a different one can be a device the hub slipped in.</p>
          <div class="row">
            <button type="button" class="primary" disabled={busy} onClick={() => void onVouch(checking).then(() => setChecking(undefined))}>
              It matches: vouch for it
            </button>
            <button type="button" onClick={() => setChecking(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </form>
  )
}
