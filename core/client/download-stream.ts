// Downloading an attachment as a stream, in Node only (the CLI's `chathub download`): nothing of the
// file is held in memory. The SDK's other requests run in browsers too (sdk.ts, platform.ts).
import type { Readable } from 'node:stream'
import { coreErrors } from '#core/errors'
import { dispositionName, failure } from './sdk.ts'
import { httpStreamOf } from './http.ts'

/** An attachment being downloaded: its body as a stream (read it to the end, or destroy it). */
export interface DownloadStream {
  stream: Readable
  mime: string
  /** The display name from Content-Disposition (never use it as a path unchecked). */
  name: string
  /** Content-Length, when the hub sent one. */
  size: number | undefined
}

/** GET /api/v1/attachments/:id as a stream. */
export const streamAttachment = async (server: string, token: string, id: string): Promise<DownloadStream> => {
  let res: Awaited<ReturnType<typeof httpStreamOf>>
  try {
    res = await httpStreamOf(new URL(`/api/v1/attachments/${encodeURIComponent(id)}`, server), {
      headers: { authorization: `Bearer ${token}` },
    })
  } catch {
    throw coreErrors.serverUnreachable(server)
  }
  const status = res.statusCode ?? 0
  const header = (name: string) => {
    const value = res.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  }
  if (status < 200 || status >= 300) {
    const chunks: Buffer[] = []
    for await (const chunk of res) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    throw await failure({ status, json: async () => JSON.parse(body) as unknown })
  }
  const length = Number(header('content-length'))
  return {
    stream: res,
    mime: header('content-type') ?? 'application/octet-stream',
    name: dispositionName(header('content-disposition') ?? '', id),
    size: Number.isFinite(length) ? length : undefined,
  }
}
