// What belongs to an Inter integration rather than to one deployment of pixout — its rate-limit budgets and
// its tokens — is keyed by the integration alone (base URL and client id), in one fixed namespace: two
// deployments (two PIXOUT_REDIS_PREFIX, two queues) on one integration and one Redis share Inter's limits
// and its token, instead of each spending the whole limit. The integration's tag is a Redis Cluster hash
// tag: its budgets, its tokens, their locks and cooldowns share one slot.
import { createHash } from "node:crypto";

/** The fixed namespace of integration keys, whatever PIXOUT_REDIS_PREFIX is. */
export const INTEGRATION_NAMESPACE = "pixout";

export interface Integration {
  baseUrl: string;
  clientId: string;
}

export function integrationTag(integration: Integration): string {
  return createHash("sha256").update(`${integration.baseUrl}\n${integration.clientId}`).digest("hex").slice(0, 16);
}

/** The prefix of every key of one integration: `pixout:integration:{tag}`. */
export function integrationKeyPrefix(integration: Integration): string {
  return `${INTEGRATION_NAMESPACE}:integration:{${integrationTag(integration)}}`;
}
