"""Settings for the test suite: the production settings with fast hashing and local email."""

import os

os.environ.setdefault("CASEAUDIT_TESTING", "1")

from caseaudit.settings import *  # noqa: E402, F403

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Plain http in tests: a browser refuses __Host- cookies without Secure (the live-server tests).
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_RATE_LIMITS = False
# MFA is compulsory in production; tests sign in with force_login, and the MFA tests in
# caseaudit/accounts/tests turn it back on with the `settings` fixture.
CASEAUDIT_REQUIRE_MFA = False
# Background tasks run at once, in the test's thread (no worker needed).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Each process's copy of sessions and users (caseaudit/accounts/local_cache.py) hears of
# changes when they commit, which a test's rolled-back transaction never does: off, but in
# caseaudit/accounts/tests/test_local_cache.py.
CASEAUDIT_LOCAL_AUTH_CACHE = False

# Tests serve static files through the finders; the collected folder need not exist.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

# The API's rate limits (caseaudit/api/throttling.py) stay on, far above what a test sends;
# caseaudit/api/tests/test_throttling.py lowers them.
API_THROTTLE_RATE = "100000/m"
API_ANON_THROTTLE_RATE = "100000/m"

# A cache per test process (production shares one: Redis or the database table, see
# caseaudit/accounts/tests/test_shared_cache.py): fast, and no cache queries in the query
# counts that page and API tests assert.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Summaries of a scope (the home page's figures, the case list's filters) are read on every
# visit: the cache is not emptied between tests (caseaudit/site/tests/test_home.py and
# caseaudit/cases/tests/test_case_list.py turn the minute's keeping on).
SCOPE_SUMMARY_SECONDS = 0

# WhiteNoise looks static files up when they are asked for, instead of listing every file
# of the finders when its middleware starts: each test client starts the middleware anew,
# and that listing was a fifth of the time of a typical view test. The headers it sends are
# the same (caseaudit/accounts/tests/test_headers.py).
WHITENOISE_AUTOREFRESH = True
