// The files waiting to go with the next message: name and size, upload progress, what went wrong
// (the hub's message and code), and a button to cancel or remove each one.
import type { ComponentChildren } from 'preact'
import { formatSize } from './size.ts'
import type { PendingFile } from './pending-files.ts'

interface Props {
  files: PendingFile[]
  notice: string | undefined
  onRemove: (key: number) => void
  /**
   * A file's own options, shown beside it before it is sent: where the composer offers per-file
   * actions (e.g. hiding a message in a picture). None yet.
   */
  options?: (file: PendingFile) => ComponentChildren
}

export const PendingList = ({ files, notice, onRemove, options }: Props) => {
  if (files.length === 0 && notice === undefined) return null
  return (
    <div class="pending-files">
      {files.length > 0 && (
        <ul aria-label="Files to send">
          {files.map((f) => (
            <li key={f.key} class={`pending-file ${f.state}`}>
              <span class="file-name">{f.file.name}</span>
              <span class="file-size">{formatSize(f.file.size)}</span>
              <Status file={f} />
              {options && <div class="file-options">{options(f)}</div>}
              <button type="button" class="link" onClick={() => onRemove(f.key)} aria-label={`${f.state === 'uploading' ? 'Cancel' : 'Remove'} ${f.file.name}`}>
                {f.state === 'uploading' ? 'cancel' : 'remove'}
              </button>
            </li>
          ))}
        </ul>
      )}
      {notice !== undefined && (
        <p class="error" role="alert">
          {notice}
        </p>
      )}
    </div>
  )
}

const Status = ({ file: f }: { file: PendingFile }) => {
  switch (f.state) {
    case 'uploading': {
      const percent = f.total > 0 ? Math.floor((f.sent / f.total) * 100) : 0
      return (
        <>
          <progress max={f.total} value={f.sent} aria-label={`Uploading ${f.file.name}`} />
          <span class="file-progress">{percent}%</span>
        </>
      )
    }
    case 'uploaded':
      return <span class="file-progress">uploaded</span>
    case 'failed':
      return (
        <span class="error" role="alert">
          {f.error}
        </span>
      )
    default:
      return null
  }
}
