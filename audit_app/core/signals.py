"""Documented signals that let a lower package announce events to higher ones without importing them."""

from blinker import Namespace

_signals = Namespace()

#: Sent with the user as sender after a user signs in.
user_signed_in = _signals.signal("user-signed-in")
#: Sent by ``flask demo load`` after the partnership, agencies and users exist; kwargs: ``partnership``.
#: Higher packages connect handlers to add their own demo data (audit tools, cycles, ...).
demo_loaded = _signals.signal("demo-loaded")
