"""The kinds of message the delivery queue pushes to recipients, all about one disclosure."""

from __future__ import annotations

from enum import StrEnum


class QueueKind(StrEnum):
    """Stored in ``delivery_queue.kind``: the values are the database's and never change."""

    DISCLOSURE = "disclosure"  # the disclosure itself; its message id is the disclosure id
    OVERDUE = "overdue"  # a reminder that its acknowledgement is overdue (a new id each time)
    CONSENT_WITHDRAWN = "withdrawal"  # the citizen withdrew the consent behind it
    ERASURE_REQUESTED = "erasure"  # the citizen had the hub erase their data (Art. 17, 19)
    CORRECTION = "correction"  # the citizen corrected a detail it holds; id: the correction's


# What becomes pointless once the recipient has answered, or the consent is withdrawn: the data
# itself and reminders to acknowledge it. A consent-withdrawn notice must still go.
ABOUT_THE_DATA = (QueueKind.DISCLOSURE, QueueKind.OVERDUE)
