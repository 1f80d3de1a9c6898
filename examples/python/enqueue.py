"""Enqueue pixout payments from Python, without the Node.js SDK.

Each payment is checked against pixout's JSON Schema (docs/payment.schema.json) and then added to pixout's
BullMQ queue with the job name, job id and options pixout's own producer uses (docs/integrating/job-contract.md):

    python enqueue.py payments.jsonl                 # one payment (a JSON object) per line
    python enqueue.py payments.jsonl --dry-run       # check them and print the jobs, touch no Redis

Settings as pixout's: REDIS_URL (redis://127.0.0.1:6379), PIXOUT_QUEUE (pix-payouts), PIXOUT_REDIS_PREFIX (pixout).
Needs `pip install jsonschema` (checking) and `pip install bullmq` (enqueueing; not needed with --dry-run).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema

# What pixout's producer uses (src/queue/names.ts, src/queue/producer/producer.ts, src/payments/payment.ts).
PAYMENT_DATA_VERSION = 1
PAYOUT_JOB_NAME = "payout"  # any name is accepted; this is the SDK's
JOB_OPTIONS = {
    # Retries of the worker's own infrastructure failures; the bank's retries are the worker's rules.
    "attempts": 5,
    "backoff": {"type": "exponential", "delay": 5000},
    # Finished jobs are kept 30 and 90 days, as the SDK keeps them (PIXOUT_KEEP_COMPLETED_DAYS/_FAILED_DAYS).
    "removeOnComplete": {"age": 30 * 86400},
    "removeOnFail": {"age": 90 * 86400},
}

SCHEMA_PATH = Path(__file__).resolve().parent.parent.parent / "docs" / "payment.schema.json"


def job_id_for(payment_id: str) -> str:
    """BullMQ keeps the first job of an id: a payment enqueued twice is one job (and is never paid twice)."""
    return f"payment-{payment_id}"


def bull_prefix(redis_prefix: str) -> str:
    """The braces keep all of pixout's keys in one Redis Cluster slot."""
    return "{" + redis_prefix + "}"


def leaf_errors(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """A recipient matches none of its kinds: the errors of the kind it names (its `type`, or `encrypted`)."""
    if error.validator != "oneOf" or not isinstance(error.instance, dict):
        return [error]
    named = "encrypted" if "encrypted" in error.instance else error.instance.get("type")
    for index, kind in enumerate(error.validator_value):
        properties = kind.get("properties", {})
        if named in (properties.get("type", {}).get("const"), "encrypted" if "encrypted" in properties else None):
            return [sub for sub in error.context if sub.relative_schema_path[0] == index]
    return [error]


def problems(validator: jsonschema.protocols.Validator, payment: object) -> list[str]:
    """What the schema refuses, field by field, and a scheduledFor that is not a date from today on."""
    found = [
        f"{'.'.join(str(p) for p in leaf.absolute_path) or '(payment)'}: {leaf.message}"
        for error in validator.iter_errors(payment)
        for leaf in leaf_errors(error)
    ]
    date = payment.get("scheduledFor") if isinstance(payment, dict) else None
    if isinstance(date, str) and not found:
        try:
            day = datetime.date.fromisoformat(date)
        except ValueError:
            found.append("scheduledFor: must be a date as YYYY-MM-DD")
        else:
            today = datetime.datetime.now(ZoneInfo("America/Sao_Paulo")).date()
            if day < today:
                found.append(f"scheduledFor: must not be in the past: today is {today} in São Paulo")
    return sorted(found)


def jobs_from(lines: list[str], validator: jsonschema.protocols.Validator) -> tuple[list[dict], list[str]]:
    jobs, errors = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            payment = json.loads(line)
        except json.JSONDecodeError as err:
            errors.append(f"line {number}: not JSON ({err.msg})")
            continue
        found = problems(validator, payment)
        if found:
            errors.extend(f"line {number}: {p}" for p in found)
            continue
        data = {"version": PAYMENT_DATA_VERSION, **payment}
        jobs.append({"name": PAYOUT_JOB_NAME, "data": data, "opts": {**JOB_OPTIONS, "jobId": job_id_for(payment["paymentId"])}})
    return jobs, errors


async def enqueue(jobs: list[dict], redis_url: str, queue_name: str, redis_prefix: str) -> None:
    try:
        from bullmq import Queue  # only when enqueueing: --dry-run works without it
    except ImportError:
        sys.exit("enqueueing needs the bullmq package: pip install bullmq (or check only, with --dry-run)")

    queue = Queue(queue_name, {"connection": redis_url, "prefix": bull_prefix(redis_prefix)})
    try:
        for job in jobs:
            added = await queue.add(job["name"], job["data"], job["opts"])
            print(f"queued {job['data']['paymentId']} as job {added.id}")
    finally:
        await queue.close()


def main() -> int:
    parser = argparse.ArgumentParser(description="Enqueue pixout payments (JSON Lines) from Python.")
    parser.add_argument("file", help="payments, one JSON object per line ('-' for standard input)")
    parser.add_argument("--dry-run", action="store_true", help="check the payments and print the jobs only")
    parser.add_argument("--schema", default=str(SCHEMA_PATH), help="pixout's docs/payment.schema.json")
    args = parser.parse_args()

    schema = json.loads(Path(args.schema).read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    jobs, errors = jobs_from(text.splitlines(), validator)
    if errors:
        # Nothing is enqueued while any payment is invalid: fix the file and run it again.
        print("\n".join(errors), file=sys.stderr)
        return 2
    queue_name = os.environ.get("PIXOUT_QUEUE", "pix-payouts")
    redis_prefix = os.environ.get("PIXOUT_REDIS_PREFIX", "pixout")
    if args.dry_run:
        for job in jobs:
            print(json.dumps({"queue": queue_name, "prefix": bull_prefix(redis_prefix), **job}, ensure_ascii=False))
        return 0
    asyncio.run(enqueue(jobs, os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"), queue_name, redis_prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
