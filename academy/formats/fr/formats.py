"""The site's one French date style (settings.FORMAT_MODULE_PATH): "12 décembre 2026" for a day,
"12 décembre 2026 à 14:05" for an instant. Templates name these formats (`|date:"DATE_FORMAT"`)
and Python code calls django.utils.formats.date_format; none spells a pattern of its own."""
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y à H:i"
TIME_FORMAT = "H:i"
