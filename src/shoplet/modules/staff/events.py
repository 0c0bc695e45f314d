"""Staff events. Staff publishes none yet: staff actions are recorded in the audit log
(``staff_audit_log``), and changes to products, stock or orders are published as events by the
modules that own them."""
