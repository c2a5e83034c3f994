"""Forms for sign-in, passwords, agencies and users: validation only, no writes."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional

from audit_app.agencies.models.agencies import AGENCY_KIND_LABELS, StatutoryDuty
from audit_app.core.permissions import ROLE_LABELS, Role
from audit_app.web.forms import choices


def _strip(value):
    """Pasted addresses often carry spaces, which the Email validator would refuse."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = StringField(
        "Email address", widget=GovTextInput(), validators=[DataRequired("Enter your email address"), Length(max=254)]
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password"), Length(max=1024)]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    """Ask for a password reset link."""

    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[DataRequired("Enter your email address"), Email("Enter an email address in the correct format")],
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    """Choose a password (invitation or reset link)."""

    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 12 characters or more. A few unrelated words make a strong password that is easy to remember.",
        validators=[DataRequired("Enter a new password"), Length(max=1024)],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Confirm your new password"), EqualTo("password", "Passwords do not match")],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())


class PasswordChangeForm(SetPasswordForm):
    """Change the password of the signed-in user."""

    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[DataRequired("Enter your current password")]
    )


DUTY_CHOICES = [(d.value, d.label) for d in StatutoryDuty]


class AgencyForm(FlaskForm):
    """Create or edit an agency."""

    name = StringField(
        "Name", widget=GovTextInput(), validators=[DataRequired("Enter the agency's name"), Length(max=200)]
    )
    kind = SelectField(
        "Kind of agency",
        widget=GovSelect(),
        choices=choices([("", "Select a kind")] + [(k.value, label) for k, label in AGENCY_KIND_LABELS.items()]),
        validators=[DataRequired("Select what kind of agency it is")],
    )
    duty = RadioField(
        "Statutory safeguarding duty",
        widget=GovRadioInput(),
        choices=choices(DUTY_CHOICES),
        default=StatutoryDuty.NONE.value,
        validators=[InputRequired("Select the agency's statutory duty")],
    )
    contact_email = StringField(
        "Safeguarding contact email (optional)",
        widget=GovTextInput(),
        description="A shared mailbox that receives copies of reminders. Not a named person's address if avoidable.",
        filters=[_strip],
        validators=[Optional(), Email("Enter an email address in the correct format"), Length(max=254)],
    )
    notes = TextAreaField("Notes (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    is_active = BooleanField("Active: takes part in new audit cycles", widget=GovCheckboxInput(), default=True)
    version = HiddenField()
    submit = SubmitField("Save agency", widget=GovSubmitInput())


class UserForm(FlaskForm):
    """Create (and invite) or edit a user."""

    name = StringField(
        "Full name", widget=GovTextInput(), validators=[DataRequired("Enter the user's full name"), Length(max=200)]
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[_strip],
        validators=[
            DataRequired("Enter the user's email address"),
            Email("Enter an email address in the correct format"),
        ],
    )
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=choices([(r.value, ROLE_LABELS[r]) for r in Role]),
        validators=[InputRequired("Select the user's role")],
    )
    agency_id = SelectField(
        "Agency",
        widget=GovSelect(),
        description="Required for agency auditors and agency safeguarding leads.",
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    send_invite = BooleanField("Email an invitation to set a password now", widget=GovCheckboxInput(), default=True)
    version = HiddenField()
    submit = SubmitField("Save user", widget=GovSubmitInput())


class UploadForm(FlaskForm):
    """Upload one Excel workbook."""

    file = FileField("Excel workbook (.xlsx)", widget=GovFileInput())
    submit = SubmitField("Upload and import", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A bare form for a POST button (CSRF only)."""
