// The Prometheus text exposition format (version 0.0.4), read the way a scraper reads it, for the
// metrics tests: samples with their exact label sets.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function number(text: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  return Number(text);
}

/** Every sample of the text; comments (# HELP, # TYPE) and blank lines are skipped. */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [
        l[1] ?? "",
        unescape(l[2] ?? ""),
      ]),
    );
    samples.push({ name: m[1] ?? "", labels, value: number(m[3] ?? "") });
  }
  return samples;
}

/** The value of the sample `name` whose label set is exactly `labels`; undefined when there is none. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels);
  return parsePrometheus(text).find(
    (s) =>
      s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
  )?.value;
}
