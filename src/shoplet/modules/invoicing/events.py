"""Events invoicing publishes (outbox, in the transaction of the change).

- ``invoice.issued`` {invoice_no, order_no, member_id, kind (blue/red), amount, tax,
  invoice_number, issued_at} — once per invoice, when the provider's signed callback says
  issued (red-letter invoices too, with negative amounts).

Invoicing subscribes (``tasks.py``) to orders' ``order.refunded`` and ``aftersale.refunded``:
an issued invoice that no longer matches what the order kept is reversed (冲红) and, when
something is left, a new one is issued for it.
"""

from __future__ import annotations

from typing import Final

INVOICE_ISSUED: Final = "invoice.issued"
