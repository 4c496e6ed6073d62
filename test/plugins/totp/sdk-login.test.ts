// The two-step login through the client SDK: TOTP_CODE_REQUIRED keeps the body's `ticket` in the
// ChatError's details, and POST /plugins/totp/login with it and a code gives a working session.
import { beforeEach, expect, test } from 'vitest'
import { ChatClient, httpCall, type LoginResult } from '#core/client/sdk'
import { ChatError } from '#core/errors'
import { codeFor, enrol, login, PASSWORD, startTotpHub, type TotpHub } from './helpers.ts'

let hub: TotpHub
beforeEach(async () => {
  hub = await startTotpHub()
  await hub.addUser('alice', PASSWORD)
  return () => hub.close()
})

/** The ChatError a promise rejects with. */
const rejection = async (p: Promise<unknown>): Promise<ChatError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(ChatError)
  return err as ChatError
}

test('login without a code: TOTP_CODE_REQUIRED with a ticket in details; the second step logs in', async () => {
  const { uri } = await enrol(hub, (await login(hub, 'alice')).token)

  const first = await rejection(ChatClient.login(hub.url, 'alice', PASSWORD))
  expect(first).toMatchObject({ code: 'TOTP_CODE_REQUIRED', status: 401 })
  const ticket = first.details?.ticket
  expect(typeof ticket).toBe('string')
  expect(Date.parse(String(first.details?.ticketExpiresAt))).toBeGreaterThan(hub.clock.now)
  // code and message are the error's own fields, not repeated in details.
  expect(first.details).not.toHaveProperty('code')
  expect(first.details).not.toHaveProperty('message')

  // A wrong code keeps the ticket usable; the right one gives a session.
  const wrong = await rejection(
    httpCall(hub.url, '/plugins/totp/login', {
      body: { ticket, code: codeFor(uri, hub.clock.now, 5) },
    }),
  )
  expect(wrong.code).toBe('TOTP_CODE_INVALID')
  const session = await httpCall<LoginResult>(hub.url, '/plugins/totp/login', {
    body: { ticket, code: codeFor(uri, hub.clock.now) },
  })
  expect(session).toMatchObject({ user: 'alice', admin: false })
  const client = await ChatClient.connect(hub.url, session.token)
  expect(client.user).toBe('alice')
  await client.close()

  // The ticket is single-use.
  hub.clock.advance(30)
  const again = await rejection(
    httpCall(hub.url, '/plugins/totp/login', {
      body: { ticket, code: codeFor(uri, hub.clock.now) },
    }),
  )
  expect(again.code).toBe('TOTP_TICKET_INVALID')
})

test('an error body without extra fields gives no details', async () => {
  const err = await rejection(ChatClient.login(hub.url, 'alice', 'wrong password!'))
  expect(err.code).toBe('CHATHUB_AUTH_FAILED')
  expect(err.details).toBeUndefined()
})
