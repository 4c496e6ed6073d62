// Showing a revealed payload: text to stdout (or a file), a hidden file to --out or its own name in
// the current folder (never a path from inside the image: the name is reduced to its last part),
// and the warnings an embed gives.
import { existsSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { Payload } from '#plugins/stego/codec'
import { plural } from './format.ts'
import { stegoCliErrors } from './stego-errors.ts'

export type RevealedView =
  | { kind: 'text'; text: string; out?: string }
  | { kind: 'file'; name: string; bytes: number; out: string }

interface Printer {
  log(message?: string): void
}

const write = (file: string, data: Uint8Array | string, force: boolean | undefined) => {
  if (existsSync(file) && !force) throw stegoCliErrors.outputExists(file)
  writeFileSync(file, data, { mode: 0o600 })
}

export const showPayload = (cmd: Printer, payload: Payload, flags: { out?: string; force?: boolean }): RevealedView => {
  if (payload.kind === 'text') {
    if (flags.out !== undefined) {
      write(flags.out, payload.text, flags.force)
      cmd.log(`wrote the hidden text (${plural(Buffer.byteLength(payload.text), 'byte')}) to ${flags.out}`)
      return { kind: 'text', text: payload.text, out: flags.out }
    }
    cmd.log(payload.text)
    return { kind: 'text', text: payload.text }
  }
  const out = flags.out ?? (basename(payload.name) || 'hidden-file')
  write(out, payload.data, flags.force)
  cmd.log(`wrote the hidden file "${payload.name}" (${plural(payload.data.length, 'byte')}) to ${out}`)
  return { kind: 'file', name: payload.name, bytes: payload.data.length, out }
}

/** Warnings after an embed: above the safe size, or a JPEG cover that was not downscaled. */
export const embedWarnings = (r: { overSafe: boolean; jpegRisk: boolean; payloadBytes: number; safeBytes: number }) => {
  const out: string[] = []
  if (r.overSafe) {
    out.push(
      `${plural(r.payloadBytes, 'byte')} is above this image's safe size (${plural(r.safeBytes, 'byte')}): it is hidden, but ` +
        'steganalysis may notice; use a larger image or a shorter message.',
    )
  }
  if (r.jpegRisk) {
    out.push(
      'The cover is a JPEG: its 8×8 block grid can betray even small changes; pass --downscale 0.75 ' +
        '(or use a PNG/camera original) for a safer cover.',
    )
  }
  return out
}
