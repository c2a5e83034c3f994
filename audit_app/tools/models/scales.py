"""Scales: ordered levels with label, score and colour. Each version holds its own frozen copy of the scales it uses."""

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.core.models.base import Base


class Scale(Base):
    """A grading scale within a template version (``OFSTED4``, ``MET4``, ``RAG``, ``YPNA``...)."""

    __tablename__ = "scales"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The template version that owns this copy.
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"), nullable=False, index=True)
    #: Code, unique within the version.
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Name shown to designers.
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: What the scale is for.
    description: Mapped[str | None] = mapped_column(Text)

    version = relationship("TemplateVersion", back_populates="scales")
    levels = relationship("ScaleLevel", back_populates="scale", order_by="ScaleLevel.position",
                          cascade="all, delete-orphan")  # fmt: skip

    def level(self, value):
        """The level with this value, or None."""
        return next((level for level in self.levels if level.value == value), None)

    @property
    def top_scored_level(self):
        scored = [level for level in self.levels if level.is_scored and level.score is not None]
        return max(scored, key=lambda level: level.score) if scored else None


class ScaleLevel(Base):
    """One level of a scale, best first. A level can be left out of scoring (Not applicable)."""

    __tablename__ = "scale_levels"
    __table_args__ = (UniqueConstraint("scale_id", "value"),)

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The scale.
    scale_id: Mapped[int] = mapped_column(ForeignKey("scales.id"), nullable=False, index=True)
    #: Order within the scale (0 = first shown).
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Stable key stored in answers (``good``, ``partially_met``).
    value: Mapped[str] = mapped_column(String(40), nullable=False)
    #: Label shown to auditors.
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    #: Score (higher is better); None for unscored levels.
    score: Mapped[float | None] = mapped_column(Float)
    #: Colour as ``#rrggbb`` for charts and tags.
    colour: Mapped[str | None] = mapped_column(String(7))
    #: Counted in means and distributions (False for Not applicable).
    is_scored: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Grading descriptor: what this level means.
    description: Mapped[str | None] = mapped_column(Text)

    scale = relationship("Scale", back_populates="levels")
