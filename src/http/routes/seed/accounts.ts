// The old service's /api/v1/accounts/: staff list and create accounts; a user reads and changes
// their own (staff anyone's). Over the same account and profile commands as /api/auth/register
// and PATCH /api/me; accounts are read from the command side's users table, which a command's own
// statement writes, so a caller always reads their own writes here without waiting.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { hashPassword } from '../../../auth/credentials.js'
import { type RegisterResult, refuseTaken, registerUser } from '../../../commands/accounts.js'
import {
  getProfile,
  listProfiles,
  type Profile,
  type ProfileResult,
  updateProfile,
} from '../../../commands/profiles.js'
import { DomainError } from '../../../domain/errors.js'
import type { AppDeps } from '../../deps.js'
import { sendIdempotent } from '../../idempotency.js'
import { assertSelfOrStaff } from '../../plugins/auth.js'
import { Text, withPosition } from '../../schemas.js'
import { fieldFailure } from '../../validation.js'
import { passwordTooLong, RegisterBody } from '../auth.js'
import { IdempotencyHeaders, meta } from '../command-meta.js'
import { cleanProfile, ProfileFields } from '../profile.js'
import { oldProblems } from './old-errors.js'
import {
  answering,
  everyPage,
  OldId,
  SeedAccount,
  tags,
  toSeedAccount,
  uuidOr404,
} from './shapes.js'

const nullable = <T extends ReturnType<typeof Type.String>>(t: T, description: string) =>
  Type.Optional(Type.Union([t, Type.Null()], { description: `${description}; null clears it` }))

/** The old model's limits (name and address at most 20 characters, phone 10), never blank. */
const OldProfile = {
  name: nullable(Text(1, 20), 'at most 20 characters, not blank'),
  phone: nullable({ ...ProfileFields.phone.anyOf[0], maxLength: 10 }, 'at most 10, digits'),
  address: nullable(Text(1, 20), 'at most 20 characters, not blank'),
}

const AccountParams = Type.Object({ id: OldId }, { additionalProperties: false })
const SeedAccountWritten = withPosition(SeedAccount)

const created = (profile: Omit<Profile, 'id' | 'role'>) =>
  answering(201, (r: RegisterResult) => ({ id: r.user.id, ...profile }))
const updated = answering(200, (r: ProfileResult) => toSeedAccount(r.profile))

export const seedAccountRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (
  app,
  { deps },
) => {
  const db = deps.database.db
  const accountId = (id: string) => uuidOr404(id, 'ACCOUNT_NOT_FOUND', 'account')

  app.get(
    '/api/v1/accounts/',
    {
      config: { auth: 'staff' },
      schema: {
        tags,
        summary: 'Every account (staff)',
        description:
          'Every account by username, unpaginated as before (GET /api/users pages, with ' +
          'balances). Changed from the old service, which listed them to anyone: staff only.',
        response: { 200: Type.Array(SeedAccount), ...oldProblems(401, 403) },
      },
    },
    async () => {
      const profiles = await everyPage(
        (after: readonly [string, string] | undefined, limit) => listProfiles(db, { after, limit }),
        (p) => [p.username.toLowerCase(), p.id] as const,
      )
      return profiles.map(toSeedAccount)
    },
  )

  app.post(
    '/api/v1/accounts/',
    {
      config: { auth: 'staff' },
      schema: {
        tags,
        summary: 'Create an account (staff)',
        description:
          'Registers a user account with its profile, as POST /api/auth/register does, in one ' +
          'command. Field errors are 400 in the old shape (`{username: ["A user with that ' +
          'username already exists."]}`, `{name: ["Ensure this field has no more than 20 ' +
          'characters."]}`...), as problem+json. Changed from the old service: staff only.',
        headers: IdempotencyHeaders,
        body: Type.Object(
          {
            username: RegisterBody.properties.username,
            email: RegisterBody.properties.email,
            password: RegisterBody.properties.password,
            ...OldProfile,
          },
          { additionalProperties: false },
        ),
        response: { 201: SeedAccountWritten, ...oldProblems(400, 401, 403, 422) },
      },
    },
    async (request, reply) => {
      const { username, email, password, ...fields } = request.body
      const tooLong = passwordTooLong(password)
      if (tooLong) throw fieldFailure('password', tooLong)
      const profile = cleanProfile(fields)
      const shown = { username, email, name: null, phone: null, address: null, ...profile }
      return sendIdempotent(db, request, reply, created(shown), async (options) => {
        await refuseTaken(db, { username, email })
        return registerUser(
          deps.commands,
          {
            username,
            email,
            passwordHash: await hashPassword(password, deps.config.BCRYPT_COST),
            role: 'user',
            profile,
          },
          meta(request),
          options,
        )
      })
    },
  )

  app.get(
    '/api/v1/accounts/:id',
    {
      config: { auth: 'user' },
      schema: {
        tags,
        summary: 'One account, as a one-element list (that user or staff)',
        description:
          'Changed from the old service, which showed any account to anyone: a user reads only ' +
          'their own (403), staff anyone’s; an unknown id is 404.',
        params: AccountParams,
        response: { 200: Type.Array(SeedAccount), ...oldProblems(401, 403, 404) },
      },
    },
    async (request) => {
      const id = accountId(request.params.id)
      assertSelfOrStaff(request, id)
      const profile = await getProfile(db, id)
      if (!profile) throw new DomainError('ACCOUNT_NOT_FOUND', `No account ${id}`)
      return [toSeedAccount(profile)]
    },
  )

  app.route({
    method: ['PUT', 'PATCH'],
    url: '/api/v1/accounts/:id/update',
    config: { auth: 'user' },
    schema: {
      tags,
      summary: 'Change an account’s email, name, phone or address (that user or staff)',
      description:
        'PUT and PATCH alike change the fields sent (null clears name, phone or address) over ' +
        'the command of PATCH /api/me, with the old limits: name and address at most 20 ' +
        'characters, phone at most 10, none blank. A taken email is 400 `{email: [...]}`. ' +
        'Changed from the old service: a user changes only their own account (403).',
      headers: IdempotencyHeaders,
      params: AccountParams,
      body: Type.Object(
        { email: Type.Optional(RegisterBody.properties.email), ...OldProfile },
        { additionalProperties: false },
      ),
      response: { 200: SeedAccountWritten, ...oldProblems(400, 401, 403, 404, 422) },
    },
    handler: async (request, reply) => {
      const id = accountId(request.params.id)
      assertSelfOrStaff(request, id)
      const input = cleanProfile(request.body)
      return sendIdempotent(db, request, reply, updated, (options) =>
        updateProfile(deps.commands, id, input, meta(request), options),
      )
    },
  })
}
