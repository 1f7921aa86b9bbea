"""The parameter schemas of the account pages: the password change and the admin's token list (see
geo_app.web.params). Loose: accounts.check_new_password and the token parsers say what is wrong."""

from __future__ import annotations

from geo_app.web.params import NextPath, Params, Password, Short, Typed


class NextQuery(Params):
    """GET/POST /account/password: where to go back to (safe_next keeps it on this site)."""

    next: NextPath | None = None


class PasswordForm(NextQuery):
    """POST /account/password: the current password and the new one twice."""

    current_password: Password | None = None
    new_password: Password | None = None
    confirm_password: Password | None = None


class RevokeForm(Params):
    """POST /admin/tokens/revoke: one token by id, or every token and session of a user."""

    token_id: Typed | None = None  # parse_int names it when not a whole number
    username: Short | None = None  # the view keeps its first 60 characters
