// Files of end-to-end encrypted rooms in the timeline. The hub stores them as ciphertext, so they
// are never opened by their URL: the SDK downloads and decrypts them (ChatClient.fetchFile checks
// the key and the hash), and the page shows the plaintext through a blob: URL (the CSP allows blob:
// images), revoked when the message leaves the screen. Pictures show in a box of the thumbnails'
// size (the hub, which cannot see them, made no thumbnail and knows no dimensions); other files
// decrypt when downloaded.
import { useEffect, useState } from 'preact/hooks'
import type { ChatClient } from '#core/client/sdk'
import { isChatError } from '#core/errors'
import type { AttachmentView } from '#core/protocol/messages'
import { formatSize } from './size.ts'

/** What browsers show in an <img>. */
const VIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

export const isViewable = (a: AttachmentView): boolean => VIEWABLE.has(a.mime)

const errorText = (err: unknown): string => (isChatError(err) ? `${err.message} (${err.code})` : String(err))

/** The file's plaintext as a blob: URL. */
const decrypted = async (client: ChatClient, a: AttachmentView): Promise<string> =>
  URL.createObjectURL(new Blob([new Uint8Array(await client.fetchFile(a))], { type: a.mime }))

interface Props {
  client: ChatClient
  attachment: AttachmentView
}

/** A picture decrypted when shown; a click opens it in the viewer. */
export const EncryptedImage = ({ client, attachment: a }: Props) => {
  const [shown, setShown] = useState<{ url: string } | { error: string }>()
  useEffect(() => {
    let url: string | undefined
    let gone = false
    decrypted(client, a).then(
      (made) => {
        if (gone) return URL.revokeObjectURL(made)
        url = made
        setShown({ url })
      },
      (err: unknown) => {
        if (!gone) setShown({ error: errorText(err) })
      },
    )
    return () => {
      gone = true
      if (url) URL.revokeObjectURL(url)
    }
  }, [client, a.id])
  if (shown && 'error' in shown) {
    return (
      <span class="error" role="alert">
        {a.name}: {shown.error}
      </span>
    )
  }
  return (
    <button
      type="button"
      class="thumbnail encrypted-image"
      aria-haspopup="dialog"
      aria-busy={shown === undefined}
      title={`${a.name} (${formatSize(a.size)})`}
      onClick={(e) => {
        const opener = e.currentTarget
        if (shown) void import('./image-viewer.tsx').then((viewer) => viewer.openViewer(a, opener, shown.url))
      }}
    >
      {shown ? <img src={shown.url} alt={a.name} decoding="async" /> : <span class="decrypting">Decrypting {a.name}…</span>}
    </button>
  )
}

/** Another file: decrypted when downloaded, then saved under its real name. */
export const EncryptedDownload = ({ client, attachment: a }: Props) => {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const save = async () => {
    setBusy(true)
    setError(undefined)
    try {
      const url = await decrypted(client, a)
      const link = document.createElement('a')
      link.href = url
      link.download = a.name
      link.click()
      // The download has started by then; the URL is not needed after it.
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    } catch (err) {
      setError(errorText(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <button type="button" class="download" aria-busy={busy} onClick={() => void save()}>
        <span class="file-name">{a.name}</span> <span class="file-size">({formatSize(a.size)})</span>
      </button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </>
  )
}
