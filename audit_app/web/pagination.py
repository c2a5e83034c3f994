"""Paginating a select for a page, with the parameters of the GOV.UK pagination component."""

from flask import abort, request, url_for

from audit_app.extensions import db

#: No list is this long; a larger page number is a page that cannot exist (and would overflow the database).
MAX_PAGE = 100_000


def paginate(query, *, per_page=50):
    """Run ``query`` for the page named in ``?page=`` (Flask-SQLAlchemy pagination; out-of-range pages are 404).

    :return: a ``Pagination`` with ``govuk_params`` for the pagination component.
    """
    number = request.args.get("page", 1, type=int)
    if not 1 <= number <= MAX_PAGE:
        abort(404)
    page = db.paginate(query, page=number, per_page=per_page, max_per_page=per_page)
    page.govuk_params = _govuk_params(page)
    return page


def _govuk_params(page):
    if page.pages <= 1:
        return None
    args = dict(request.args)

    def href(number):
        return url_for(request.endpoint, **{**request.view_args, **args, "page": number})

    params = {"items": [{"number": n, "href": href(n), "current": n == page.page} for n in _numbers(page)]}
    if page.has_prev:
        params["previous"] = {"href": href(page.prev_num)}
    if page.has_next:
        params["next"] = {"href": href(page.next_num)}
    return params


def _numbers(page):
    return [n for n in page.iter_pages(left_edge=1, left_current=2, right_current=2, right_edge=1) if n]
