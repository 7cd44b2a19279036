"""The JSON API under /api/v1: routes, error handlers and the request-safety hooks."""
from .errors import register_error_handlers
from .routes import api
from .security import install_security

__all__ = ["api", "install_security", "register_error_handlers"]
