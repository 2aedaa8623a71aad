"""Ticket categories as routers send them ("Réseau > VPN"): the one form they are stored and compared
in, their lookup key, and the prefix walk. The category rules (routing_bridge) and the knowledge
base (knowledge) both attach things to a category and let its sub-categories inherit them."""

CATEGORY_SEPARATOR = " > "


def category_normalize(category: str) -> str:
    """'Réseau>VPN ' -> 'Réseau > VPN': the form categories are stored and compared in."""
    parts = [part.strip() for part in (category or "").split(">")]
    return CATEGORY_SEPARATOR.join(part for part in parts if part)


def category_key(category: str) -> str:
    """The case-insensitive lookup key of a category path."""
    return category_normalize(category).casefold()


def category_keys(category: str) -> list[str]:
    """The keys of what may apply to `category`, most specific first: "Réseau > VPN" gives the
    keys of "Réseau > VPN" then of "Réseau". Empty for an empty category."""
    normalized = category_normalize(category)
    if not normalized:
        return []
    parts = normalized.split(CATEGORY_SEPARATOR)
    return [category_key(CATEGORY_SEPARATOR.join(parts[:i])) for i in range(len(parts), 0, -1)]
