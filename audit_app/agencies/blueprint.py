"""URL rules for sign-in and passwords, and the administration of agencies, users, audit trail and outbox."""

from flask import Blueprint

from audit_app.agencies.views import admin, auth

bp = Blueprint("agencies", __name__, template_folder="templates")

# Sign-in and passwords
bp.add_url_rule("/sign-in", "login", auth.login, methods=("GET", "POST"))
bp.add_url_rule("/sign-out", "logout", auth.logout, methods=("POST",))
bp.add_url_rule("/signed-out", "signed_out", auth.signed_out)
bp.add_url_rule("/forgotten-password", "password_forgot", auth.password_forgot, methods=("GET", "POST"))
bp.add_url_rule("/set-password/<token>", "password_set", auth.password_set, methods=("GET", "POST"))
bp.add_url_rule("/account/password", "password_change", auth.password_change, methods=("GET", "POST"))

# Agencies
bp.add_url_rule("/admin/agencies", "agency_list", admin.agency_list)
bp.add_url_rule("/admin/agencies/new", "agency_create", admin.agency_create, methods=("GET", "POST"))
bp.add_url_rule("/admin/agencies/<int:agency_id>/edit", "agency_edit", admin.agency_edit, methods=("GET", "POST"))
bp.add_url_rule("/admin/agencies/import", "agency_import", admin.agency_import, methods=("GET", "POST"))

# Users
bp.add_url_rule("/admin/users", "user_list", admin.user_list)
bp.add_url_rule("/admin/users/new", "user_create", admin.user_create, methods=("GET", "POST"))
bp.add_url_rule("/admin/users/<int:user_id>/edit", "user_edit", admin.user_edit, methods=("GET", "POST"))
bp.add_url_rule(
    "/admin/users/<int:user_id>/deactivate", "user_deactivate", admin.user_set_active, methods=("POST",),
    defaults={"active": False},
)  # fmt: skip
bp.add_url_rule(
    "/admin/users/<int:user_id>/reactivate", "user_reactivate", admin.user_set_active, methods=("POST",),
    defaults={"active": True},
)  # fmt: skip
bp.add_url_rule("/admin/users/<int:user_id>/invite", "user_invite", admin.user_invite, methods=("POST",))

# Oversight
bp.add_url_rule("/admin/audit-trail", "audit_trail", admin.audit_trail)
bp.add_url_rule("/admin/outbox", "outbox", admin.outbox)


@bp.app_context_processor
def _partnership_context():
    from audit_app.agencies.queries import get_partnership

    partnership = get_partnership()
    return {"partnership_name": partnership.name} if partnership else {}
