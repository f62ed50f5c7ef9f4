"""`make bench`'s yardstick: a bare Django project with only Django's SecurityMiddleware and
one view (`caseaudit/bench/bare_urls.py`), served by the same gunicorn command as the app, so
the app's pages are given as a share of what Django itself serves on this machine."""

import os

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY") or "bench-bare-only-not-for-production-3b7d"  # noqa: S105  # nosec B105
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
ROOT_URLCONF = "caseaudit.bench.bare_urls"
DATABASES: dict = {}
USE_TZ = True
SECURE_SSL_REDIRECT = False
LOGGING_CONFIG = None
