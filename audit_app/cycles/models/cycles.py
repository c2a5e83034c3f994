"""A cycle: one run of an audit tool over a scope, with its cases and taking-part agencies."""

import enum

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.agencies.models.agencies import enum_column
from audit_app.core.errors import InvalidTransition
from audit_app.core.models.base import Base, UTCDateTime, utcnow

#: The agencies taking part in a cycle.
cycle_agencies = Table(
    "cycle_agencies",
    Base.metadata,
    Column("cycle_id", ForeignKey("cycles.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id"), primary_key=True, index=True),
)


class CycleStatus(enum.StrEnum):
    """draft -> open -> closed -> reported."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    REPORTED = "reported"


class Cycle(Base):
    """An audit run: template version, scope period, dates, agencies and (for case audits) a sample of cases."""

    __tablename__ = "cycles"
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The published template version every return answers.
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"), nullable=False, index=True)
    #: Title, e.g. "FSA multi-agency case audit, spring 2026".
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    #: First day of the period the audit looks at.
    scope_start = mapped_column(Date, nullable=False)
    #: Last day of the period the audit looks at.
    scope_end = mapped_column(Date, nullable=False)
    #: When agencies can start (the scheduler opens the cycle that day).
    opens_on = mapped_column(Date, nullable=False)
    #: When returns are due.
    due_on = mapped_column(Date, nullable=False, index=True)
    #: Date of the multi-agency discussion meeting, if there is one.
    meeting_on = mapped_column(Date)
    #: For a mid-year update of an annual self-assessment: when progress updates are due.
    mid_year_due_on = mapped_column(Date)
    #: Draft, open, closed or reported.
    status: Mapped[CycleStatus] = enum_column(CycleStatus, nullable=False, default=CycleStatus.DRAFT, index=True)
    #: The cycle this one follows (last year's S11 or S175), whose answers are shown beside the questions.
    previous_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("cycles.id"))
    #: Terms of reference: theme, key lines of enquiry, cohort criteria.
    terms_of_reference: Mapped[str | None] = mapped_column(Text)
    #: After this date the cycle's returns may be purged (UK GDPR retention).
    retain_until = mapped_column(Date)
    #: Who created it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When it was opened.
    opened_at = mapped_column(UTCDateTime)
    #: When it was closed.
    closed_at = mapped_column(UTCDateTime)
    #: Optimistic-locking counter.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    template_version = relationship("TemplateVersion")
    previous_cycle = relationship("Cycle", remote_side=[id])
    agencies = relationship("Agency", secondary=cycle_agencies, order_by="Agency.name")
    cases = relationship("Case", back_populates="cycle", order_by="Case.position", cascade="all, delete-orphan")
    assignments = relationship("Assignment", back_populates="cycle", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_case_audit(self):
        return self.template_version.template.kind.value == "case_audit"

    @property
    def is_open(self):
        return self.status == CycleStatus.OPEN

    def open(self):
        """Let agencies start. :raises InvalidTransition: not a draft."""
        if self.status != CycleStatus.DRAFT:
            raise InvalidTransition(f"Only a draft cycle can be opened; this one is {self.status.value}.")
        self.status, self.opened_at = CycleStatus.OPEN, utcnow()

    def close(self):
        """Stop changes to returns. :raises InvalidTransition: not open."""
        if self.status != CycleStatus.OPEN:
            raise InvalidTransition(f"Only an open cycle can be closed; this one is {self.status.value}.")
        self.status, self.closed_at = CycleStatus.CLOSED, utcnow()

    def reopen(self):
        """Open a closed cycle again (late returns). :raises InvalidTransition: not closed."""
        if self.status != CycleStatus.CLOSED:
            raise InvalidTransition("Only a closed cycle can be reopened.")
        self.status, self.closed_at = CycleStatus.OPEN, None

    def mark_reported(self):
        """Record that the cycle has been reported. :raises InvalidTransition: not closed."""
        if self.status != CycleStatus.CLOSED:
            raise InvalidTransition("Close the cycle before marking it reported.")
        self.status = CycleStatus.REPORTED


class Case(Base):
    """A case in a case audit's sample, known only by a pseudonymised reference."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("cycle_id", "reference"),)
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The cycle.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), nullable=False, index=True)
    #: Pseudonymised reference (never a name, date of birth or NHS number).
    reference: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Order in the sample.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    cycle = relationship("Cycle", back_populates="cases")
