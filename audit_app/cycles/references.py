"""Case references must be pseudonymised: refuse anything that looks like a name, a date of birth or an NHS number."""

import re
from functools import lru_cache

REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,39}$")
NHS_RE = re.compile(r"(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)")
DATE_RES = (
    re.compile(r"(?<!\d)\d{1,2}[/.\- ]\d{1,2}[/.\- ](\d{2}|\d{4})(?!\d)"),
    re.compile(r"(?<!\d)(19|20)\d{2}[/.\-]\d{1,2}[/.\-]\d{1,2}(?!\d)"),
    re.compile(
        r"(?<!\d)\d{1,2}\s?(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\s?(\d{2}|\d{4})?(?![a-z])", re.I
    ),
)
#: Words that often appear in references and are not names.
REFERENCE_WORDS = frozenset(
    [
        "case",
        "ref",
        "fsa",
        "maca",
        "cin",
        "cp",
        "lac",
        "cla",
        "csc",
        "sd",
        "strat",
        "audit",
        "sample",
        "child",
        "family",
        "cohort",
        "pilot",
        "spring",
        "summer",
        "autumn",
        "winter",
        "north",
        "south",
        "east",
        "west",
        "team",
        "area",
        "wave",
        "round",
    ]
)


@lru_cache(maxsize=1)
def _names():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    names = set()
    for key in ("male_names", "female_names", "surnames"):
        names.update(w for w in FREQUENCY_LISTS.get(key, []) if len(w) >= 3)
    return frozenset(names - REFERENCE_WORDS)


def reference_problem(reference):
    """Why a case reference is not acceptable, or None when it is.

    :param reference: the proposed reference.
    :return: a message for the user, or None.
    """
    text = (reference or "").strip()
    if not text:
        return "Enter a case reference"
    if not REFERENCE_RE.match(text):
        return (f"'{text}' is not a valid reference: use up to 40 letters, digits, spaces, dots, dashes, slashes or "
                "underscores, such as FSA-26-01")  # fmt: skip
    if NHS_RE.search(text):
        return (f"'{text}' looks like it contains an NHS number. Use a pseudonymised reference such as FSA-26-01: "
                "Assure holds no identifying child data")  # fmt: skip
    if any(pattern.search(text) for pattern in DATE_RES):
        return (f"'{text}' looks like it contains a date of birth. Use a pseudonymised reference such as FSA-26-01: "
                "Assure holds no identifying child data")  # fmt: skip
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    if any(w in _names() for w in words):
        return (f"'{text}' looks like it contains a person's name. Use a pseudonymised reference such as FSA-26-01: "
                "Assure holds no identifying child data")  # fmt: skip
    if not re.search(r"\d", text):
        return f"'{text}' has no number in it: use a pseudonymised reference such as FSA-26-01"
    return None
