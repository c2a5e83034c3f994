"""Audit cycles and returns: cycles, cases, assignments, answers, the return workflow, offline Excel returns."""


def _load_demo_cycles(_sender, **_kwargs):
    """The demo partnership gets a running case audit and last year's Section 11 cycle."""
    from audit_app.cycles.demo import load_demo_cycles
    from audit_app.tools.library import load_library

    load_library()  # idempotent: makes sure the tools exist whatever order the handlers run in
    load_demo_cycles()


def connect_signals():
    """Connect this package's signal handlers (called once by create_app)."""
    from audit_app.core.signals import demo_loaded

    demo_loaded.connect(_load_demo_cycles)
