"""Payments: WeChat Pay v3 (JSAPI and H5) payments and refunds, with an append-only history.

Other modules use :mod:`shoplet.modules.payments.public` only.
"""
