"""Development and demo: DEBUG on unless told otherwise, console e-mail, SQLite by default."""
from .base import *  # noqa: F401,F403
from academy.env import env_bool

DEBUG = env_bool("DEBUG", True)
