// Whether an error is Redis's (the link, the server, the cluster) rather than the bank's or a bug: such an
// error is the infrastructure's — it never ends a payment, never spends its bank attempts, and the payment
// simply runs its step again later.
const REDIS_ERROR_NAMES = new Set(["ReplyError", "MaxRetriesPerRequestError", "ClusterAllFailedError"]);
const REDIS_MESSAGES =
  /Connection is closed|Command timed out|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|READONLY|LOADING|CLUSTERDOWN|MOVED|ASK |TRYAGAIN|NOAUTH|WRONGPASS|MASTERDOWN|NOSCRIPT/;

export function isRedisError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return REDIS_ERROR_NAMES.has(err.name) || REDIS_MESSAGES.test(err.message);
}
