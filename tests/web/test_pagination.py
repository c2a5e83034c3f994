"""Paginated pages answer 404, never 500, for page numbers that cannot exist."""

import pytest

from audit_app.core.permissions import Role


@pytest.mark.parametrize("page", ["0", "-3", "100001", "99999999999999999999"])
def test_impossible_page_numbers_are_not_found(login_as, page):
    admin = login_as(Role.ADMIN)
    for url in ("/admin/agencies", "/admin/users", "/admin/audit-trail"):
        assert admin.get(f"{url}?page={page}").status_code == 404


def test_first_page_and_non_numbers_show_the_first_page(login_as):
    admin = login_as(Role.ADMIN)
    assert admin.get("/admin/agencies?page=1").status_code == 200
    assert admin.get("/admin/agencies?page=abc").status_code == 200
