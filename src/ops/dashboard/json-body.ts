// The JSON body of a state-changing request (the retry), each refusal saying what is wrong: 415 for a
// media type, charset or content encoding we do not read, 413 for a body too large, 400 for one that is not
// JSON. Messages never quote the body (it could carry anything, and body-parser's parse errors quote it).
import express, { type RequestHandler } from "express";
import { duplicateKey } from "../../text/strict-json.js";

function refusal(err: unknown, limitBytes: number): { status: number; error: string } | undefined {
  const type = typeof err === "object" && err !== null ? (err as { type?: unknown }).type : undefined;
  switch (type) {
    case "entity.parse.failed":
      return { status: 400, error: "the request body is not valid JSON" };
    case "entity.verify.failed":
      return { status: 400, error: err instanceof Error ? err.message : "the request body is refused" };
    case "entity.too.large":
      return { status: 413, error: `the request body is too large (at most ${String(limitBytes / 1024)} KiB)` };
    case "charset.unsupported":
      return {
        status: 415,
        error:
          "the request body's charset is not supported: send UTF-8 (Content-Type: application/json; charset=utf-8)",
      };
    case "encoding.unsupported":
      return { status: 415, error: "the request body's Content-Encoding is not supported: send it uncompressed" };
    case "request.aborted":
    case "request.size.invalid":
      return {
        status: 400,
        error: "the request body did not arrive whole (its Content-Length does not match); send it again",
      };
    default:
      return undefined;
  }
}

/** Parses a JSON body of at most `limitBytes` into req.body, or answers why not. */
export function jsonBody(limitBytes: number): RequestHandler {
  // inflate false: a compressed body is refused rather than expanded (a small one can inflate a lot).
  const parse: RequestHandler = express.json({
    limit: limitBytes,
    inflate: false,
    // A key given twice is refused (JSON.parse would keep the last one silently).
    verify: (_req, _res, buf) => {
      const twice = duplicateKey(buf.toString("utf8"));
      if (twice !== undefined) throw new Error(`the request body gives the key "${twice}" twice: give it once`);
    },
  });
  return (req, res, next) => {
    // The CSRF checks already refuse other media types; this keeps the route right on its own.
    if (req.is("application/json") === false) {
      res.status(415).json({ error: "send the request body as Content-Type: application/json" });
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err === undefined || err === null) {
        next();
        return;
      }
      const problem = refusal(err, limitBytes);
      if (!problem) {
        next(err);
        return;
      }
      res.status(problem.status).json({ error: problem.error });
    });
  };
}
