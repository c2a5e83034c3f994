"""Paginating a select for the API's list envelope."""

from audit_app.extensions import db


def paginated(query, args):
    """Run ``query`` for ``args["page"]``/``args["per_page"]``.

    :return: ``{"items": [...], "page", "per_page", "total"}`` (an empty page past the end, not an error).
    """
    page = db.paginate(query, page=args["page"], per_page=args["per_page"], max_per_page=500, error_out=False)
    return {"items": page.items, "page": page.page, "per_page": page.per_page, "total": page.total}
