import { toString as bytesToString } from 'uint8arrays'
import {
  type ClientMessage,
  InvalidClientMessageError,
  LEGACY_ERRORS,
  type LegacyQuery,
  PREVIOUS_QUERIES_LIMIT,
  parseClientMessage,
  SYSOP_MESSAGE_TYPES
} from '../../protocol/index.js'
import { toLegacyUserInfo } from '../users/index.js'
import type { Client } from './hub.js'
import { toVisionJpeg } from './image.js'
import { decodeAttachment } from './query-desk.js'
import { VISION_UPLOAD_MAX_CHARS, type VisionUploads } from './vision-upload.js'
import type { SessionContext } from './ws-session.js'
import { handleSysopLogin, handleSysopMessage } from './ws-sysop.js'

/** A connected client and its per-connection state. */
export interface Session {
  client: Client
  uploads: VisionUploads
}

/** Handle one client frame. Errors thrown here become legacy `error` frames (cancellations are silent). */
export async function handleMessage(text: string, session: Session, ctx: SessionContext): Promise<void> {
  const { client } = session
  const send = (frame: object): boolean => ctx.hub.send(client, frame)
  let msg: ClientMessage | undefined
  try {
    msg = parseClientMessage(text, VISION_UPLOAD_MAX_CHARS)
  } catch (err) {
    if (err instanceof InvalidClientMessageError) {
      send({ type: 'error', message: err.message })
      return
    }
    throw err
  }
  // Sysop messages from anyone else look unknown, as in the original.
  if (msg === undefined || (SYSOP_MESSAGE_TYPES.has(msg.type) && !client.isSysop)) {
    send({ type: 'error', message: LEGACY_ERRORS.unknownType })
    return
  }
  switch (msg.type) {
    case 'pong':
      return
    case 'ping':
      send({ type: 'pong' })
      return
    case 'get_previous_queries':
      send({ type: 'previous_queries', data: await ctx.users.history(client.guid, PREVIOUS_QUERIES_LIMIT) })
      return
    case 'set_nickname': {
      const user = await ctx.users.setNickname(client.guid, msg.nickname)
      ctx.hub.noteNickname(client.guid, user.nickname)
      send({ type: 'user_info', data: toLegacyUserInfo(user) })
      return
    }
    case 'submit_query':
      await runQuery(session, ctx, msg.query, msg.stream)
      return
    case 'vision_chunk': {
      const done = session.uploads.add(msg)
      if (done === undefined) {
        send({ type: 'vision_chunk_received', message: 'Chunk received' })
        return
      }
      // Legacy: the image reaches workers as an RGB JPEG within 512×512.
      const jpeg = await toVisionJpeg(decodeAttachment(done.imageBase64, 'image'))
      const query: LegacyQuery = {
        prompt: done.prompt,
        query_type: 'vision',
        model_type: done.model_type,
        model_name: done.model_name,
        image: bytesToString(jpeg, 'base64pad')
      }
      await runQuery(session, ctx, query, false, () => send({ type: 'vision_upload_complete', message: 'Image upload complete and processed' }))
      return
    }
    case 'speech_to_text': {
      const audio = decodeAttachment(msg.audio, 'audio')
      const text = await ctx.desk.transcribe(client.guid, audio, { signal: client.controller.signal })
      send({ type: 'transcription_result', text })
      return
    }
    case 'text_to_speech': {
      const audio = await ctx.desk.synthesize(client.guid, msg.text, { signal: client.controller.signal })
      send({ type: 'speech_result', audio: bytesToString(audio.data, 'base64pad') })
      return
    }
    case 'sysop_login':
      await handleSysopLogin(msg.token, session, ctx)
      return
    default:
      await handleSysopMessage(msg, session, ctx)
  }
}

/** Queue a query for the client and send its result (or nothing when it was cancelled). */
async function runQuery(session: Session, ctx: SessionContext, query: LegacyQuery, stream: boolean, onQueued?: () => void): Promise<void> {
  const { client } = session
  const send = (frame: object): boolean => ctx.hub.send(client, frame)
  const pending = ctx.desk.run(client.guid, query, {
    signal: client.controller.signal,
    onPosition: (position) => send({ type: 'queue_update', depth: ctx.realms.depth, total: ctx.realms.totalWorkers, position }),
    onChunk: stream ? (text) => send({ type: 'query_chunk', text }) : undefined,
    onServing: (servedBy) => send({ type: 'query_started', served_by: servedBy })
  })
  // The desk has queued the query synchronously (or rejected it); tell everyone the new depth.
  ctx.broadcastQueue()
  onQueued?.()
  try {
    const out = await pending
    ctx.hub.noteQuery(session.client.guid, out.cost)
    send({ type: 'query_result', result: out.result, result_type: out.result_type, processing_time: out.processing_time, cost: out.cost })
  } finally {
    ctx.broadcastQueue()
  }
}
