// Size and count limits shared by every node. A peer or client exceeding one
// of these gets a clear error and nothing else is affected.

/** Largest WebSocket frame the gateway accepts (a legacy vision chunk is 1 MiB of base64). */
export const WS_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024

/** Largest prompt accepted from a user, in characters. */
export const MAX_PROMPT_CHARS = 100_000

/** Largest decoded image or audio attached to a query. */
export const MAX_ATTACHMENT_BYTES = 6 * 1024 * 1024

/** Legacy `[Queue] max_queue_size`: queued + in-flight queries per realm. */
export const DEFAULT_MAX_QUEUE_SIZE = 100

/** Nickname bounds (legacy default nickname is `user_` + 8 characters). */
export const MAX_NICKNAME_CHARS = 64

/** How many history records `previous_queries` carries (legacy: 10). */
export const PREVIOUS_QUERIES_LIMIT = 10
