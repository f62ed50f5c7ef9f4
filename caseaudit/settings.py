"""Settings for caseaudit, read from the environment (twelve-factor).

Defaults are safe for production (DEBUG off, secure cookies) except where `DEBUG=1`
is set, which `make run` does for the local demo.
"""

import base64
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("CASEAUDIT_TESTING"):
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    # Reached only with DEBUG=1 or in the test suite (refused above otherwise).
    SECRET_KEY = "insecure-development-key-only-for-local-use"  # noqa: S105  # nosec B105
# Previous keys, still accepted (comma-separated), while a new SECRET_KEY takes over: sessions,
# password-reset links and the MFA secrets encrypted with a key derived from the old one.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The authority whose programme this is: shown in the header, emails and PDFs.
AUTHORITY_NAME = os.environ.get("AUTHORITY_NAME", "Demo County Council")
SERVICE_NAME = "Case audit"
# The nation whose bank holidays working-day deadlines skip: ENG (default), WLS, SCT or NIR.
WORKING_DAYS_SUBDIVISION = os.environ.get("WORKING_DAYS_SUBDIVISION", "ENG")
# Where the app is served, for the full links in emails (no trailing slash), e.g.
# https://caseaudit.example.gov.uk. Required with DEBUG off (system check caseaudit.E001 in
# caseaudit/core/checks.py); `make run` sets it from HOST and PORT.
SITE_URL = os.environ.get(
    "SITE_URL", "http://127.0.0.1:8000" if DEBUG or env_bool("CASEAUDIT_TESTING") else ""
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "csp",
    "ninja",  # the API docs page from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",
    "caseaudit.core",
    "caseaudit.accounts",
    "caseaudit.organisation",
    "caseaudit.cases",
    "caseaudit.imports",
    "caseaudit.audit_tools",
    "caseaudit.audits",
    "caseaudit.responses",
    "caseaudit.notifications",
    "caseaudit.programme",
    "caseaudit.reports",
    "caseaudit.feedback",
    "caseaudit.moderation",
    "caseaudit.improvement",
    "caseaudit.campaigns",
    "caseaudit.selfeval",
    "caseaudit.dataprotection",
    "caseaudit.site",
    "caseaudit.api",
    "caseaudit.jobs",
    "caseaudit.demo",  # the demo authority (`manage.py seed_demo`); no domain app imports it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (django-csp's, written once: caseaudit/core/security.py) and the
    # other headers, on every response.
    "caseaudit.core.security.CSPMiddleware",
    "caseaudit.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The idle timeout: renews the session's expiry at most once a minute, not every request.
    "caseaudit.accounts.session_touch.SessionTouchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, reading the user and their staff record in one prepared query.
    "caseaudit.accounts.authentication.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Django's, its message store made only when a request uses it.
    "caseaudit.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After an idle timeout: "You were signed out because you were inactive..." (once).
    "caseaudit.accounts.middleware.IdleTimeoutMiddleware",
    "caseaudit.accounts.middleware.SessionLifetimeMiddleware",
    "caseaudit.accounts.middleware.RequireMFAMiddleware",
    "caseaudit.core.middleware.ConfidentialPageMiddleware",
    # A 403 on a record about a child is logged as a refused access (the access log).
    "caseaudit.accounts.middleware.AccessDeniedMiddleware",
]

ROOT_URLCONF = "caseaudit.urls"
WSGI_APPLICATION = "caseaudit.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "caseaudit" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "caseaudit.site.context_processors.layout",
            ],
        },
    },
]
# Django's form renderer with our GOV.UK field templates in caseaudit/templates.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # Off by default: a health check is one more round trip ("SELECT 1") at the start of
        # every request that reuses a connection, a large share of a light page's time (`make
        # bench`). Django still closes a connection found broken after an error; turn it on
        # (CONN_HEALTH_CHECKS=1) where idle connections are cut, e.g. by a pooler or firewall.
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS"),
    )
}
# The queries every page runs (the signed-in user and staff record, the case page's case and
# audits...) are compiled once per process and, on PostgreSQL, prepared on the server once per
# connection, so they are not planned again on every page (caseaudit/core/prepared.py). Turn
# it off (DATABASE_PREPARED_STATEMENTS=0) behind a connection pooler in transaction mode that
# does not keep prepared statements (PgBouncer before 1.21, or max_prepared_statements = 0).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    DATABASE_PREPARED_STATEMENTS
):
    # psycopg prepares only when asked to (`prepare=True`, caseaudit/core/prepared.py), never
    # by counting: Django's own queries bind their values on the client and are not prepared.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
    # Those statements are planned once: PostgreSQL would otherwise plan the case scope's
    # queries again on every run when it judges a plan for the values at hand might be better,
    # which for them cost several times running them (`make bench`). Django's own queries are
    # not prepared, so this setting is only about those.
    DATABASES["default"]["OPTIONS"]["options"] = (
        DATABASES["default"]["OPTIONS"].get("options", "")
        + " -c plan_cache_mode=force_generic_plan"
    ).strip()
# PostgreSQL's JIT compiler is for long analytical queries; here it compiled for seconds
# queries that then ran in milliseconds (`make bench`: the due page 5.5 s with it, 40 ms
# without). DATABASE_JIT=1 turns it back on.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
    "DATABASE_JIT"
):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = ("-c jit=off " + _options.get("options", "")).strip()
# SQLite shared by the web server, the task worker and the scheduler: write-ahead logging
# (readers never block the writer), every write transaction takes the write lock when it
# begins (IMMEDIATE: a transaction that read first can then always write, instead of failing
# at once with "database is locked"), and a writer waits up to SQLITE_BUSY_SECONDS for another
# one's (short) transaction to end. tests: caseaudit/qa/tests/test_soak_sqlite.py.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _busy_seconds = int(os.environ.get("SQLITE_BUSY_SECONDS", "20"))
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": _busy_seconds,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                f"PRAGMA busy_timeout={_busy_seconds * 1000};"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# allauth: staff sign in with their work email; accounts are made by administrators.
ACCOUNT_ADAPTER = "caseaudit.accounts.adapter.NoSignupAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
# People are named by their name, not their username (a staff number), in allauth's messages.
ACCOUNT_USER_DISPLAY = "caseaudit.accounts.adapter.user_display"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
# Sign-in throttling. The guard against guessing is per account: 5 failures in 5 minutes and
# the account refuses even the right password for a while. Limits per address are wide: a
# whole office (or every user behind the authority's proxy) can share one address, and at
# 9 a.m. dozens sign in within a minute (allauth's default of 30 sign-ins a minute per
# address refused a third of a 50-user load test once the cache was shared by every process).
ACCOUNT_RATE_LIMITS = {
    "login": os.environ.get("SIGN_IN_RATE_PER_ADDRESS", "300/m/ip"),
    "login_failed": os.environ.get("SIGN_IN_FAILURES_PER_ADDRESS", "60/m/ip") + ",5/5m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{AUTHORITY_NAME} case audit] "
# Behind a load balancer, how many proxies' X-Forwarded-For entries to trust for the client
# address (rate limits, the access and security logs). 0: use REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Multi-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes,
# or a security key / passkey (WebAuthn) as the second factor. Passkeys are not a way to
# sign in on their own: every sign-in is the password page and then the second factor.
# CASEAUDIT_REQUIRE_MFA makes it compulsory (caseaudit.accounts.middleware): `make run`
# turns it off for the local demo with REQUIRE_MFA=0.
CASEAUDIT_REQUIRE_MFA = env_bool("REQUIRE_MFA", True)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = f"{AUTHORITY_NAME} case audit"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # http://127.0.0.1 in the local demo only
# allauth refuses MFA to an unverified email address, against someone who signs up with
# another's address first. Here nobody signs up: administrators create every account with
# its work address (ACCOUNT_EMAIL_VERIFICATION is "none"), so that guard would only lock
# every user out of setting up MFA.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# TOTP secrets and recovery-code seeds are encrypted in the database (Fernet;
# caseaudit/accounts/mfa_secrets.py). MFA_ENCRYPTION_KEY is the key (`python -c "from
# cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`); unset, one derived
# from SECRET_KEY, so that changing SECRET_KEY without keeping the old one in
# SECRET_KEY_FALLBACKS would oblige everyone to set up MFA again: set it in production.
# MFA_ENCRYPTION_KEYS_OLD (comma-separated) are earlier keys still read until
# `manage.py reencrypt_mfa_secrets` has moved every secret to the current one.
MFA_ADAPTER = "caseaudit.accounts.adapter.EncryptingMFAAdapter"
MFA_ENCRYPTION_KEY = os.environ.get("MFA_ENCRYPTION_KEY", "")
MFA_ENCRYPTION_KEYS_OLD = env_list("MFA_ENCRYPTION_KEYS_OLD")
for _key in filter(None, [MFA_ENCRYPTION_KEY, *MFA_ENCRYPTION_KEYS_OLD]):
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except ValueError:
        _valid = False
    if not _valid:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY and MFA_ENCRYPTION_KEYS_OLD must be Fernet keys: 32 bytes in "
            "URL-safe base64, as cryptography's Fernet.generate_key() makes."
        )
# allauth.usersessions: a row per signed-in session, so that disabling an account (or the
# user, from "Sessions") can end all of them at once.
USERSESSIONS_TRACK_ACTIVITY = False

# Optional single sign-on by OpenID Connect (Microsoft Entra ID), on when OIDC_CLIENT_ID is
# set. OIDC_SERVER_URL is the tenant's issuer, https://login.microsoftonline.com/<tenant>/v2.0.
# An SSO sign-in must match an existing, active account by email: nobody signs up this way.
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
# With OIDC_IDP_ENFORCES_MFA=1 an SSO sign-in counts as multi-factor (the authority's Entra
# conditional access requires MFA); otherwise SSO users also set up a second factor here.
CASEAUDIT_SSO_SATISFIES_MFA = bool(OIDC_CLIENT_ID) and env_bool("OIDC_IDP_ENFORCES_MFA")
if OIDC_CLIENT_ID:
    OIDC_SERVER_URL = os.environ.get("OIDC_SERVER_URL", "").rstrip("/")
    if not OIDC_SERVER_URL.startswith("https://"):
        raise ImproperlyConfigured("Set OIDC_SERVER_URL to the provider's https issuer URL.")
    if any(f"/{t}/" in OIDC_SERVER_URL + "/" for t in ("common", "organizations", "consumers")):
        raise ImproperlyConfigured(
            "OIDC_SERVER_URL must name one tenant, not a multi-tenant endpoint: accounts are "
            "matched by email, which only the authority's own tenant vouches for."
        )
    INSTALLED_APPS += [
        "allauth.socialaccount",
        "allauth.socialaccount.providers.openid_connect",
    ]
    SOCIALACCOUNT_ADAPTER = "caseaudit.accounts.sso.ExistingAccountSocialAdapter"
    SOCIALACCOUNT_AUTO_SIGNUP = False
    SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter matches the account instead
    SOCIALACCOUNT_LOGIN_ON_GET = False
    SOCIALACCOUNT_STORE_TOKENS = False
    SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "entra",
                    "name": os.environ.get("OIDC_PROVIDER_NAME", "Microsoft Entra ID"),
                    "client_id": OIDC_CLIENT_ID,
                    "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                    "settings": {"server_url": OIDC_SERVER_URL},
                }
            ],
        }
    }

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS to the mail server: on by default in production (emails carry names and links to
# records about children); EMAIL_USE_TLS=0 turns it off, e.g. for a relay on the same host.
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not DEBUG)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))  # seconds; a send holds a row lock
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "caseaudit@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The files an email can carry (caseaudit.notifications.models.AttachmentKind) -> the function
# that makes one from the object's id when the email is sent. The notifications app sits below
# the apps that own the files, so the project wires them here (docs/CONVENTIONS.md, "Layers").
NOTIFICATION_ATTACHMENT_MAKERS = {
    "audit_pdf": "caseaudit.responses.attachments.email_attachment",
}

# Django's default cache holds what every server process must count together: the sign-in
# rate limits (allauth), the TOTP codes already used (each works once) and the API's rate
# limits (caseaudit/api/throttling.py). With REDIS_URL (redis://host:6379/0) it is Redis;
# otherwise a table in the database (made by migration accounts.0005), which every process
# shares with no other service, at a few queries per counted request.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, with one client per process (caseaudit/core/cache.py).
            "BACKEND": "caseaudit.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "caseaudit",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "caseaudit_cache",
            # Expired entries are deleted once there are more than this: far above the few
            # hundred counters in use, so that culling never resets a live rate limit.
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }

# Summaries of a person's whole case scope are kept in this cache for this many seconds, per
# scope (and role): the home page's figures and count of open cases (caseaudit/site/views.py,
# `home_figures`) and the case list's team and worker filters (caseaudit/cases/selectors.py,
# `case_filter_choices`). They may be that much behind the records; 0 reads them every time.
# The lists of records on those pages are always read afresh.
SCOPE_SUMMARY_SECONDS = int(os.environ.get("SCOPE_SUMMARY_SECONDS", "60"))

# An audit whose overall scale is in the lowest band asks for a follow-up audit of the case
# this many months later (caseaudit/programme/followups.py; docs/improvement.md).
FOLLOWUP_MONTHS = int(os.environ.get("FOLLOWUP_MONTHS", "3"))

# The accessibility statement's contact (/accessibility/): the email address (empty: the
# DEFAULT_FROM_EMAIL), and a phone number shown only when set.
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", "")
ACCESSIBILITY_CONTACT_PHONE = os.environ.get("ACCESSIBILITY_CONTACT_PHONE", "")

# GOV.UK Notify (docs/feedback.md): feedback requests to families by email or text message.
# Without an API key (or without the family's contact details) the auditor prints a letter.
# The templates use ((council)), ((link)) and ((expires)).
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID", "")
NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID", "")
# The public feedback form's rate limits, "count/seconds": per address, per link.
FEEDBACK_RATE_PER_ADDRESS = os.environ.get("FEEDBACK_RATE_PER_ADDRESS", "60/600")
FEEDBACK_RATE_PER_TOKEN = os.environ.get("FEEDBACK_RATE_PER_TOKEN", "20/3600")

# Background tasks (django-tasks): stored in the database and run by `manage.py db_worker`,
# which `make run` starts beside the web server.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("CASEAUDIT_TESTING")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("CASEAUDIT_TESTING")

# Sessions: short-lived, not persistent across browser restarts, and secure in production.
# Idle timeout (SESSION_COOKIE_AGE, renewed by requests at most once a minute:
# caseaudit.accounts.session_touch, so that a page costs no session write) and an absolute
# lifetime from sign-in (caseaudit.accounts.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(10 * 60 * 60)))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
# With Redis, sessions are read from the shared cache and written through to the database
# (cached_db: ending a session deletes both, for every process at once). Without Redis the
# cache is itself a database table, so the sessions stay in theirs (a cache in front would
# add a write per save and save no read).
# On PostgreSQL each server process also keeps the sessions and users it has read, and drops
# them the moment they change anywhere (caseaudit/accounts/local_cache.py; LOCAL_AUTH_CACHE=0
# turns that off, e.g. behind a connection pooler in transaction mode).
SESSION_ENGINE = (
    "caseaudit.accounts.sessions.cached_db" if REDIS_URL else "caseaudit.accounts.sessions.db"
)
CASEAUDIT_LOCAL_AUTH_CACHE = env_bool("LOCAL_AUTH_CACHE", True)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # The __Host- prefix: browsers keep these cookies only if Secure, for this host alone (no
    # Domain) and the whole site (Path=/), so a sibling subdomain cannot set or shadow them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Behind a load balancer or reverse proxy that ends TLS and sets X-Forwarded-Proto (and strips
# any value the client sent): TRUST_X_FORWARDED_PROTO=1 makes "https" there count as a secure
# request. Off by default: without such a proxy, a client could claim HTTPS with the header.
if env_bool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# HSTS already covers subdomains; "preload" only consents to the browsers' preload list (the
# authority submits its domain there, or not). SECURE_HSTS_PRELOAD=0 leaves it out.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): no inline scripts or styles, nothing from elsewhere.
# img-src allows data: for the TOTP QR code, which allauth renders as a data: URI.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
if OIDC_CLIENT_ID:
    # The SSO button posts to our own page, which redirects to the provider: browsers apply
    # form-action to that redirect, so the provider's origin must be allowed.
    from urllib.parse import urlsplit

    _issuer = urlsplit(OIDC_SERVER_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(
        f"{_issuer.scheme}://{_issuer.netloc}"
    )
# Browser features no page here uses (caseaudit.core.security.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"

CASE_LIST_PAGE_SIZE = 25
# Data protection: how many whole years after a case closes its records here (the case, its
# audits, responses, allocations, history and notifications) are kept before
# `manage.py apply_retention` deletes them. 7 is a common default for the working records of a
# quality audit; the authority's own retention schedule decides (children's social care case
# files themselves are often kept far longer, e.g. until the child is 75 for looked-after
# children), so set it to match that schedule.
RETENTION_YEARS_AFTER_CLOSURE = int(os.environ.get("RETENTION_YEARS_AFTER_CLOSURE", "7"))

# API rate limits ("N/s", "N/m", "N/h" or "N/d"; empty turns a limit off): per API token, and
# per client address for requests without a valid token. Counted in the default cache.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "600/m")
API_ANON_THROTTLE_RATE = os.environ.get("API_ANON_THROTTLE_RATE", "60/m")
# An API token expires this many days after it is issued (caseaudit.api.services).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
# Uploads of more rows than this are imported by a background task, with a progress page
# (0: every upload). The task worker (`manage.py db_worker`) must be running.
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "5000"))
# The most rows an import file may have (counted as read, never from a workbook's declared
# size); a workbook may expand to at most IMPORT_XLSX_MAX_MB when unzipped, and at most
# IMPORT_XLSX_MAX_RATIO times its compressed size (zip bombs). A background import with no
# news for IMPORT_STALE_MINUTES is failed (its worker stopped) and its file deleted.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "250000"))
IMPORT_XLSX_MAX_UNCOMPRESSED = int(os.environ.get("IMPORT_XLSX_MAX_MB", "50")) * 1024 * 1024
IMPORT_XLSX_MAX_RATIO = int(os.environ.get("IMPORT_XLSX_MAX_RATIO", "100"))
IMPORT_STALE_MINUTES = int(os.environ.get("IMPORT_STALE_MINUTES", "30"))

# The timeout warning (static/core/js/timeout.js) opens this many seconds before the idle
# timeout (SESSION_COOKIE_AGE) signs a person out, and offers to keep them signed in.
SESSION_WARNING_SECONDS = int(os.environ.get("SESSION_WARNING_SECONDS", "120"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # APScheduler says "Running job ... executed successfully" at INFO for every tick of the
    # scheduler (twice a minute); the jobs' own runs and failures are logged by caseaudit.jobs.
    "loggers": {"apscheduler": {"level": "WARNING"}},
}
