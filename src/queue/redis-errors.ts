// Whether an error is Redis's (the link, the server, the cluster) rather than the bank's, a refusal of
// ours or a bug: such an error is the infrastructure's — it never ends a payment, never spends its bank
// attempts, and the payment simply runs its step again later.
//
// Judged by the error's class first: ioredis's server replies are ReplyErrors and its give-ups have their
// own classes; its link errors are plain `Error`s with fixed texts, recognised by how they begin. An error
// of any other class (a payment's final failure, the bank's, ours) is never one, whatever its message
// quotes — a failure reason may quote the bank's `ECONNREFUSED` or a bank's free text.
const REDIS_ERROR_NAMES = new Set(["ReplyError", "MaxRetriesPerRequestError", "ClusterAllFailedError"]);
const LINK_MESSAGES = /^(Connection is closed|Command timed out|Stream isn't writeable|Redis discarded the transaction|connect E[A-Z]+|read E[A-Z]+|write E[A-Z]+|Failed to refresh slots cache|Too many Cluster redirections)/;

export function isRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (REDIS_ERROR_NAMES.has(err.name) && err.constructor.name === err.name) return true;
  return Object.getPrototypeOf(err) === Error.prototype && LINK_MESSAGES.test(err.message);
}
