"""Sections of a template version and their questions."""

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.core.models.base import Base

#: Themes tagged on a question (for counting answers by theme in SQL).
question_themes = Table(
    "question_themes",
    Base.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id"), primary_key=True, index=True),
)


class Section(Base):
    """A section of a template version, optionally asking for good practice, areas for development and a grade."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The template version.
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"), nullable=False, index=True)
    #: Order within the version.
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Code, unique within the version.
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Heading shown to auditors.
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    #: Shown at the top of the section.
    description: Mapped[str | None] = mapped_column(Text)
    #: Ask for good practice seen (free text).
    ask_good_practice: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Ask for areas for development (free text).
    ask_areas_for_development: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Ask for a section grade on this scale (None for no grade).
    grade_scale_id: Mapped[int | None] = mapped_column(ForeignKey("scales.id"))

    version = relationship("TemplateVersion", back_populates="sections")
    questions = relationship("Question", back_populates="section", order_by="Question.position",
                             cascade="all, delete-orphan")  # fmt: skip
    grade_scale = relationship("Scale")


class Question(Base):
    """A question: its stable code, text, guidance, type, scale or options, rules, themes and show-if condition."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The template version (denormalised from the section for unique codes and quick lookups).
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"), nullable=False, index=True)
    #: The section.
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"), nullable=False, index=True)
    #: Order within the section.
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Stable code across versions, so results compare year on year.
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    #: The question as auditors read it.
    text: Mapped[str] = mapped_column(Text, nullable=False)
    #: Guidance shown beside the question: what to look for, what good looks like.
    guidance: Mapped[str | None] = mapped_column(Text)
    #: Question type code (see ``audit_app.tools.question_types``).
    type: Mapped[str] = mapped_column(String(30), nullable=False)
    #: The scale, for scale, yes/no/partly and RAG questions.
    scale_id: Mapped[int | None] = mapped_column(ForeignKey("scales.id"))
    #: Options for choice questions: ``[{"value", "label"}]``.
    options: Mapped[list | None] = mapped_column(JSON)
    #: Lower bound for number questions.
    min_value: Mapped[float | None] = mapped_column(Float)
    #: Upper bound for number questions.
    max_value: Mapped[float | None] = mapped_column(Float)
    #: Must be answered before submitting (unless hidden by its condition).
    is_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Show only when ``{"question": CODE, "op": "equals"|"one_of"|"answered", "value": ...}`` holds.
    show_if: Mapped[dict | None] = mapped_column(JSON)
    #: Only agencies of these kinds see the question (None: every agency).
    agency_kinds: Mapped[list | None] = mapped_column(JSON)

    version = relationship("TemplateVersion")
    section = relationship("Section", back_populates="questions")
    scale = relationship("Scale")
    themes = relationship("Theme", secondary=question_themes, order_by="Theme.position")

    @property
    def theme_codes(self):
        return [t.code for t in self.themes]

    @property
    def option_labels(self):
        return {o["value"]: o["label"] for o in self.options or []}
