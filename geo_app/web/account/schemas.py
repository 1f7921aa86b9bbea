"""The parameter schemas of the account pages: the password change and the admin's token list (see
geo_app.web.params). Loose: accounts.check_new_password and the token parsers say what is wrong."""

from __future__ import annotations

from pydantic import Field

from geo_app.web.params import Params

Password = Field(None, max_length=1000)  # as long as a login's: the domain says how long it may be


class NextQuery(Params):
    """GET/POST /account/password: where to go back to (safe_next keeps it on this site)."""

    next: str | None = Field(None, max_length=2000)


class PasswordForm(NextQuery):
    """POST /account/password: the current password and the new one twice."""

    current_password: str | None = Password
    new_password: str | None = Password
    confirm_password: str | None = Password


class RevokeForm(Params):
    """POST /admin/tokens/revoke: one token by id, or every token and session of a user."""

    token_id: str | None = Field(None, max_length=40)  # parse_int names it when not a whole number
    username: str | None = Field(None, max_length=200)  # the view keeps its first 60 characters
