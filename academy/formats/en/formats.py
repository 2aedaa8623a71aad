"""The same style in English (see academy/formats/fr/formats.py): "December 12, 2026" and
"December 12, 2026 at 14:05"."""
DATE_FORMAT = "F j, Y"
DATETIME_FORMAT = r"F j, Y \a\t H:i"
TIME_FORMAT = "H:i"
