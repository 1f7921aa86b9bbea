"""A user's own account (password change) and the admin's view of live bearer tokens."""
