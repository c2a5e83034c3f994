"""Assignments (one agency's return for one case, or for a self-assessment) and their answers."""

import enum

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.agencies.models.agencies import enum_column
from audit_app.core.errors import InvalidTransition
from audit_app.core.models.base import Base, UTCDateTime, utcnow


class AssignmentStatus(enum.StrEnum):
    """Where a return is."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    NOT_KNOWN = "not_known"
    OUT_OF_SCOPE = "out_of_scope"

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    AssignmentStatus.NOT_STARTED: "Not started",
    AssignmentStatus.IN_PROGRESS: "In progress",
    AssignmentStatus.SUBMITTED: "Submitted",
    AssignmentStatus.RETURNED: "Returned for amendment",
    AssignmentStatus.ACCEPTED: "Accepted",
    AssignmentStatus.NOT_KNOWN: "Not known to agency",
    AssignmentStatus.OUT_OF_SCOPE: "Out of scope",
}
#: Statuses in which the agency can still edit.
EDITABLE = frozenset({AssignmentStatus.NOT_STARTED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED})
#: Statuses that count as a completed return for participation.
COMPLETE = frozenset({AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED})
DECLINED = frozenset({AssignmentStatus.NOT_KNOWN, AssignmentStatus.OUT_OF_SCOPE})


class Assignment(Base):
    """One agency's return: for one case (case audit) or for the agency (self-assessment)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("cycle_id", "agency_id", "case_id"),
        Index("ix_assignments_agency_status", "agency_id", "status"),
    )
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The cycle.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), nullable=False, index=True)
    #: The agency completing it.
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), nullable=False)
    #: The case (None for a self-assessment).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    #: Where the return is.
    status: Mapped[AssignmentStatus] = enum_column(AssignmentStatus, nullable=False,
                                                   default=AssignmentStatus.NOT_STARTED)  # fmt: skip
    #: The auditor the agency lead gave it to (None: anyone in the agency).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Why the agency declined (not known or out of scope).
    decline_reason: Mapped[str | None] = mapped_column(Text)
    #: Why the reviewer returned it for amendment (shown at the top of the return).
    returned_reason: Mapped[str | None] = mapped_column(Text)
    #: The sign-off block (completed_by, role, senior_sign_off, sign_off_date) for self-assessments.
    sign_off: Mapped[dict | None] = mapped_column(JSON)
    #: When the agency lead signed it off.
    signed_off_at = mapped_column(UTCDateTime)
    #: Who signed it off.
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was (last) submitted.
    submitted_at = mapped_column(UTCDateTime)
    #: Who submitted it.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When a reviewer accepted it.
    accepted_at = mapped_column(UTCDateTime)
    #: When it was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When it was last saved.
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    #: Optimistic-locking counter: a save based on an older version is refused, never silently applied.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    cycle = relationship("Cycle", back_populates="assignments")
    agency = relationship("Agency")
    case = relationship("Case")
    assignee = relationship("User", foreign_keys=[assignee_id])
    answers = relationship("Answer", back_populates="assignment", cascade="all, delete-orphan")
    section_responses = relationship("SectionResponse", back_populates="assignment", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_editable(self):
        return self.status in EDITABLE and self.cycle.is_open

    @property
    def label(self):
        return f"{self.agency.name}: {self.case.reference}" if self.case else self.agency.name

    def _require(self, allowed, action):
        if self.status not in allowed:
            raise InvalidTransition(f"A return that is {self.status.label.lower()} cannot be {action}.")

    def mark_in_progress(self):
        """The first save of a not-started or returned return."""
        self._require(EDITABLE, "edited")
        self.status = AssignmentStatus.IN_PROGRESS

    def submit(self, user):
        self._require(EDITABLE, "submitted")
        self.status, self.submitted_at, self.submitted_by_id = AssignmentStatus.SUBMITTED, utcnow(), user.id
        self.returned_reason = None

    def decline(self, status, reason):
        self._require(EDITABLE, "declined")
        if status not in DECLINED:
            raise InvalidTransition("A return can be declined only as not known or out of scope.")
        self.status, self.decline_reason = status, reason

    def reopen(self):
        """Undo a decline (the agency found it does know the case)."""
        self._require(DECLINED, "reopened")
        self.status, self.decline_reason = AssignmentStatus.IN_PROGRESS, None

    def return_for_amendment(self, reason):
        self._require({AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED}, "returned")
        self.status, self.returned_reason, self.accepted_at = AssignmentStatus.RETURNED, reason, None

    def accept(self):
        self._require({AssignmentStatus.SUBMITTED}, "accepted")
        self.status, self.accepted_at = AssignmentStatus.ACCEPTED, utcnow()


class Answer(Base):
    """An answer to one question in one return, with the auditor's comment. Changes are kept in the audit trail."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("assignment_id", "question_id"),)
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The return.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False)
    #: The question (of the cycle's template version).
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), nullable=False, index=True)
    #: The value: a level or option value, a list of option values, a number, an ISO date or text.
    value: Mapped[object] = mapped_column(JSON)
    #: The auditor's comment or evidence note.
    comment: Mapped[str | None] = mapped_column(Text)
    #: The level's score for scale questions (kept for aggregation in SQL).
    score: Mapped[float | None] = mapped_column(Float)
    #: For a mid-year update: progress since the annual return.
    progress_update: Mapped[str | None] = mapped_column(Text)
    #: When it was last changed.
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    #: Who last changed it.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assignment = relationship("Assignment", back_populates="answers")
    question = relationship("Question")


class SectionResponse(Base):
    """Per-section free text and grade: good practice, areas for development, section grade."""

    __tablename__ = "section_responses"
    __table_args__ = (UniqueConstraint("assignment_id", "section_code"),)
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The return.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False)
    #: The section's code.
    section_code: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Good practice seen.
    good_practice: Mapped[str | None] = mapped_column(Text)
    #: Areas for development.
    areas_for_development: Mapped[str | None] = mapped_column(Text)
    #: The section grade (a level value of the section's grade scale).
    grade: Mapped[str | None] = mapped_column(String(40))

    assignment = relationship("Assignment", back_populates="section_responses")
