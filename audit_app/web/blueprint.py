"""The web blueprint: home page, error pages, template helpers."""

from flask import Blueprint

from audit_app.web import views

bp = Blueprint("web", __name__, template_folder="templates")
bp.add_url_rule("/", "home", views.home)
bp.add_url_rule("/healthz", "healthz", views.healthz)
bp.app_context_processor(views.inject_layout_context)
for code_or_exc, handler in views.ERROR_HANDLERS.items():
    bp.app_errorhandler(code_or_exc)(handler)
