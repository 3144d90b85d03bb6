"""The Today page's items, kept as rows: what the rules in coach/today/rules.py say is due
for each client, written again in the same transaction whenever a record they read
changes (coach/today/kept.py)."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from coach.extensions import db


class DueItem(db.Model):
    """One thing due for a client: its kind (the rule), what to do, and by when. It shows
    on Today from `opens_at` until `closes_at`: the times a rule's item starts and stops
    counting without any record changing (a job's weekly phase ends, an unanswered
    message is 60 days old); ALWAYS and NEVER when it has none (plain comparisons keep
    the page's count over every coach's items in the index)."""

    __tablename__ = "due_items"
    __table_args__ = (
        # Today reads this index alone to find and count a coach's open items by due
        # time (a supervisor's: every coach's), then the rows of the few it shows.
        sa.Index("ix_due_items_coach_due", "coach_id", "due_at", "opens_at", "closes_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(30))
    client_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    # Whose Today it is on: the client's coach (a job lead's: the coach who owns it).
    coach_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    source_id: so.Mapped[int]  # the record that made it: the call, the job, the lead…
    due_at: so.Mapped[datetime]  # naive UTC
    todo: so.Mapped[str] = so.mapped_column(sa.String(120))
    opens_at: so.Mapped[datetime]
    closes_at: so.Mapped[datetime]


ALWAYS = datetime(1900, 1, 1)  # an item open from the start
NEVER = datetime(9999, 12, 31)  # an item that closes only when its record changes
