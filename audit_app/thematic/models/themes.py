"""A theme of the partnership's taxonomy; codes are a stable contract across questions, findings and reviews."""

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from audit_app.core.models.base import Base


class Theme(Base):
    """One theme (``VOC`` voice of the child, ``CHL`` professional challenge and escalation, ...)."""

    __tablename__ = "themes"
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stable short code (upper case), used in templates, workbooks and the API.
    code: Mapped[str] = mapped_column(String(10), nullable=False, unique=True)
    #: Label shown to users.
    label: Mapped[str] = mapped_column(String(120), nullable=False)
    #: What the theme covers, for people tagging.
    description: Mapped[str | None] = mapped_column(Text)
    #: Lower-case phrases that suggest the theme in free text.
    phrases: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    #: Position in lists.
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Retired themes stay on old records but are not offered for new tagging.
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self):
        return f"<Theme {self.code}>"
