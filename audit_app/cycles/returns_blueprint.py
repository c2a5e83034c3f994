"""URL rules for completing returns: my returns, the return pages, submit, decline, review, reassign, Excel."""

from flask import Blueprint

from audit_app.cycles.views import returns

bp = Blueprint("returns", __name__, template_folder="templates")

bp.add_url_rule("/returns", "my_returns", returns.my_returns)
bp.add_url_rule("/returns/<int:assignment_id>", "return_view", returns.return_view)
bp.add_url_rule("/returns/<int:assignment_id>/edit", "return_edit", returns.return_edit, methods=("GET", "POST"))
bp.add_url_rule(
    "/returns/<int:assignment_id>/edit/<page_key>", "return_edit", returns.return_edit, methods=("GET", "POST")
)
bp.add_url_rule("/returns/<int:assignment_id>/autosave/<page_key>", "return_autosave", returns.return_autosave,
                methods=("POST",))  # fmt: skip
bp.add_url_rule("/returns/<int:assignment_id>/submit", "return_submit", returns.return_submit, methods=("POST",))
bp.add_url_rule("/returns/<int:assignment_id>/decline", "return_decline", returns.return_decline,
                methods=("GET", "POST"))  # fmt: skip
bp.add_url_rule("/returns/<int:assignment_id>/reopen", "return_reopen", returns.return_reopen, methods=("POST",))
bp.add_url_rule("/returns/<int:assignment_id>/review", "return_review", returns.return_review, methods=("POST",))
bp.add_url_rule("/returns/<int:assignment_id>/reassign", "return_reassign", returns.return_reassign,
                methods=("GET", "POST"))  # fmt: skip
bp.add_url_rule("/returns/<int:assignment_id>/download", "return_download", returns.return_download)
bp.add_url_rule("/returns/<int:assignment_id>/upload", "return_upload", returns.return_upload, methods=("GET", "POST"))
bp.add_url_rule("/returns/<int:assignment_id>/mid-year-update", "return_progress", returns.return_progress,
                methods=("GET", "POST"))  # fmt: skip
