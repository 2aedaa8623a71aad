"""Ticketing connectors: the bridge on the other end of a ticketing system (issue #19).

One module per system (`rt` for Request Tracker 5) implements `TicketSystem`, the small interface
the sync (`routing_bridge.connectors.sync`) drives: the changes since a cursor (new tickets, queue,
owner and status changes, in the system's order), a ticket read, assign, comment, and the open
tickets per owner. The sync holds every rule (what is routed, what becomes feedback, what is never
overwritten); a module only speaks its system's API. `ticket_system(connector)` builds the module
a connector names (`Connector.kind`); a new system is one entry in `SYSTEMS`.
"""
from routing_bridge.connectors.base import Change, Ticket, TicketSystem, TicketSystemError, TicketSystemRefused
from routing_bridge.connectors.rt import RequestTracker

__all__ = ["Change", "Ticket", "TicketSystem", "TicketSystemError", "TicketSystemRefused", "ticket_system"]

SYSTEMS = {"rt": RequestTracker}


def ticket_system(connector) -> TicketSystem:
    """The module of `connector.kind`, connected with the connector's URL and credentials."""
    return SYSTEMS[connector.kind].for_connector(connector)
