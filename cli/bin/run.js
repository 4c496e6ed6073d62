#!/usr/bin/env node
// chathub's CLI entry: TypeScript sources run through tsx's loader, then oclif dispatches the command.
import { register } from 'tsx/esm/api'

register()
const { execute } = await import('@oclif/core')
await execute({ dir: import.meta.url })
