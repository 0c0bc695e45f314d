"""WeCom (企业微信): customer contact (客户联系) — client, callback crypto and simulator."""
