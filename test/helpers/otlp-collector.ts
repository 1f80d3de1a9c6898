// A real OTLP/HTTP collector for tests: a node:http server that records every request it gets (any
// method, path or content type: "nothing was posted" must mean nothing at all), stores every
// ExportTraceServiceRequest posted as JSON to /v1/traces (as @opentelemetry/exporter-trace-otlp-http
// sends it) and answers 200, as a collector does; anything else gets a 404. Closed when the test (or
// file) ends.
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { cleanupAfter } from "./cleanup.js";

/** An attribute value as OTLP/JSON writes it. */
export interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  events?: { name: string; attributes?: OtlpAttribute[] }[];
  status?: { code?: number; message?: string };
}

export interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { scope?: { name: string }; spans?: OtlpSpan[] }[];
  }[];
}

/** A span with its service and scope, attributes as a plain record. */
export interface CollectedSpan {
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  statusCode: number;
}

export const OTLP_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;

function plain(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

function record(attributes: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map((a) => [a.key, plain(a.value)]));
}

/** A request as it arrived, before the collector looked at it. */
export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
}

export interface OtlpCollector {
  /** The traces endpoint, for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  url: string;
  /** Every request received, whatever its method, path or content type. */
  received: ReceivedRequest[];
  /** Every request body received, in order, parsed. */
  requests: ExportTraceServiceRequest[];
  /** Every request body received, as sent (for searching the raw text). */
  raw: string[];
  spans(): CollectedSpan[];
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString("utf8");
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const received: ReceivedRequest[] = [];
  const requests: ExportTraceServiceRequest[] = [];
  const raw: string[] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? "", path: req.url ?? "", contentType: req.headers["content-type"] });
    void (async () => {
      if (
        req.method !== "POST" ||
        req.url !== "/v1/traces" ||
        !String(req.headers["content-type"]).startsWith("application/json")
      ) {
        res.writeHead(404).end();
        return;
      }
      const text = await bodyOf(req);
      raw.push(text);
      requests.push(JSON.parse(text) as ExportTraceServiceRequest);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    })().catch(() => res.writeHead(400).end());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanupAfter(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  });
  const { port } = server.address() as AddressInfo;

  const spans = (): CollectedSpan[] =>
    requests.flatMap((r) =>
      (r.resourceSpans ?? []).flatMap((rs) => {
        const service = String(record(rs.resource?.attributes)["service.name"]);
        return (rs.scopeSpans ?? []).flatMap((ss) =>
          (ss.spans ?? []).map((s) => ({
            service,
            scope: ss.scope?.name ?? "",
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: s.kind,
            attributes: record(s.attributes),
            events: (s.events ?? []).map((e) => ({ name: e.name, attributes: record(e.attributes) })),
            statusCode: s.status?.code ?? 0,
          })),
        );
      }),
    );

  return {
    url: `http://127.0.0.1:${String(port)}/v1/traces`,
    received,
    requests,
    raw,
    spans,
  };
}
