"""Shared form helpers: showing an operation's errors on the form that caused them."""


def apply_errors(form, exc):
    """Put a ``DomainError``'s per-field messages on the form's fields (others go to the top of the form).

    :param form: the WTForms form that was submitted.
    :param exc: a ``DomainError`` whose ``details`` map field names to messages.
    """
    if not exc.details:
        form.form_errors.append(exc.message)
    for field, message in exc.details.items():
        if field in form._fields:
            form._fields[field].errors = [message]
        else:
            form.form_errors.append(message)


def error_summary_params(form):
    """Parameters for govukErrorSummary: each field's first error linked to the field, then form-level errors."""
    items = []
    for field in form:
        if field.errors:
            message = field.errors[0] if isinstance(field.errors, list | tuple) else str(field.errors)
            items.append({"text": message, "href": f"#{field.id}"})
    items.extend({"text": message} for message in form.form_errors)
    return {"titleText": "There is a problem", "errorList": items}


def choices(pairs):
    """WTForms choices from ``(value, label)`` pairs (WTForms 3.3 wants ``SelectChoice`` objects)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]


def render_widgets_without_context_processors(app):
    """Render govuk-frontend-wtf widgets straight from the Jinja environment.

    The library renders every widget with ``flask.render_template``, which runs all of the app's context processors
    (navigation, the partnership's name from the database, ...) once per field: on a 150-question return that is
    hundreds of times per page. Widget templates only use their ``params``, so nothing is lost.
    """
    from govuk_frontend_wtf.gov_form_base import GovFormBase
    from markupsafe import Markup

    def render(self, params):
        return Markup(app.jinja_env.get_template(self.template).render(params=params))  # noqa: S704 (autoescaped template output)

    GovFormBase.render = render
