"""The partnership and its member agencies."""

import enum

from sqlalchemy import Boolean, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.core.models.base import Base, UTCDateTime, utcnow


def enum_column(enum_cls, **kwargs):
    """A portable enum column stored as its string values (no native type, so migrations stay simple)."""
    return mapped_column(
        Enum(enum_cls, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e]), **kwargs
    )


class AgencyKind(enum.StrEnum):
    """What sort of organisation an agency is; audit questions can be limited to kinds."""

    POLICE = "police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    EARLY_HELP = "early_help"
    ACUTE_HEALTH = "acute_health"
    COMMUNITY_HEALTH = "community_health"
    ICB = "icb"
    GP_PRACTICE = "gp_practice"
    PROBATION = "probation"
    YOUTH_JUSTICE = "youth_justice"
    CAFCASS = "cafcass"
    VOLUNTARY_SECTOR = "voluntary_sector"
    SCHOOL = "school"
    COLLEGE = "college"
    EARLY_YEARS = "early_years"
    CHILDMINDER = "childminder"
    LOCAL_AUTHORITY = "local_authority"
    OTHER = "other"

    @property
    def label(self):
        return AGENCY_KIND_LABELS[self]


AGENCY_KIND_LABELS = {
    AgencyKind.POLICE: "Police",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's social care",
    AgencyKind.EARLY_HELP: "Early help",
    AgencyKind.ACUTE_HEALTH: "Acute hospital trust",
    AgencyKind.COMMUNITY_HEALTH: "Community or mental health trust",
    AgencyKind.ICB: "Integrated care board",
    AgencyKind.GP_PRACTICE: "GP practice",
    AgencyKind.PROBATION: "Probation service",
    AgencyKind.YOUTH_JUSTICE: "Youth justice service",
    AgencyKind.CAFCASS: "Cafcass",
    AgencyKind.VOLUNTARY_SECTOR: "Voluntary or community sector",
    AgencyKind.SCHOOL: "School",
    AgencyKind.COLLEGE: "College (further education)",
    AgencyKind.EARLY_YEARS: "Early years setting",
    AgencyKind.CHILDMINDER: "Childminder",
    AgencyKind.LOCAL_AUTHORITY: "Other local authority service",
    AgencyKind.OTHER: "Other",
}


class StatutoryDuty(enum.StrEnum):
    """The safeguarding duty that brings an agency into the annual self-assessment."""

    S11 = "s11"
    S175 = "s175"
    NONE = "none"

    @property
    def label(self):
        return {"s11": "Section 11 (Children Act 2004)", "s175": "Section 175/157 (Education Act 2002)"}.get(
            self.value, "None"
        )


class Partnership(Base):
    """The safeguarding children partnership this deployment serves (one per deployment)."""

    __tablename__ = "partnerships"
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The partnership's name as it appears on pages, e-mails and reports.
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: The area it covers (local authority area or areas).
    area: Mapped[str | None] = mapped_column(String(200))
    #: The business unit's contact address, shown in e-mails.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: When it was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class Agency(Base):
    """A member agency or setting (a police force, a trust, a school, a childminder...)."""

    __tablename__ = "agencies"
    __auditable__ = True

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Name, unique within the partnership.
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    #: What sort of organisation it is.
    kind: Mapped[AgencyKind] = enum_column(AgencyKind, nullable=False, index=True)
    #: Its statutory safeguarding duty (S11, S175 or none).
    duty: Mapped[StatutoryDuty] = enum_column(StatutoryDuty, nullable=False, default=StatutoryDuty.NONE)
    #: Inactive agencies keep their history but take part in no new cycle.
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: A shared mailbox for the agency's safeguarding lead (optional).
    contact_email: Mapped[str | None] = mapped_column(String(254))
    #: Free notes by the business unit.
    notes: Mapped[str | None] = mapped_column(Text)
    #: When it was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Optimistic-locking counter: a stale edit is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    users = relationship("User", back_populates="agency", lazy="select")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self):
        return f"<Agency {self.id} {self.name!r}>"
