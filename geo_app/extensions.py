"""Extension objects only; they are bound to an app in create_app."""

from typing import cast

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from geo_app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def db_session() -> Session:
    """Return `db.session` typed as the Session the domain takes.

    `db.session` is a scoped_session: a proxy that forwards every Session method to the current
    scope's Session. It is handed over as is (looked up on each call, so a test that swaps
    `db.session` is honoured); the cast only tells the type checker what the proxy stands for.
    """
    return cast(Session, db.session)
