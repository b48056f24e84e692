"""The one cursor codec every listing uses."""

import base64

import pytest

from shared.exceptions import InvalidInput
from shared.pagination import cut_page, decode_cursor, decode_int_cursor, encode_cursor


def test_a_cursor_round_trips_string_and_integer_keys() -> None:
    assert decode_cursor(encode_cursor("unit-42")) == "unit-42"
    assert decode_int_cursor(encode_cursor(42)) == 42


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None) == ""
    assert decode_int_cursor("") == 0


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",  # not base64
        base64.urlsafe_b64encode(b"v2:5").decode(),  # a version this API never issued
        base64.urlsafe_b64encode(b"v1:a\x00b").decode(),  # NUL is no stored key
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
    ],
)
def test_a_cursor_this_api_did_not_hand_out_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(cursor)
    assert raised.value.code == "invalid_cursor"


@pytest.mark.parametrize("key", ["x", "-1", str(2**63)])
def test_an_integer_cursor_must_hold_a_bigint_id(key: str) -> None:
    with pytest.raises(InvalidInput):
        decode_int_cursor(encode_cursor(key))


def test_cut_page_hands_out_a_cursor_only_when_more_rows_follow() -> None:
    rows = [{"id": i} for i in range(1, 5)]
    page, cursor = cut_page(rows, 3, lambda row: row["id"])
    assert [r["id"] for r in page] == [1, 2, 3]
    assert cursor is not None and decode_int_cursor(cursor) == 3
    assert cut_page(rows, 4, lambda row: row["id"]) == (rows, None)
    assert cut_page([], 3, lambda row: row["id"]) == ([], None)
