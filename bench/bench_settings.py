"""Settings of the gunicorn that bench/bridge_qualified.py starts: the development settings (the
bench turns DEBUG off) and one more URL, `POST /bench/bare`, never served in production."""
from academy.settings.dev import *  # noqa: F401,F403

ROOT_URLCONF = "bench_urls"
