// One room member of the load generators: a raw `ws` client that authenticates with a session token
// and joins room "bench". Frames are looked at as bytes, as the generators do with everything.
import WebSocket from 'ws'

const startsWith = (b: Buffer, prefix: string): boolean => b.length >= prefix.length && b.toString('latin1', 0, prefix.length) === prefix

/**
 * Open, `auth`, `join` "bench"; resolves once the join is acked (rejects on an error frame).
 * `onFrame` sees every frame the socket receives, from the first.
 */
export const joinBench = (url: string, token: string, onFrame?: (data: Buffer) => void): Promise<WebSocket> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
    if (onFrame) ws.on('message', onFrame)
    let step = 0
    ws.on('error', reject)
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', ref: 'a', token })))
    const onSetup = (data: Buffer) => {
      if (startsWith(data, '{"type":"error"')) return reject(new Error(data.toString()))
      if (!startsWith(data, '{"type":"ack"')) return
      if (step++ === 0) ws.send(JSON.stringify({ type: 'join', ref: 'j', room: 'bench' }))
      else {
        ws.off('message', onSetup)
        resolve(ws)
      }
    }
    ws.on('message', onSetup)
  })

/** Open members 0..n-1 a hundred at a time (tokens are reused round-robin). */
export const joinAll = async (
  url: string,
  tokens: string[],
  n: number,
  onFrame?: (data: Buffer) => void,
): Promise<WebSocket[]> => {
  const sockets: WebSocket[] = []
  for (let i = 0; i < n; i += 100) {
    const batch = Array.from({ length: Math.min(100, n - i) }, (_, k) =>
      joinBench(url, tokens[(i + k) % tokens.length] as string, onFrame),
    )
    sockets.push(...(await Promise.all(batch)))
  }
  return sockets
}
