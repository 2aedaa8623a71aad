"""Settings shared by every environment; dev, test and prod adjust them."""
from datetime import timedelta
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from academy.env import env_bool, env_database, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ACADEMIE_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The absolute URL of the site: used in e-mails, certificates' QR codes and xAPI actor homePage.
ACADEMIE_SITE_URL = env_str("ACADEMIE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = ACADEMIE_SITE_URL
WAGTAIL_SITE_NAME = "Académie"
# An internal tool calls no outside host: no avatars from gravatar.com (they would send staff
# e-mail hashes out, and show broken pictures offline), no update check against releases.wagtail.org.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

INSTALLED_APPS = [
    "academy.apps.AcademyConfig",
    "learning_records.apps.LearningRecordsConfig",
    "skills.apps.SkillsConfig",
    "courses.apps.CoursesConfig",
    "courses.paths.apps.PathsConfig",
    "knowledge.apps.KnowledgeConfig",
    "assessments.apps.AssessmentsConfig",
    "routing_bridge.apps.RoutingBridgeConfig",
    "workspace.apps.WorkspaceConfig",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
]

MIDDLEWARE = [
    # First: the machine APIs (ACADEMIE_API_PATHS) leave here for their own chain, below.
    "academy.api_middleware.ApiPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "courses.middleware.CatalogueSiteMiddleware",
    # Last: turns a login refused by the password-guessing throttle into its page (academy.login_throttle).
    "axes.middleware.AxesMiddleware",
]
# The bridge API (not its documentation page, a site page with the signed-in navigation) skips the
# site's sessions, CSRF, sign-in, messages, Wagtail redirects and password-guessing throttle: a
# router has none of them. It keeps the security headers, the language of its messages (cookie or
# Accept-Language, French by default), Content-Length and X-Frame-Options (academy.api_middleware).
ACADEMIE_API_PATHS = r"/api/bridge/v1/(?!docs)"
ACADEMIE_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "academy.urls"
WSGI_APPLICATION = "academy.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workspace.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'academie.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the demo's SQLite file: wait for locks.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The routing bridge prepares its hot statements on PostgreSQL; turn off behind a pooler that
# cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
BRIDGE_PREPARED_STATEMENTS = env_bool("BRIDGE_PREPARED_STATEMENTS", True)
# Each process hears of matrix changes by PostgreSQL NOTIFY (routing_bridge.matrix) and then reads
# nothing from the database for `qualified` until something changes; off: it reads the ledger's new
# rows at every question (behind a pooler in transaction mode, which cannot keep a LISTEN).
BRIDGE_MATRIX_LISTEN = env_bool("BRIDGE_MATRIX_LISTEN", True)
# Webhooks only to https:// URLs (on in production: prod.py).
BRIDGE_WEBHOOK_HTTPS_ONLY = env_bool("BRIDGE_WEBHOOK_HTTPS_ONLY", False)

# Authentication stays pluggable: a later SSO adds its backend in front through the environment.
# The password-guessing throttle (django-axes) comes first, whatever the environment adds.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           *env_list("AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"])]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    # Django's list of 20,000 common passwords (password, azertyuiop, motdepasse, soleil...).
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password guessing (academy.login_throttle): failures counted per account and per address; once
# either limit is reached, every password check is refused for the lockout time after the last
# failure, the right password included.
AXES_FAILURE_LIMIT = env_int("ACADEMIE_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
ACADEMIE_LOGIN_FAILURES_PER_ADDRESS = env_int("ACADEMIE_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ACADEMIE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "academy.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "academy.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "academy.login_throttle.client_address"
# How many reverse proxies in front of the site append to X-Forwarded-For (0: use REMOTE_ADDR).
ACADEMIE_TRUSTED_PROXIES = env_int("ACADEMIE_TRUSTED_PROXIES", 0, minimum=0)
AXES_DISABLE_ACCESS_LOG = True  # failures only: no row for every successful sign-in or xAPI request
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date style for the site, per language (academy/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["academy.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("fr", "Français")]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# PostgreSQL: French stemming without accents ("sécurité" and "securite" are one word), the text
# search configuration created by knowledge.0002 (docs/knowledge.md, "Search"). Other databases
# ignore it.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database",
                                      "SEARCH_CONFIG": "french_unaccent"}}
WAGTAILEMBEDS_FINDERS = [{"class": "wagtail.embeds.finders.oembed"}]

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "academie@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("CACHE_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("CACHE_URL")}}
    # Sessions are read from the cache that every process shares and written through to the
    # database: one query less on every signed-in request. Never with the local-memory cache,
    # where each process would keep its own copy (a sign-out in one would not reach the others).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Whether the cache is shared by every process (Redis): what may be cached there and dropped by
# any process when it changes, such as Wagtail's site lookup (courses.site_cache).
ACADEMIE_SHARED_CACHE = bool(env_str("CACHE_URL"))
# Each process keeps the router clients it authenticated and checks them against a version in the
# shared cache, in the round trip that counts the request for the rate limit (routing_bridge.access).
# Only with a shared cache: with a cache of its own, a process would not hear of a revocation made
# in another one, so the client is read from the database on every request.
BRIDGE_CLIENT_CACHE = env_bool("BRIDGE_CLIENT_CACHE", ACADEMIE_SHARED_CACHE)

# Celery. The default broker is SQLite through kombu's SQLAlchemy transport: the demo needs no
# service. Production sets CELERY_BROKER_URL to Redis or RabbitMQ.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", None)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Periodic tasks, declared in code. Each app adds its own entries in its tasks module's
# PERIODIC_TASKS; academy.celery collects them.
CELERY_BEAT_SCHEDULE: dict = {}

# xAPI forwarding: a default LRS from the environment, others added in the admin.
ACADEMIE_LRS_URL = env_str("ACADEMIE_LRS_URL", None)
ACADEMIE_LRS_USERNAME = env_str("ACADEMIE_LRS_USERNAME", None)
ACADEMIE_LRS_PASSWORD = env_str("ACADEMIE_LRS_PASSWORD", None)

# Open Badges are signed (VC-JWT, EdDSA) with an Ed25519 private key in PEM: the text itself or a
# file. Without either, development and tests generate one in VAR_DIR on first use (prod.py
# refuses to start). The public keys of earlier signing keys (PEM text, one or more) stay
# published so that badges signed before a rotation still verify (assessments.badge_signing).
ACADEMIE_BADGE_SIGNING_KEY = env_str("ACADEMIE_BADGE_SIGNING_KEY", None)
ACADEMIE_BADGE_SIGNING_KEY_FILE = env_str("ACADEMIE_BADGE_SIGNING_KEY_FILE", None)
ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS = env_str("ACADEMIE_BADGE_PREVIOUS_PUBLIC_KEYS", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_error_without_traceback": {"()": "academy.log_filters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                             "filters": ["client_error_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default configuration gives the "django" logger a console handler of its own
        # (active when DEBUG is on): with the root's, every django.* line was printed twice.
        # Configuring it resets its children: every django.* record, runserver's request lines
        # included, now goes to the root's handler only, once, in one format.
        "django": {"handlers": [], "level": env_str("LOG_LEVEL", "INFO"), "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        # django_tasks logs every search-index update at INFO: noise in commands and worker logs.
        "django_tasks": {"level": "WARNING"},
    },
}
