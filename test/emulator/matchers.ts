// Typed asymmetric matchers: vitest types expect.any() and friends as `any`, which the lint rules
// refuse inside object literals. Same matchers, honest static types.
import { expect } from "vitest";

export const anyString = (): string => expect.any(String) as string;
export const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;
export const containing = (text: string): string => expect.stringContaining(text) as string;
export const objectWith = (subset: Record<string, unknown>): Record<string, unknown> =>
  expect.objectContaining(subset) as Record<string, unknown>;
