"""Events the members module publishes.

None yet: logins, profile and address changes are private to members. When another module needs
to react (e.g. a welcome coupon on ``member.registered``), the event is written to the outbox in
the same transaction as the member row and its name and payload are documented here.
"""
