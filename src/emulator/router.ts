// A tiny exact-segment router: the emulator has a dozen fixed routes, so a map of static paths plus a
// short list of parameterised ones is both the simplest and the fastest option.
import type { Handler } from "./context.js";

export interface Route {
  method: string;
  /** "METHOD /pattern", the ledger's route key. */
  key: string;
  handler: Handler;
  /** /_emulator/ routes: not Inter's, never faulted, not counted in the ledger. */
  admin: boolean;
}

export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "method-not-allowed" }
  | { kind: "not-found" };

interface Dynamic {
  segments: string[];
  routes: Map<string, Route>;
}

export class Router {
  readonly #static = new Map<string, Map<string, Route>>();
  readonly #dynamic: Dynamic[] = [];

  add(method: string, pattern: string, handler: Handler, admin = false): this {
    const route: Route = { method, key: `${method} ${pattern}`, handler, admin };
    if (!pattern.includes("{")) {
      const byMethod = this.#static.get(pattern) ?? new Map<string, Route>();
      byMethod.set(method, route);
      this.#static.set(pattern, byMethod);
      return this;
    }
    const segments = pattern.split("/");
    let entry = this.#dynamic.find((d) => d.segments.join("/") === pattern);
    if (!entry) {
      entry = { segments, routes: new Map() };
      this.#dynamic.push(entry);
    }
    entry.routes.set(method, route);
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const byMethod = this.#static.get(path);
    if (byMethod) {
      const route = byMethod.get(method);
      return route ? { kind: "found", route, params: {} } : { kind: "method-not-allowed" };
    }
    const parts = path.split("/");
    for (const d of this.#dynamic) {
      const params = matchSegments(d.segments, parts);
      if (!params) continue;
      const route = d.routes.get(method);
      return route ? { kind: "found", route, params } : { kind: "method-not-allowed" };
    }
    return { kind: "not-found" };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? "";
    const v = parts[i] ?? "";
    if (p.startsWith("{") && p.endsWith("}")) {
      if (v === "") return undefined;
      try {
        params[p.slice(1, -1)] = decodeURIComponent(v);
      } catch {
        return undefined; // malformed %-escape
      }
    } else if (p !== v) {
      return undefined;
    }
  }
  return params;
}
