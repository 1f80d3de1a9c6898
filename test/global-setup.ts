// Runs once before all test files: makes one dev certificate set in a temporary folder (never in
// certs/dev, so tests do not touch a developer's certificates) and checks that Redis answers.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { writeDevCertificates } from "../src/tls/dev-certs.js";
import { assertRedisAnswers, testRedisUrl } from "./helpers/redis.js";

declare module "vitest" {
  export interface ProvidedContext {
    certDir: string;
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "pixout-test-certs-"));
  await writeDevCertificates(dir);
  const redisUrl = testRedisUrl();
  await assertRedisAnswers(redisUrl);
  project.provide("certDir", dir);
  project.provide("redisUrl", redisUrl);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
