// A redis-server of the test's own, for tests that must stop or restart Redis (the machine's shared
// Redis is never touched).
export {
  startRedisServer as startPrivateRedis,
  type RedisServer as PrivateRedis,
} from "../../src/cli/demo/redis-server.js";
