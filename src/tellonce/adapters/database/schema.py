"""Tables, as SQLAlchemy Core metadata. Alembic migrations are the source of the live schema;
``tests/integration/test_migrations.py`` fails if these tables and the migrations drift apart.

Core rather than an ORM: use cases move rows in batches (a report, its disclosures, their queue
rows, consent records) and the repositories read like the SQL they run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import BigInteger, Integer
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC on both databases (SQLite would otherwise hand back naive times)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002 - the signature is TypeDecorator's
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(
        self,
        value: Any,
        dialect: Dialect,  # noqa: ARG002 - the signature is TypeDecorator's
    ) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, UtcDateTime(), nullable=nullable)


recipients = sa.Table(
    "recipients",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("controller", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("area", sa.JSON, nullable=False),
    sa.Column("contact_email", sa.String(254)),
    sa.Column("contact_url", sa.String(500)),
    _timestamp("updated_at"),
    # Push endpoint: set by `tellonce recipients set-endpoint`; none means pull-only.
    sa.Column("endpoint_url", sa.String(2000)),
    sa.Column("endpoint_state", sa.String(16)),  # "enabled" or "disabled" (after 410 Gone)
    _timestamp("endpoint_changed_at", nullable=True),
)

# Webhook signing secrets, sealed under the hub's master key. During a rotation two are live:
# the old one until ``retires_at``, so receivers can switch over without dropping a delivery.
recipient_secrets = sa.Table(
    "recipient_secrets",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False, index=True),
    sa.Column("sealed_secret", sa.LargeBinary, nullable=False),
    _timestamp("created_at"),
    _timestamp("retires_at", nullable=True),
)

agreement_versions = sa.Table(
    "agreement_versions",
    metadata,
    sa.Column("agreement_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    _timestamp("published_at"),
    _timestamp("superseded_at", nullable=True),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    # The person's data key, wrapped by a master key. Destroying it erases the person.
    sa.Column("data_key_id", sa.Uuid, nullable=False),
    sa.Column("master_key_id", sa.String(32), nullable=True),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
    _timestamp("created_at"),
    _timestamp("erased_at", nullable=True),
)

# Per person and recipient: the last disclosure sequence number handed out. Per recipient, so
# the numbers a recipient sees reveal nothing about what other recipients were told.
disclosure_sequences = sa.Table(
    "disclosure_sequences",
    metadata,
    sa.Column("person_id", sa.ForeignKey("people.id"), primary_key=True),
    sa.Column("recipient_id", sa.String(64), primary_key=True),
    sa.Column("last_sequence", sa.BigInteger, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    # Keyed hash of issuer + subject from the identity provider: no identifier in clear.
    sa.Column("subject_index", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("person_id", sa.ForeignKey("people.id"), nullable=False),
    _timestamp("created_at"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False, index=True),
    _timestamp("created_at"),
    _timestamp("expires_at"),  # the absolute timeout
    # The idle timeout counts from here; moved forward at most once a minute (ADR 0085).
    _timestamp("last_seen_at"),
    # How the citizen signed in ("oidc", "demo") and the provider's vector of trust ("Cl.Cm").
    sa.Column("via", sa.String(16), nullable=False),
    sa.Column("vot", sa.String(32), nullable=True),
)

# Registration references (ADR 0087): stored hashed, details sealed under the hub's key.
registration_references = sa.Table(
    "registration_references",
    metadata,
    sa.Column("reference_hash", sa.LargeBinary(32), primary_key=True),
    sa.Column("registrar_account_id", sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("event_type", sa.String(16), nullable=False),
    sa.Column("sealed_details", sa.LargeBinary, nullable=False),
    _timestamp("created_at"),
    _timestamp("expires_at"),
    _timestamp("used_at", nullable=True),
    sa.Column("report_id", sa.Uuid, nullable=True),
)

# Rate-limit counters shared by every process (issue 13): one row per bucket and window.
rate_limit_windows = sa.Table(
    "rate_limit_windows",
    metadata,
    sa.Column("bucket", sa.String(64), primary_key=True),
    sa.Column("window_start", UtcDateTime(), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    _timestamp("expires_at"),
)

recipient_keys = sa.Table(
    "recipient_keys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False, index=True),
    sa.Column("environment", sa.String(8), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("key_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("label", sa.String(100)),
    # What the key may do (ADR 0089), space-separated: "feed acknowledge" unless issued narrower.
    sa.Column("scopes", sa.String(64), nullable=False, server_default="feed acknowledge"),
    _timestamp("created_at"),
    _timestamp("revoked_at", nullable=True),
)

# API keys with the registrar scope (ADR 0071): a register office's system submitting reports
# in bulk. Each registrar reports through its own account (reports.account_id).
registrar_keys = sa.Table(
    "registrar_keys",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("registrar_id", sa.String(64), nullable=False),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("environment", sa.String(8), nullable=False),
    sa.Column("prefix", sa.String(32), nullable=False),
    sa.Column("key_hash", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("label", sa.String(100)),
    sa.Column("scopes", sa.String(64), nullable=False, server_default="registrar"),
    _timestamp("created_at"),
    _timestamp("revoked_at", nullable=True),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("subject_person_id", sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("event_type", sa.String(32), nullable=False),
    sa.Column("schema_version", sa.Integer, nullable=False),
    # The payload and routing answers, AES-256-GCM under the subject's data key.
    sa.Column("sealed_payload", sa.LargeBinary, nullable=False),
    sa.Column("preview_digest", sa.String(64), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    _timestamp("submitted_at"),
    # Retention (docs/rights.md): when the sealed details were destroyed by the purge job.
    _timestamp("payload_purged_at", nullable=True),
    # Acting for others (ADR 0088): the reporter's role ("self", "informant", "executor",
    # "parent", "power_of_attorney"); also in the sealed payload, for recipients.
    sa.Column("reporter_role", sa.String(24)),
    # The fraud guard: nothing leaves before held_until; cancelled by the citizen before it.
    _timestamp("held_until", nullable=True),
    _timestamp("cancelled_at", nullable=True),
    # The retention job's search (migration 0013): reports whose details are still held.
    sa.Index(
        "ix_reports_unpurged_submitted_at",
        "submitted_at",
        postgresql_where=sa.text("payload_purged_at IS NULL"),
        sqlite_where=sa.text("payload_purged_at IS NULL"),
    ),
)

disclosures = sa.Table(
    "disclosures",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("report_id", sa.ForeignKey("reports.id"), nullable=False, index=True),
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False, index=True),
    sa.Column("agreement_id", sa.String(100), nullable=False),
    sa.Column("agreement_version", sa.Integer, nullable=False),
    sa.Column("basis", sa.String(8), nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("state", sa.String(24), nullable=False),
    _timestamp("created_at"),
    _timestamp("updated_at"),
    _timestamp("delivered_at", nullable=True),
    _timestamp("acknowledged_at", nullable=True),
    sa.Column("outcome", sa.String(24)),
    sa.Column("outcome_reason", sa.String(500)),  # before 0008 only: now sealed, below
    sa.Column("sealed_outcome_reason", sa.LargeBinary),
    _timestamp("outcome_at", nullable=True),
    # The subject, and a per-person counter so recipients can apply changes in order.
    sa.Column("person_id", sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    # Position in the recipient's pull feed, assigned in commit order by the feed sequencer.
    sa.Column("feed_position", sa.BigInteger, unique=True),
    _timestamp("acknowledge_by", nullable=True),
    _timestamp("next_chase_at", nullable=True),
    sa.Column("chases", sa.Integer, nullable=False, server_default="0"),
    # Still unacknowledged after TELLONCE_CHASE_ESCALATE_AFTER reminders: an operator's job now.
    _timestamp("escalated_at", nullable=True),
    sa.Index("ix_disclosures_recipient_id_feed_position", "recipient_id", "feed_position"),
    sa.Index("ix_disclosures_next_chase_at", "next_chase_at"),
    # The worker's search for disclosures without a deadline (migration 0013): only those rows.
    sa.Index(
        "ix_disclosures_without_deadline",
        "created_at",
        "id",
        postgresql_where=sa.text("acknowledge_by IS NULL AND acknowledged_at IS NULL"),
        sqlite_where=sa.text("acknowledge_by IS NULL AND acknowledged_at IS NULL"),
    ),
    sa.ForeignKeyConstraint(
        ["agreement_id", "agreement_version"],
        ["agreement_versions.agreement_id", "agreement_versions.version"],
        name="fk_disclosures_agreement_version",
    ),
)

# The transactional outbox: one row per message waiting to be pushed, written in the same
# transaction as what it announces. The worker claims due rows with a lease; a crashed worker's
# rows come back when the lease expires. ``message_id`` is the CloudEvent id and webhook-id: it
# never changes across retries, so receivers can drop duplicates.
delivery_queue = sa.Table(
    "delivery_queue",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(64), nullable=False, unique=True),
    sa.Column("disclosure_id", sa.ForeignKey("disclosures.id"), nullable=False, index=True),
    # The disclosure's recipient, so the claim reads no disclosures (migration 0014).
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # domain.delivery_queue.QueueKind
    sa.Column("state", sa.String(16), nullable=False),  # pending, dead, paused, done
    _timestamp("due_at"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(64)),
    _timestamp("lease_expires_at", nullable=True),
    _timestamp("created_at"),
    sa.Index("ix_delivery_queue_state_due_at", "state", "due_at"),
)

# Every push attempt, append-only: when, what came back, how long it took.
delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(64), nullable=False, index=True),
    sa.Column("disclosure_id", sa.ForeignKey("disclosures.id"), nullable=False, index=True),
    _timestamp("attempted_at"),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.String(200)),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("verdict", sa.String(24), nullable=False),
)

# Messages to citizens, written in the transaction of what they announce (an acknowledgement,
# an outcome) and sent afterwards by the worker: a crash can delay a message, never lose it.
citizen_messages = sa.Table(
    "citizen_messages",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # also the reference given to GOV.UK Notify
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("template", sa.String(40), nullable=False),
    # Only what the templates allow: a report reference, an organisation's name, an outcome.
    sa.Column("personalisation", sa.JSON, nullable=False),
    sa.Column("state", sa.String(8), nullable=False),  # pending, sent, no-email, failed
    _timestamp("due_at"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(64)),
    _timestamp("lease_expires_at", nullable=True),
    _timestamp("created_at"),
    _timestamp("sent_at", nullable=True),
    sa.Index("ix_citizen_messages_state_due_at", "state", "due_at"),
)

# Messages to a recipient's contact address from the catalogue (an overdue reminder), written in
# the transaction of the chase that decides them and sent by the worker like citizens' messages.
recipient_messages = sa.Table(
    "recipient_messages",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # also the reference given to GOV.UK Notify
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False, index=True),
    sa.Column("template", sa.String(40), nullable=False),
    # Only what the templates allow: a disclosure id, a deadline, a reminder number.
    sa.Column("personalisation", sa.JSON, nullable=False),
    sa.Column("state", sa.String(8), nullable=False),  # pending, sent, failed
    _timestamp("due_at"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(64)),
    _timestamp("lease_expires_at", nullable=True),
    _timestamp("created_at"),
    _timestamp("sent_at", nullable=True),
    sa.Index("ix_recipient_messages_state_due_at", "state", "due_at"),
)

consent_records = sa.Table(
    "consent_records",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("report_id", sa.ForeignKey("reports.id"), nullable=False, index=True),
    sa.Column("person_id", sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False),
    sa.Column("agreement_id", sa.String(100), nullable=False),
    sa.Column("agreement_version", sa.Integer, nullable=False),
    sa.Column("decision", sa.String(8), nullable=False),
    sa.Column("purpose", sa.String(100), nullable=False),
    sa.Column("legal_basis", sa.String(100), nullable=False),
    sa.Column("preview_version", sa.Integer, nullable=False),
    sa.Column("preview_digest", sa.String(64), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    _timestamp("recorded_at"),
    _timestamp("withdrawn_at", nullable=True),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("caller", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("request_digest", sa.String(64), nullable=False),
    sa.Column("report_reference", sa.String(16)),
    # An in-progress claim is abandoned if its holder crashed; after this it may be retaken.
    _timestamp("locked_until"),
    _timestamp("expires_at"),
    sa.Index("ix_idempotency_keys_expires_at", "expires_at"),
)

# One row per named counter or lease (the feed sequencer, the log sequencer).
hub_state = sa.Table(
    "hub_state",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("lease_owner", sa.String(64)),
    _timestamp("lease_expires_at", nullable=True),
)

# Answers in progress in the portal: sealed under the citizen's key, expiring, found by an
# opaque id held in a cookie.
portal_drafts = sa.Table(
    "portal_drafts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("sealed_answers", sa.LargeBinary, nullable=False),
    _timestamp("updated_at"),
    _timestamp("expires_at"),
)

# The transparency log (docs/adr/0020-transparency-log.md). Entries are written once, in the
# transaction of what they record, with their ids in log_pending; the sequencer takes them
# in batches, records which leaves they became as runs of consecutive ids (log_runs), stores
# the hash tiles and signs a checkpoint. No entry row is ever updated: per-row updates would
# cap the sequencer far below its target on PostgreSQL. report_id and person_id are private
# (they find a citizen's entries for a receipt); the public entry holds neither.
log_entries = sa.Table(
    "log_entries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("entry", sa.LargeBinary, nullable=False),  # canonical JSON (RFC 8785)
    sa.Column("report_id", sa.ForeignKey("reports.id"), index=True),
    _timestamp("recorded_at"),
    sa.Column("person_id", sa.ForeignKey("people.id")),  # whose commitment key, if any
)

# Pending entries as ranges of ids: one row per transaction that wrote entries (per run of
# consecutive ids), not one per entry, so recording stays cheap for the use cases.
log_pending = sa.Table(
    "log_pending",
    metadata,
    sa.Column(
        "first_entry_id",
        sa.BigInteger,
        sa.ForeignKey("log_entries.id"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("count", sa.Integer, nullable=False),
)

# Leaves first_leaf .. first_leaf + count - 1 are the entries with ids first_entry_id .. + count
# - 1. Ids commit out of order on PostgreSQL, so a batch is one run per gap, not always one.
log_runs = sa.Table(
    "log_runs",
    metadata,
    sa.Column("first_leaf", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column(
        "first_entry_id",
        sa.BigInteger,
        sa.ForeignKey("log_entries.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("count", sa.Integer, nullable=False),
)

# The commitment for each disclosure's future "disclosure-delivered" entry, made at submission
# while the person's key is at hand; taken (deleted) when the entry is written, so a disclosure
# is logged as delivered at most once.
log_delivery_commitments = sa.Table(
    "log_delivery_commitments",
    metadata,
    sa.Column("disclosure_id", sa.ForeignKey("disclosures.id"), primary_key=True),
    sa.Column("entry_id", sa.String(36), nullable=False),
    sa.Column("commitment", sa.LargeBinary(32), nullable=False),
)

log_tiles = sa.Table(
    "log_tiles",
    metadata,
    sa.Column("level", sa.Integer, primary_key=True),
    sa.Column("tile_index", sa.BigInteger, primary_key=True),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("hashes", sa.LargeBinary, nullable=False),
)

log_checkpoints = sa.Table(
    "log_checkpoints",
    metadata,
    sa.Column("size", sa.BigInteger, primary_key=True),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    _timestamp("signed_at"),
)

# Rights requests (docs/rights.md): each with its statutory deadline. ``due_on`` is recomputed
# by the use case on every change (received, extended, paused, resumed) so operators can list
# the overdue with one indexed query; NULL while the clock is paused. ``extension_reason`` is
# written by an operator and told to the citizen, never logged.
rights_requests = sa.Table(
    "rights_requests",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("person_id", sa.ForeignKey("people.id"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # domain.rights.RightKind
    sa.Column("state", sa.String(8), nullable=False),  # open, paused, closed
    _timestamp("received_at"),
    sa.Column("due_on", sa.Date),
    sa.Column("extension_months", sa.Integer, nullable=False, server_default="0"),
    sa.Column("extension_reason", sa.String(500)),
    sa.Column("pauses", sa.JSON, nullable=False),  # [[start, end or null], ...] ISO dates
    sa.Column("outcome", sa.String(24)),
    sa.Column("limits", sa.JSON),  # [{"reason", "article", "dpv"}, ...] for refusals and limits
    _timestamp("closed_at", nullable=True),
    sa.Index("ix_rights_requests_state_due_on", "state", "due_on"),
)

# Restriction (Art. 18) and objection (Art. 21) in force for an account: while a row has no
# ``lifted_at``, new and not-yet-delivered disclosures under the lawful bases it stops are held.
processing_flags = sa.Table(
    "processing_flags",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # restriction or objection
    sa.Column("request_id", sa.ForeignKey("rights_requests.id"), nullable=False),
    _timestamp("set_at"),
    _timestamp("lifted_at", nullable=True),
)

# Corrections (Art. 16, 19): one row per earlier recipient told of a corrected detail, tracked
# like a disclosure. ``message_id`` is the CloudEvent id (the correction id as text), which the
# push attempts in ``delivery_attempts`` carry; ``fetched_at`` is set when a pull recipient
# collects it. ``fields`` are the recipient's agreed paths the correction touched.
corrections = sa.Table(
    "corrections",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("message_id", sa.String(64), nullable=False, unique=True),
    sa.Column("report_id", sa.ForeignKey("reports.id"), nullable=False, index=True),
    sa.Column("disclosure_id", sa.ForeignKey("disclosures.id"), nullable=False),
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), nullable=False, index=True),
    sa.Column("fields", sa.JSON, nullable=False),
    # The rectification request, open until every recipient told has answered.
    sa.Column("request_id", sa.ForeignKey("rights_requests.id"), index=True),
    _timestamp("created_at"),
    _timestamp("fetched_at", nullable=True),
    _timestamp("acknowledged_at", nullable=True),
    sa.Column("outcome", sa.String(24)),
    # The recipient's reason, sealed under the subject's key (0012; ADR 0077).
    sa.Column("sealed_outcome_reason", sa.LargeBinary),
    _timestamp("outcome_at", nullable=True),
)

# Staff of the hub (operators) and of recipients (caseworkers, managers), signed in to the
# console and administration (ADR 0091). Work addresses, never citizens'; removing a member
# keeps the row so the log's pseudonymous actor ids stay explainable to an auditor.
staff_members = sa.Table(
    "staff_members",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # operator, manager, caseworker
    sa.Column("recipient_id", sa.ForeignKey("recipients.id"), index=True),  # None: operator
    _timestamp("created_at"),
    _timestamp("removed_at", nullable=True),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
    sa.Column("staff_id", sa.ForeignKey("staff_members.id"), nullable=False, index=True),
    _timestamp("created_at"),
    _timestamp("expires_at"),
)

# Catalogue changes waiting for a second operator (four-eyes, ADR 0092): an agreement (new or
# changed), a recipient (new or changed) or an agreement's retirement.
catalogue_proposals = sa.Table(
    "catalogue_proposals",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # agreement, recipient, retirement
    sa.Column("subject_id", sa.String(100), nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("summary", sa.String(500), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # proposed, approved, rejected
    sa.Column("proposed_by", sa.ForeignKey("staff_members.id"), nullable=False),
    _timestamp("proposed_at"),
    sa.Column("decided_by", sa.ForeignKey("staff_members.id")),
    _timestamp("decided_at", nullable=True),
)
