"""Staff: the merchant's console accounts, sign-in with TOTP MFA, roles and permissions (RBAC,
``pii:reveal`` included), the append-only audit log, and the routes that manage them.

Staff sits in the base layer and imports no module: every module's ``console_api.py`` depends on
``staff.public`` for authentication, permissions and auditing.
"""
