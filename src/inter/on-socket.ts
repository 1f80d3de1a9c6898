// The moment a request is handed its socket, right before undici writes its first byte: an undici
// interceptor sees it for every request (also one that waited in the pool's queue or for a TLS connect),
// and there it can still stop the request with nothing written.
//
// Two uses: a send that must leave by a deadline (the worker's lock is only known fresh for a while, see
// src/queue/worker/call-pacing.ts SEND_BOUND_MS) is aborted, unsent, when the deadline has passed; and the time
// from the fleet's gate to that moment is reported (the gap that stands between the gate and the bank's
// per-second limit). Per-request settings travel in an AsyncLocalStorage, which undici's dispatch reads
// synchronously within `request()`.
import { AsyncLocalStorage } from "node:async_hooks";
import { performance } from "node:perf_hooks";
import type { Dispatcher } from "undici";

export interface OnSocket {
  /** performance.now() after which the request must not be written: it fails with RequestNotSentError. */
  sendBy?: number;
  /** Called when the request is about to be written (not when it was stopped). */
  onStart?: () => void;
}

/** The request was stopped before a byte of it was written: the bank cannot have seen it. */
export class RequestNotSentError extends Error {
  override readonly name = "RequestNotSentError";
}

const perRequest = new AsyncLocalStorage<OnSocket>();

/** Runs `start` (which must dispatch its request synchronously, as undici's `request()` does) under `settings`. */
export function withOnSocket<T>(settings: OnSocket, start: () => T): T {
  return perRequest.run(settings, start);
}

class OnSocketHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly settings: OnSocket,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    const late = this.settings.sendBy === undefined ? 0 : performance.now() - this.settings.sendBy;
    if (late > 0) {
      controller.abort(
        new RequestNotSentError(
          `not sent: it would have left ${String(Math.round(late))} ms after its deadline (a queue for a connection, or a slow connect)`,
        ),
      );
      return;
    }
    try {
      this.settings.onStart?.();
    } catch {
      // an observer, never a party to the request
    }
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onRequestUpgrade"]>>): void {
    this.inner.onRequestUpgrade?.(...args);
  }

  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseStart"]>>): void {
    this.inner.onResponseStart?.(...args);
  }

  onResponseData(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseData"]>>): void {
    this.inner.onResponseData?.(...args);
  }

  onResponseEnd(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseEnd"]>>): void {
    this.inner.onResponseEnd?.(...args);
  }

  onResponseError(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onResponseError"]>>): void {
    this.inner.onResponseError?.(...args);
  }
}

/** The interceptor: `dispatcher.compose(onSocketInterceptor)`. */
export const onSocketInterceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const settings = perRequest.getStore();
  return dispatch(opts, settings === undefined ? handler : new OnSocketHandler(handler, settings));
};
