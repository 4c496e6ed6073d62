// "Hide a message in this picture" (before a picture is sent) and "Reveal" (on a picture in the
// timeline), as modal dialogs. The passphrase and the hidden text go only to the stego worker in this
// browser (stego-client.ts); what the hub receives is the finished PNG. A room's passphrase may be
// kept in this browser (localStorage), never sent anywhere. Loaded lazily, with the codec.
import { render } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { isChatError } from '#core/errors'
import type { AttachmentView } from '#core/protocol/messages'
import { type HiddenImage, type ImageCheck, type PictureInput, StegoClient } from './stego-client.ts'

const stego = new StegoClient()
const REMEMBER_PREFIX = 'chathub.stego.passphrase.'

const remembered = (room: string): string => localStorage.getItem(REMEMBER_PREFIX + room) ?? ''
const remember = (room: string, passphrase: string | undefined) => {
  if (passphrase === undefined) localStorage.removeItem(REMEMBER_PREFIX + room)
  else localStorage.setItem(REMEMBER_PREFIX + room, passphrase)
}

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))
const bytesOf = (text: string) => new TextEncoder().encode(text).length

/** A native modal <dialog> (focus kept inside, Escape closes) mounted for one use; focus returns to `opener`. */
const openDialog = (opener: HTMLElement | null, body: (close: () => void) => preact.JSX.Element): void => {
  const host = document.createElement('div')
  document.body.append(host)
  const close = () => {
    render(null, host)
    host.remove()
    opener?.focus()
  }
  render(<Modal onClose={close}>{body(close)}</Modal>, host)
}

const Modal = ({ onClose, children }: { onClose: () => void; children: preact.ComponentChildren }) => {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    ref.current?.showModal()
  }, [])
  return (
    <dialog ref={ref} class="stego-dialog" aria-labelledby="stego-title" onClose={onClose}>
      {children}
    </dialog>
  )
}

/** Ask for a text and a passphrase, hide the text in `file`, and hand back the PNG to send instead. */
export const openHideDialog = (opener: HTMLElement | null, room: string, file: File, onHidden: (png: File) => void): void =>
  openDialog(opener, (close) => <HideForm room={room} file={file} onHidden={(png) => (onHidden(png), close())} onCancel={close} />)

const HideForm = ({ room, file, onHidden, onCancel }: { room: string; file: File; onHidden: (png: File) => void; onCancel: () => void }) => {
  const [check, setCheck] = useState<ImageCheck>()
  const [text, setText] = useState('')
  const [passphrase, setPassphrase] = useState(remembered(room))
  const [keep, setKeep] = useState(remembered(room) !== '')
  const [progress, setProgress] = useState<string>()
  const [result, setResult] = useState<HiddenImage>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    stego.capacity(file).then(setCheck, (err: unknown) => setError(errorText(err)))
  }, [file])
  const size = bytesOf(text)
  const tooBig = check !== undefined && size > check.capacity.maxBytes
  const overSafe = check !== undefined && size > check.capacity.safeBytes

  const hide = async (e: Event) => {
    e.preventDefault()
    setError(undefined)
    setResult(undefined)
    try {
      const hidden = await stego.hide(file, text, passphrase, { onProgress: (f, phase) => setProgress(`${phase} ${Math.round(f * 100)}%`) })
      remember(room, keep ? passphrase : undefined)
      setResult(hidden)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setProgress(undefined)
    }
  }
  const use = () => {
    if (!result) return
    const name = `${file.name.replace(/\.[^.]*$/, '') || 'picture'}.png`
    onHidden(new File([result.png], name, { type: 'image/png' }))
  }

  return (
    <form onSubmit={hide} class="stack">
      <h2 id="stego-title">Hide a message in {file.name}</h2>
      {check ? (
        <p>
          {check.width}×{check.height}: carries up to {check.capacity.maxBytes} bytes; up to {check.capacity.safeBytes} bytes is hard
          to detect.{check.fromJpeg ? ' This picture was a JPEG: its block pattern can betray changes; a photo saved as PNG is better.' : ''}
        </p>
      ) : (
        !error && <p>Reading the picture…</p>
      )}
      <label>
        Hidden message
        <textarea rows={3} required value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </label>
      <p class={overSafe ? 'error' : 'hint'} role={overSafe ? 'alert' : undefined}>
        {size} bytes{tooBig ? ': too long for this picture.' : overSafe ? ': above the safe capacity — steganalysis may notice.' : ''}
      </p>
      <label>
        Passphrase
        <input type="password" autoComplete="off" required value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.currentTarget.checked)} /> Keep this passphrase for this room in this browser
      </label>
      {progress && <p role="status">Working: {progress}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div role="status" class="stego-result">
          <p>
            Hidden ({result.payloadBytes} bytes, {(result.changeRate * 100).toFixed(2)}% of the samples changed). Steganalysis of the
            result: <strong>{result.analysis.suspicious ? 'suspicious' : 'looks clean'}</strong> — {result.analysis.verdict}
          </p>
          {result.overSafe && <p class="error">Above the safe capacity: a careful analyst may notice.</p>}
        </div>
      )}
      <div class="row">
        {result ? (
          <button type="button" class="primary" onClick={use}>
            Send this picture
          </button>
        ) : (
          <button type="submit" disabled={tooBig || !check || progress !== undefined}>
            Hide
          </button>
        )}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  )
}

/**
 * Ask for the passphrase and show what `attachment` hides, or that it hides nothing for it. `load`
 * gives the picture's bytes (from the hub, or decrypted on this device in an encrypted room).
 */
export const openRevealDialog = (opener: HTMLElement | null, room: string, attachment: AttachmentView, load: () => Promise<PictureInput>): void =>
  openDialog(opener, (close) => <RevealForm room={room} attachment={attachment} load={load} onClose={close} />)

const RevealForm = ({ room, attachment, load, onClose }: { room: string; attachment: AttachmentView; load: () => Promise<PictureInput>; onClose: () => void }) => {
  const [passphrase, setPassphrase] = useState(remembered(room))
  const [answer, setAnswer] = useState<{ text: string } | { file: string; name: string } | { none: true }>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  useEffect(() => () => {
    if (answer && 'file' in answer) URL.revokeObjectURL(answer.file)
  }, [answer])

  const reveal = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    setAnswer(undefined)
    try {
      const payload = await stego.reveal(await load(), passphrase)
      setAnswer(payload.kind === 'text' ? { text: payload.text } : { file: URL.createObjectURL(new Blob([payload.data.slice()])), name: payload.name })
    } catch (err) {
      if (isChatError(err) && err.code === 'STEGO_NO_MESSAGE') setAnswer({ none: true })
      else setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={reveal} class="stack">
      <h2 id="stego-title">Reveal a message in {attachment.name}</h2>
      <label>
        Passphrase
        <input type="password" autoComplete="off" required value={passphrase} onInput={(e) => setPassphrase(e.currentTarget.value)} />
      </label>
      {answer && 'text' in answer && (
        <div role="status" class="stego-result">
          <p>Hidden message:</p>
          <p class="revealed">{answer.text}</p>
        </div>
      )}
      {answer && 'file' in answer && (
        <p role="status">
          A hidden file:{' '}
          <a href={answer.file} download={answer.name}>
            {answer.name}
          </a>
        </p>
      )}
      {answer && 'none' in answer && <p role="status">No hidden message for this passphrase.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Looking…' : 'Reveal'}
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </form>
  )
}
