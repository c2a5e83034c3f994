"""Templates and their versions: draft (editable), published (frozen for ever), retired."""

import enum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.agencies.models.agencies import enum_column
from audit_app.core.errors import InvalidTransition
from audit_app.core.models.base import Base, UTCDateTime, utcnow


class TemplateKind(enum.StrEnum):
    """A case audit is answered once per case and agency; a self-assessment once per agency (S11, S175)."""

    CASE_AUDIT = "case_audit"
    SELF_ASSESSMENT = "self_assessment"

    @property
    def label(self):
        return {"case_audit": "Case audit", "self_assessment": "Self-assessment"}[self.value]


class VersionStatus(enum.StrEnum):
    """Where a template version is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Template(Base):
    """An audit tool (the FSA case audit, the S11 self-assessment...), with its versions."""

    __tablename__ = "templates"
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stable code (``FSA_MACA``), unique; workbooks and the API refer to it.
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    #: Name as shown to auditors.
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Case audit or self-assessment.
    kind: Mapped[TemplateKind] = enum_column(TemplateKind, nullable=False)
    #: Shipped with Assure (the built-in library) rather than designed by the partnership.
    is_builtin: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: When it was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    versions = relationship(
        "TemplateVersion", back_populates="template", order_by="TemplateVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    @property
    def published_version(self):
        """The newest published version, which new cycles use."""
        published = [v for v in self.versions if v.status == VersionStatus.PUBLISHED]
        return published[-1] if published else None

    @property
    def draft_version(self):
        drafts = [v for v in self.versions if v.status == VersionStatus.DRAFT]
        return drafts[-1] if drafts else None


class TemplateVersion(Base):
    """One version of a template. Only a draft can change; publishing freezes it for ever."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The template.
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id"), nullable=False, index=True)
    #: 1, 2, 3... within the template.
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Draft, published or retired.
    status: Mapped[VersionStatus] = enum_column(VersionStatus, nullable=False, default=VersionStatus.DRAFT)
    #: Name of the tool in this version (a version may rename it).
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Purpose, who completes it and the scope, shown at the top of every return.
    description: Mapped[str | None] = mapped_column(Text)
    #: Instructions to the agency auditor.
    guidance: Mapped[str | None] = mapped_column(Text)
    #: Whether returns end with a sign-off block (completed by, role, senior sign-off or governor, date).
    has_sign_off: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Theme codes of the template as a whole.
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: What changed in this version, for the people who use it.
    change_notes: Mapped[str | None] = mapped_column(Text)
    #: When it was published.
    published_at = mapped_column(UTCDateTime)
    #: Who published it.
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Optimistic-locking counter for the builder: two admins editing one draft never overwrite each other.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    template = relationship("Template", back_populates="versions")
    sections = relationship(
        "Section", back_populates="version", order_by="Section.position", cascade="all, delete-orphan"
    )
    questions = relationship("Question", back_populates="version", order_by="Question.position", viewonly=True)
    scales = relationship("Scale", back_populates="version", order_by="Scale.code", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def is_draft(self):
        return self.status == VersionStatus.DRAFT

    @property
    def label(self):
        return f"{self.template.name}, version {self.number} ({self.status.value})"

    def ordered_questions(self):
        """Questions in section order, then position within the section."""
        return [q for s in self.sections for q in s.questions]

    def publish(self, user=None):
        """Freeze a draft. :raises InvalidTransition: not a draft."""
        if self.status != VersionStatus.DRAFT:
            raise InvalidTransition(f"Only a draft can be published; this version is {self.status.value}.")
        self.status, self.published_at = VersionStatus.PUBLISHED, utcnow()
        self.published_by_id = getattr(user, "id", None)

    def retire(self):
        """Stop offering a published version for new cycles. :raises InvalidTransition: not published."""
        if self.status != VersionStatus.PUBLISHED:
            raise InvalidTransition("Only a published version can be retired.")
        self.status = VersionStatus.RETIRED
