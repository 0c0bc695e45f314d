"""Invoicing errors: HTTP status and a stable ``invoicing.*`` code each."""

from __future__ import annotations

from shoplet.core.errors import BadRequest, Conflict, NotFound


class TaxIdInvalid(BadRequest):
    code = "invoicing.tax_id_invalid"
    title = "The tax id is not a valid unified social credit code (统一社会信用代码)"


class TitleNotFound(NotFound):
    code = "invoicing.title_not_found"
    title = "No such invoice title"


class TooManyTitles(Conflict):
    code = "invoicing.too_many_titles"
    title = "A shopper keeps at most 20 invoice titles"


class InvoiceNotFound(NotFound):
    code = "invoicing.invoice_not_found"
    title = "No such invoice"


class OrderNotInvoiceable(Conflict):
    code = "invoicing.order_not_invoiceable"
    title = "Invoices are issued for paid or completed orders with something left to invoice"


class AlreadyRequested(Conflict):
    code = "invoicing.already_requested"
    title = "This order already has an invoice"


class FormatUnknown(BadRequest):
    code = "invoicing.format_unknown"
    title = "Invoices are downloaded as pdf or ofd"


class PdfNotReady(Conflict):
    code = "invoicing.pdf_not_ready"
    title = "The invoice is not issued yet"


class RetryNotAllowed(Conflict):
    code = "invoicing.retry_not_allowed"
    title = "Only a failed invoice can be retried"
