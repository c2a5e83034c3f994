"""factory_boy factories for the models; they flush into the test's session."""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from audit_app.agencies.models.agencies import Agency, AgencyKind, StatutoryDuty
from audit_app.agencies.models.users import User
from audit_app.agencies.passwords import hash_password
from audit_app.core.permissions import Role
from audit_app.extensions import db


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class AgencyFactory(BaseFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    kind = AgencyKind.POLICE
    duty = StatutoryDuty.S11
    is_active = True


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@test.example")
    name = factory.Sequence(lambda n: f"Test User {n}")
    role = Role.ADMIN
    is_active = True
    password_hash = factory.LazyFunction(lambda: hash_password("purple otter juggles teacups"))
