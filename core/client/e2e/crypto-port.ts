// What the E2E session needs from the MLS code, behind one seam: mls-crypto.ts implements it with
// ts-mls and is imported only when an E2E room is met, so a client that never meets one never
// loads the cryptography (the browser's first page stays small; CLI commands start fast).
import type { Request } from '#core/client/sdk'
import type { DeviceView } from '#core/protocol/messages'
import type { RoomGroup } from './group.ts'
import type { StoredGroup } from './store.ts'

export type { RoomGroup } from './group.ts'

export interface E2eCrypto {
  /** This device's id. */
  readonly device: string
  /** The `device` frame that registers (or binds) this device. */
  registration(): Request<'device'>
  /** New KeyPackages for this device (their private parts are kept in the store), encoded for `keypackages`. */
  keyPackages(
    count: number,
    lastResort: boolean,
  ): Promise<{ oneTime: Uint8Array[]; lastResort?: Uint8Array }>
  createGroup(groupId: Uint8Array): Promise<RoomGroup>
  /** Join from a Welcome with one of the kept KeyPackages (a one-time one is then dropped). */
  joinGroup(welcome: Uint8Array): Promise<RoomGroup>
  loadGroup(stored: StoredGroup): RoomGroup
  /** The devices of `user` this device trusts (first device, or vouched), by id; pins them. */
  trustedDevices(user: string, devices: DeviceView[]): Promise<string[]>
}
