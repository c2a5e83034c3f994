"""Forms around a return: decline, review, reassign (the return form itself is built from the template)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from audit_app.web.forms import choices


class DeclineForm(FlaskForm):
    """Not known to the agency, or out of scope, with a reason."""

    status = RadioField(
        "Why is your agency not completing this return?",
        widget=GovRadioInput(),
        choices=choices(
            [
                ("not_known", "Not known: we have no record of the child or family"),
                ("out_of_scope", "Out of scope: we know the family but had no involvement in the scope period"),
            ]
        ),  # fmt: skip
        validators=[InputRequired("Choose not known or out of scope")],
    )
    reason = TextAreaField(
        "Reason", widget=GovTextArea(),
        description="For example: searched the records system by reference on 3 March; no record found.",
        validators=[DataRequired("Explain briefly why"), Length(max=2000)],
    )  # fmt: skip
    version = HiddenField()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    """Accept a submitted return, or return it for amendment."""

    decision = RadioField(
        "Decision", widget=GovRadioInput(),
        choices=choices([("accept", "Accept the return"), ("return", "Return it to the agency for amendment")]),
        validators=[InputRequired("Choose accept or return for amendment")],
    )  # fmt: skip
    reason = TextAreaField(
        "What the agency needs to amend (when returning it)", widget=GovTextArea(),
        validators=[Optional(), Length(max=4000)],
    )  # fmt: skip
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class ReassignForm(FlaskForm):
    """Give a return to one of the agency's auditors."""

    assignee_id = SelectField("Who completes this return?", widget=GovSelect(), validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())
