"""Invoicing's business, one file per use case: titles and tax profiles (``titles.py``),
invoices, issuing, callbacks and refunds (``invoices.py``), the PDF and OFD files
(``files.py``); shared helpers in ``_common.py``."""

from __future__ import annotations

from shoplet.modules.invoicing.service._common import (
    CLOCK_KEY,
    backoff,
    clock_of,
    install,
    integrations_of,
    new_invoice_no,
)
from shoplet.modules.invoicing.service.files import FILE_FORMATS, invoice_file
from shoplet.modules.invoicing.service.invoices import (
    apply_result,
    due_invoices,
    issue_one,
    list_admin,
    on_refund,
    order_invoices,
    request_invoice,
    retry,
)
from shoplet.modules.invoicing.service.titles import (
    create_title,
    delete_title,
    list_titles,
    set_tax_profile,
    tax_profile,
    update_title,
)

__all__ = [
    "CLOCK_KEY",
    "FILE_FORMATS",
    "apply_result",
    "backoff",
    "clock_of",
    "create_title",
    "delete_title",
    "due_invoices",
    "install",
    "integrations_of",
    "invoice_file",
    "issue_one",
    "list_admin",
    "list_titles",
    "new_invoice_no",
    "on_refund",
    "order_invoices",
    "request_invoice",
    "retry",
    "set_tax_profile",
    "tax_profile",
    "update_title",
]
