"""Users, their one-time links (invitation, password reset), API tokens and sign-in attempts."""

import enum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_app.agencies.models.agencies import enum_column
from audit_app.core.models.base import Base, UTCDateTime, utcnow
from audit_app.core.permissions import Role


class User(UserMixin, Base):
    """A person who signs in. Agency roles (auditor, lead) belong to exactly one agency."""

    __tablename__ = "users"
    __auditable__ = True
    __audit_exclude__ = frozenset({"password_hash"})

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Sign-in e-mail, stored lower-case, unique.
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    #: Full name as shown to colleagues.
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    #: What the user may do.
    role: Mapped[Role] = enum_column(Role, nullable=False)
    #: The user's agency (agency roles only).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    #: Argon2id hash; None until the user sets a password through their invitation.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Deactivated users cannot sign in; their sessions end at once.
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Must choose a new password at next sign-in (one-time passwords).
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: Bumped on sign-out, deactivation and password change: every existing session then ends.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    #: When the user last signed in.
    last_login_at = mapped_column(UTCDateTime)
    #: When the password was last set.
    password_changed_at = mapped_column(UTCDateTime)
    #: When the account was created.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: Optimistic-locking counter.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    agency = relationship("Agency", back_populates="users")

    __mapper_args__ = {"version_id_col": version}

    def get_id(self):
        """Flask-Login's session id: the user id and session version, so a bumped version ends old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self):
        return Role(self.role).label

    @property
    def has_password(self):
        return self.password_hash is not None

    def __repr__(self):
        return f"<User {self.id} {self.email}>"


class LinkPurpose(enum.StrEnum):
    """What a one-time link is for."""

    INVITE = "invite"
    RESET = "reset"


class PasswordLink(Base):
    """A single-use, short-lived link to set a password. Only a hash of the token is stored."""

    __tablename__ = "password_links"

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The user it is for.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    #: SHA-256 of the token in the link.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: Invitation or password reset.
    purpose: Mapped[LinkPurpose] = enum_column(LinkPurpose, nullable=False)
    #: When it stops working.
    expires_at = mapped_column(UTCDateTime, nullable=False)
    #: When it was used (a used link never works again).
    used_at = mapped_column(UTCDateTime)
    #: When it was issued.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user = relationship("User")


class ApiToken(Base):
    """A bearer token for the JSON API. Only a hash is stored; tokens expire and can be revoked."""

    __tablename__ = "api_tokens"

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The user the token acts as.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    #: SHA-256 of the token.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: When it was issued.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    #: When it stops working.
    expires_at = mapped_column(UTCDateTime, nullable=False)
    #: When it was revoked, if it was.
    revoked_at = mapped_column(UTCDateTime)

    user = relationship("User")


class LoginAttempt(Base):
    """One sign-in attempt, kept for throttling per account and per address across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_addr_created", "remote_addr", "created_at"),
    )

    #: Primary key.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The e-mail typed (lower-case), known or not.
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    #: The client's address.
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    #: Whether it succeeded.
    succeeded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    #: When it happened.
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
