"""Members: shopper accounts, WeChat and SMS login, storefront tokens, delivery addresses.

Other modules import only :mod:`shoplet.modules.members.public`.
"""
