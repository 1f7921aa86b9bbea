"""What the work is: rules and queries. Functions take a `session`; nothing here imports Flask."""
