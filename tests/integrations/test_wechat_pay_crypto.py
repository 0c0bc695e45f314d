"""WeChat Pay v3 primitives checked against values computed independently with cryptography."""

from __future__ import annotations

import base64
import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shoplet.core.config_check import config_problems
from shoplet.core.settings import Settings
from shoplet.integrations.wechat.pay import MemoryReplayStore, parse_trade_bill
from shoplet.integrations.wechat.pay_crypto import (
    DecryptionFailed,
    aead_decrypt,
    aead_encrypt,
    build_authorization,
    format_rfc3339,
    generate_private_key,
    parse_authorization,
    parse_rfc3339,
    rsa_verify,
)
from shoplet.integrations.wechat.pay_simulator import SimulatorKeys

BODY = '{"appid":"wxd678efh567hg6787","mchid":"1230000109","amount":{"total":100}}'


def test_request_signature_matches_an_independent_computation() -> None:
    key = generate_private_key()
    header = build_authorization(
        mchid="1900009191",
        serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
        private_key=key,
        method="post",
        url="/v3/pay/transactions/jsapi",
        body=BODY,
        timestamp=1554208460,
        nonce="593BEC0C930BF1AFEB40B4A08C8FB242",
    )
    # The documented message: five lines, each ending in \n, the method upper-cased.
    message = (
        b"POST\n/v3/pay/transactions/jsapi\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
        + BODY.encode()
        + b"\n"
    )
    expected = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()
    assert header == (
        'WECHATPAY2-SHA256-RSA2048 mchid="1900009191",'
        'nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",'
        f'signature="{expected}",timestamp="1554208460",'
        'serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"'
    )
    parts = parse_authorization(header)
    assert parts is not None
    assert parts.signature == expected
    assert parts.mchid == "1900009191"
    assert rsa_verify(key.public_key(), message, expected)
    assert not rsa_verify(key.public_key(), message.replace(b"100", b"101"), expected)
    assert not rsa_verify(key.public_key(), message, "not base64!")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        'Bearer mchid="1"',
        'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="1",serial_no="s"',
        "WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str=n,signature=s,timestamp=1,serial_no=s",
    ],
)
def test_malformed_authorization_headers_parse_to_none(header: str | None) -> None:
    assert parse_authorization(header) is None


def test_aead_matches_aesgcm_and_rejects_any_change() -> None:
    key = b"0123456789abcdef0123456789abcdef"
    ciphertext = aead_encrypt(
        key, nonce="fdasflkja484", associated_data="transaction", plaintext=b'{"a":1}'
    )
    independent = AESGCM(key).encrypt(b"fdasflkja484", b'{"a":1}', b"transaction")
    assert base64.b64decode(ciphertext) == independent
    assert len(independent) == len(b'{"a":1}') + 16  # the GCM tag rides at the end
    assert (
        aead_decrypt(
            key, nonce="fdasflkja484", associated_data="transaction", ciphertext=ciphertext
        )
        == b'{"a":1}'
    )
    for nonce, associated, text in (
        ("fdasflkja485", "transaction", ciphertext),
        ("fdasflkja484", "refund", ciphertext),
        ("fdasflkja484", "transaction", "B" + ciphertext[1:]),
        ("fdasflkja484", "transaction", "%%%"),
    ):
        with pytest.raises(DecryptionFailed):
            aead_decrypt(key, nonce=nonce, associated_data=associated, ciphertext=text)


def test_times_are_rfc3339_in_china_time() -> None:
    moment = datetime(2024, 5, 20, 5, 29, 35, tzinfo=UTC)
    assert format_rfc3339(moment) == "2024-05-20T13:29:35+08:00"
    assert parse_rfc3339("2024-05-20T13:29:35+08:00") == moment
    with pytest.raises(ValueError, match="offset"):
        parse_rfc3339("2024-05-20T13:29:35")
    with pytest.raises(ValueError, match="aware"):
        format_rfc3339(datetime(2024, 5, 20))  # noqa: DTZ001


def test_simulator_keys_are_generated_once_into_the_directory(tmp_path: Path) -> None:
    directory = tmp_path / "wechatpay-sim"
    first = SimulatorKeys.load_or_create(directory)
    assert sorted(p.name for p in directory.iterdir()) == [
        "apiclient_key.pem",
        "apiv3_key",
        "pub_key.pem",
        "wechatpay_private_key.pem",
    ]
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = SimulatorKeys.load_or_create(directory)
    assert again.merchant_serial == first.merchant_serial
    assert again.platform_serial == first.platform_serial
    assert again.apiv3_key == first.apiv3_key
    assert len(first.apiv3_key) == 32
    assert len(first.merchant_serial) == 40
    assert first.platform_serial.startswith("PUB_KEY_ID_")
    assert len(first.platform_serial) == len("PUB_KEY_ID_") + 28


async def test_memory_replay_store_forgets_after_the_window() -> None:
    now = [1000.0]
    store = MemoryReplayStore(clock=lambda: now[0])
    assert await store.claim("n1", 600) is True
    assert await store.claim("n1", 600) is False
    assert await store.claim("n2", 600) is True
    now[0] += 599
    assert await store.claim("n1", 600) is False
    now[0] += 2
    assert await store.claim("n1", 600) is True


def test_documented_bill_layout_parses_to_fen() -> None:
    content = (
        "\ufeff交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
        "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
        "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n"
        "`2022-03-21 13:51:31,`wxfdc955f7104ad557,`180023671,`176531292,`,"
        "`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,"
        "`JSAPI,`SUCCESS,`OTHERS,`CNY,`12.34,`0.00,`0,`0,`0.00,`0.00,`,`,`测试商品,`,"
        "`0.07404,`0.60%,`12.34,`0.00,`\r\n"
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n"
        "`1,`12.34,`0.00,`0.00,`0.07404,`12.34,`0.00\r\n"
    )
    bill = parse_trade_bill(content, date(2022, 3, 21))
    assert len(bill.rows) == 1
    row = bill.rows[0]
    assert row.trade_time == datetime(2022, 3, 21, 5, 51, 31, tzinfo=UTC)
    assert row.transaction_id == "420000612032130748613220688"
    assert row.out_trade_no == "2021WERUN1647840687637"
    assert row.settlement_total == 1234
    assert row.order_amount == 1234
    assert row.refund_id is None
    assert row.out_refund_no is None
    assert row.fee == Decimal("0.07404")
    assert row.rate == "0.60%"
    assert row.description == "测试商品"
    assert bill.summary.count == 1
    assert bill.summary.settlement_total == 1234
    assert bill.summary.fee_total == Decimal("0.07404")
    with pytest.raises(ValueError, match="summary"):
        parse_trade_bill(content.split("总交易单数", maxsplit=1)[0], date(2022, 3, 21))
    with pytest.raises(ValueError, match="two decimals"):
        parse_trade_bill(
            content.replace("`12.34,`0.00,`0,", "`12.345,`0.00,`0,"), date(2022, 3, 21)
        )


def test_config_check_reports_half_configured_production_pay() -> None:
    problems = config_problems(
        Settings(
            env="production",
            database_url="postgresql+asyncpg://db/shoplet",
            secret_key="s" * 48,
            pii_key="0123456789abcdef0123456789abcdef",
            wechat_api_base="https://api.weixin.qq.com",
            wechatpay_api_base="https://api.mch.weixin.qq.com",
        )
    )
    assert "SHOPLET_WECHATPAY_MCHID: not set (WeChat Pay)" in problems
    assert config_problems(Settings(wechatpay_apiv3_key="too-short")) == [
        "SHOPLET_WECHATPAY_APIV3_KEY: must be 32 bytes"
    ]
