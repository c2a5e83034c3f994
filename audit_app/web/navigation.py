"""The service navigation: each entry shows only to users whose role may use it."""

from flask import current_app, request, url_for

from audit_app.core.permissions import can

#: (label, endpoint, permission action). Features add their entries here; missing endpoints are skipped.
NAV_ITEMS = [
    ("Home", "web.home", "account.use"),
    ("Audit tools", "tools.template_list", "templates.view"),
    ("Cycles", "cycles.cycle_list", "cycles.view"),
    ("My returns", "returns.my_returns", "returns.own"),
    ("Agencies", "agencies.agency_list", "agencies.manage"),
    ("Users", "agencies.user_list", "users.manage"),
    ("Audit trail", "agencies.audit_trail", "audit_trail.view"),
    ("Outbox", "agencies.outbox", "outbox.view"),
]


def nav_items(user):
    """The navigation for ``user``, in GOV.UK service-navigation form, with the current section marked."""
    from audit_app.core.permissions import POLICY

    items = []
    for label, endpoint, action in NAV_ITEMS:
        if endpoint not in current_app.view_functions or action not in POLICY or not can(user, action):
            continue
        href = url_for(endpoint)
        active = request.path == href or (href != "/" and request.path.startswith(href + "/"))
        items.append({"text": label, "href": href, "active": active})
    return items
