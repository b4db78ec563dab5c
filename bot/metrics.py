"""Prometheus metrics, served at GET /metrics.

Counters are kept per process; run one scrape target per process (see the README's deployment
section). The outbox depth is read from the database at scrape time, so it is the same whichever
process answers.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

MESSAGES_IN = Counter(
    "entrepairs_messages_in_total", "Inbound webhook requests accepted, by channel", ["channel"]
)
MESSAGES_OUT = Counter(
    "entrepairs_messages_out_total",
    "Outbound sends, by channel and outcome",
    ["channel", "outcome"],
)
SEND_FAILURES = Counter(
    "entrepairs_send_failures_total",
    "Failed send attempts, by channel and error code",
    ["channel", "code"],
)
WEBHOOK_SECONDS = Histogram(
    "entrepairs_webhook_seconds",
    "Time to answer a webhook, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_DEPTH = Gauge("entrepairs_outbox_depth", "Outbox messages due and not yet sent")
INBOX_DEPTH = Gauge("entrepairs_inbox_depth", "Inbound messages stored and not yet processed")
NUDGE_LATENESS = Histogram(
    "entrepairs_nudge_lateness_seconds",
    "How late a nudge fired after its due time",
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600),
)
REJECTED = Counter("entrepairs_requests_rejected_total", "Requests refused, by reason", ["reason"])

__all__ = [
    "CONTENT_TYPE_LATEST",
    "INBOX_DEPTH",
    "MESSAGES_IN",
    "MESSAGES_OUT",
    "NUDGE_LATENESS",
    "OUTBOX_DEPTH",
    "REJECTED",
    "SEND_FAILURES",
    "WEBHOOK_SECONDS",
    "generate_latest",
]
