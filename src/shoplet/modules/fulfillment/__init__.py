"""Fulfillment: shipments, carrier tracking (Kuaidi100), WeChat 发货信息录入, e-waybills."""
