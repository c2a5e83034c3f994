"""The demo partnership: realistic agencies and a user in every role, with synthetic names only."""

import secrets

from audit_app.agencies.models.agencies import AgencyKind as K
from audit_app.agencies.models.agencies import StatutoryDuty as D
from audit_app.agencies.operations import create_agency, create_partnership, create_user
from audit_app.agencies.passwords import hash_password
from audit_app.agencies.queries import get_partnership
from audit_app.core.models.base import utcnow
from audit_app.core.permissions import Role
from audit_app.core.signals import demo_loaded

PARTNERSHIP = "Northmoor and Wyvern Safeguarding Children Partnership"
AREA = "Northmoor and Wyvern (fictional)"
ADMIN_EMAIL = "admin@assure.example"

#: (name, kind, duty). All names are invented.
AGENCIES = [
    ("Northmoor Police", K.POLICE, D.S11),
    ("Northmoor Children's Social Care", K.CHILDRENS_SOCIAL_CARE, D.S11),
    ("Northmoor Early Help Service", K.EARLY_HELP, D.S11),
    ("Wyvern Valley Hospitals NHS Trust", K.ACUTE_HEALTH, D.S11),
    ("Northmoor Community and Mental Health NHS Trust", K.COMMUNITY_HEALTH, D.S11),
    ("Northmoor and Wyvern Integrated Care Board", K.ICB, D.S11),
    ("Millbrook Surgery", K.GP_PRACTICE, D.S11),
    ("Castlegate Medical Practice", K.GP_PRACTICE, D.S11),
    ("Probation Service, Northmoor", K.PROBATION, D.S11),
    ("Harbour Light Domestic Abuse Service", K.VOLUNTARY_SECTOR, D.NONE),
    ("Cafcass (Northmoor team)", K.CAFCASS, D.NONE),
    ("Northmoor Youth Justice Service", K.YOUTH_JUSTICE, D.S11),
    ("Ashby Road Primary School", K.SCHOOL, D.S175),
    ("St Aidan's Church of England Primary School", K.SCHOOL, D.S175),
    ("Wyvern Park Academy", K.SCHOOL, D.S175),
    ("Fernhill Secondary School", K.SCHOOL, D.S175),
    ("Brookside Special School", K.SCHOOL, D.S175),
    ("Northmoor College", K.COLLEGE, D.S175),
    ("Little Acorns Day Nursery", K.EARLY_YEARS, D.NONE),
    ("Riverside Pre-School", K.EARLY_YEARS, D.NONE),
    ("Hollins Lane Childminding", K.CHILDMINDER, D.NONE),
]

_FIRST = ["Alex", "Sam", "Jordan", "Morgan", "Robin", "Casey", "Jamie", "Taylor", "Rowan", "Avery", "Reese", "Drew",
          "Hollis", "Emery", "Parker", "Quinn", "Sidney", "Blake", "Marlow", "Ellis"]  # fmt: skip
_LAST = ["Ashdown", "Brackley", "Corrigan", "Dunmore", "Eversleigh", "Fairburn", "Greystoke", "Hartwell", "Ingleby",
         "Jessop", "Kettleby", "Lowther", "Marchbank", "Netherby", "Oakshott", "Pennock", "Quarrie", "Rushworth",
         "Stainton", "Thursby"]  # fmt: skip


def _name(i):
    return f"{_FIRST[i % len(_FIRST)]} {_LAST[(i * 7) % len(_LAST)]}"


def _slug(text):
    return "".join(ch for ch in text.lower().replace(" ", ".") if ch.isalnum() or ch == ".").strip(".")[:30]


def load_demo():
    """Create the demo partnership, agencies and users (first run only) and tell other packages to add theirs.

    :return: ``(created, admin_password)``: ``created`` is False (and the password None) when data existed.
    """
    if get_partnership() is not None:
        return False, None
    partnership = create_partnership(PARTNERSHIP, area=AREA, contact_email="business.unit@assure.example")
    agencies = [create_agency(name=n, kind=k, duty=d, contact_email=f"safeguarding@{_slug(n)}.example")
                for n, k, d in AGENCIES]  # fmt: skip
    password = secrets.token_urlsafe(12)
    create_user(email=ADMIN_EMAIL, name="Business Unit Administrator", role=Role.ADMIN, password=password,
                must_change_password=True)  # fmt: skip
    demo_password = "demo-" + secrets.token_urlsafe(12)
    demo_hash = hash_password(demo_password)  # hashed once: argon2 is deliberately slow
    people = []
    for i, agency in enumerate(agencies):
        for j, role in enumerate((Role.AGENCY_LEAD, Role.AGENCY_AUDITOR)):
            email = f"{role.value.split('_')[1]}.{_slug(agency.name)}@assure.example"
            people.append(create_user(email=email, name=_name(2 * i + j + 1), role=role, agency_id=agency.id))
    for i, role in enumerate((Role.SCRUTINEER, Role.SCRUTINEER, Role.BOARD_VIEWER, Role.BOARD_VIEWER)):
        people.append(create_user(email=f"{role.value}{i + 1}@assure.example", name=_name(100 + i), role=role))
    for person in people:
        person.password_hash, person.password_changed_at = demo_hash, utcnow()
    demo_loaded.send(partnership, partnership=partnership)
    return True, {"admin": password, "others": demo_password}
