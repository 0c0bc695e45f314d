"""WeCom (企业微信) customer contact (客户联系): 渠道活码 per store or campaign, customers added
through them attributed by ``state`` and linked to members by unionid, corp tags from a segment
(omnichannel.md, "WeCom")."""
