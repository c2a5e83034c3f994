"""URL rules for administering audit cycles: the list, creating cycles, the overview and its state changes."""

from flask import Blueprint

from audit_app.cycles.views import cycles

bp = Blueprint("cycles", __name__, template_folder="templates")

# Cycles
bp.add_url_rule("/cycles", "cycle_list", cycles.cycle_list)
bp.add_url_rule("/cycles/new", "cycle_create", cycles.cycle_create, methods=("GET", "POST"))
bp.add_url_rule("/cycles/<int:cycle_id>", "cycle_overview", cycles.cycle_overview)
bp.add_url_rule(
    "/cycles/<int:cycle_id>/next-year", "cycle_create_next", cycles.cycle_create_next, methods=("GET", "POST")
)

# Cycle status
bp.add_url_rule(
    "/cycles/<int:cycle_id>/open", "cycle_open", cycles.cycle_transition, methods=("POST",),
    defaults={"transition": "open"},
)  # fmt: skip
bp.add_url_rule(
    "/cycles/<int:cycle_id>/close", "cycle_close", cycles.cycle_transition, methods=("POST",),
    defaults={"transition": "close"},
)  # fmt: skip
bp.add_url_rule(
    "/cycles/<int:cycle_id>/reopen", "cycle_reopen", cycles.cycle_transition, methods=("POST",),
    defaults={"transition": "reopen"},
)  # fmt: skip
bp.add_url_rule(
    "/cycles/<int:cycle_id>/mark-reported", "cycle_mark_reported", cycles.cycle_transition, methods=("POST",),
    defaults={"transition": "report"},
)  # fmt: skip

# Cases
bp.add_url_rule("/cycles/<int:cycle_id>/cases", "case_add", cycles.case_add, methods=("POST",))
bp.add_url_rule("/cycles/<int:cycle_id>/mid-year-update", "cycle_mid_year", cycles.cycle_mid_year, methods=("POST",))
