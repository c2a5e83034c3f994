"""Password hashing (argon2id) and the password policy: length limits and a deny-list of common passwords."""

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@lru_cache(maxsize=4)
def _hasher(time_cost, memory_cost):
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _current_hasher():
    return _hasher(current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])


def hash_password(password):
    """Hash a password with argon2id using the configured cost."""
    return _current_hasher().hash(password)


def verify_password(password_hash, password):
    """Whether ``password`` matches ``password_hash`` (False for a missing or malformed hash)."""
    if not password_hash:
        return False
    try:
        return _current_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the account does not exist, so that timing does not reveal which e-mails exist.
_DUMMY = {}


def verify_dummy(password):
    """Spend the same time as a real verification."""
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_COST"])
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password-for-timing")
    verify_password(_DUMMY[key], password)


@lru_cache(maxsize=1)
def _common_passwords():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = set(FREQUENCY_LISTS["passwords"])
    words.update(FREQUENCY_LISTS.get("english_wikipedia", [])[:5000])
    return frozenset(words)


def password_problems(password, *, email=None, name=None):
    """What is wrong with a proposed password, as sentences for the form (empty when it is acceptable).

    No composition rules: length between the configured limits, not a common password, not the user's own e-mail
    or name.
    """
    minimum, maximum = current_app.config["PASSWORD_MIN_LENGTH"], current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        return [f"Password must be {minimum} characters or more"]
    if len(password) > maximum:
        return [f"Password must be {maximum} characters or fewer"]
    lowered = password.lower()
    squashed = "".join(ch for ch in lowered if ch.isalnum())
    if lowered in _common_passwords() or squashed in _common_passwords() or len(set(lowered)) < 4:
        return ["Password is too common or too easy to guess: choose a longer phrase, such as three or four words"]
    personal = {p.lower() for p in (email, (email or "").split("@")[0], name) if p}
    if any(p and (p in lowered or lowered in p) for p in personal if len(p) >= 4):
        return ["Password must not contain your e-mail address or name"]
    return []
