"""The sign-in, password and administration forms (Flask-WTF: each carries a CSRF token in
`csrf_token`). They check shape only; the rules (roles, teams, scopes) are the services'."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from accounts.models import SCOPES, Role
from accounts.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=64)],
    )


# ------------------------------------------------------------------ administration

ORGANIZATIONS = _l("Organizations (providers only): organization ids, separated by spaces or commas")
EXPIRES = _l("Expires on (optional; the token stops working at the start of that day, UTC)")


def _roles() -> list[SelectChoice]:
    return [SelectChoice(r.value, r.value.replace("_", " ")) for r in Role]


class _Checkboxes(SelectMultipleField):
    """Several choices as checkboxes; unknown values are left for the service to refuse by name."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        pass


class AddUserForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=_roles())
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    organizations = StringField(ORGANIZATIONS, validators=[Length(max=2000)])
    password = PasswordField(
        _l("Password (leave empty for a generated one)"), validators=[Length(max=MAX_LENGTH)]
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_roles())
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    organizations = StringField(ORGANIZATIONS, validators=[Length(max=2000)])


class RequireForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_roles())
    required = SelectField(
        _l("Second factor"),
        choices=[SelectChoice("1", _l("required")), SelectChoice("0", _l("not required"))],
    )


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=200)])


class TokenForm(FlaskForm):
    email = SelectField(_l("For the account of"), choices=[], validate_choice=False)
    scopes = _Checkboxes(_l("Scopes"), choices=[SelectChoice(s) for s in SCOPES])
    expires = DateField(EXPIRES, validators=[Optional()])


class OwnTokenForm(FlaskForm):
    scopes = _Checkboxes(_l("Scopes"), choices=[SelectChoice(s) for s in SCOPES])
    expires = DateField(EXPIRES, validators=[Optional()])


def org_ids(text: str | None) -> list[str]:
    """The organization ids typed in a field, in order."""
    return [part for part in (text or "").replace(",", " ").split() if part]
