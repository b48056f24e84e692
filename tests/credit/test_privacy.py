"""Issue 10: public credit outputs never show identity numbers or the names of the persons in
the case, however the text writes them (property test) and wherever they appear (API)."""

import re
from datetime import date

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from services.credit.domain.masking import scrub
from tests.credit.conftest import HANGZHOU, Clock, record
from tests.credit.test_api import proposal

SEPARATORS = [" ", "-", "‐", "–", "—", "_", ".", "·", "/", ":", "：", ",", "，", "  ", " -"]
FILLER = st.text(
    alphabet=st.sampled_from(list("的了在是经营者销售不合格产品，。；（）()abcdefghijklmnop ")),
    max_size=30,
)
SURNAMES = "王李张刘陈杨黄赵吴周欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    check = draw(st.sampled_from(list("0123456789X")))
    if draw(st.booleans()):
        return f"{region}{born:%Y%m%d}{seq}{check}"
    return f"{region}{born:%y%m%d}{seq}"  # the old 15-digit form


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """The number as an official might type it: separators anywhere, a prefix perhaps."""
    out = []
    for i, ch in enumerate(digits):
        out.append(ch)
        if i < len(digits) - 1 and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    prefix = draw(st.sampled_from(["", "ID", "id:", "身份证号", "身份证号码：", "No.", "证件号 "]))
    return prefix + "".join(out)


names = st.builds(
    lambda s, g: s + g,
    st.sampled_from(list(SURNAMES)),
    st.text(alphabet=st.sampled_from(list(GIVEN)), min_size=1, max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), people=st.lists(names, min_size=1, max_size=3, unique=True))
def test_scrubbed_text_shows_no_id_number_and_no_named_person(
    data: st.DataObject, people: list[str]
) -> None:
    ids = data.draw(st.lists(id_numbers(), min_size=1, max_size=2))
    parts = []
    for i, number in enumerate(ids):
        parts += [data.draw(FILLER), data.draw(written(number)), data.draw(FILLER)]
        parts += [people[i % len(people)], data.draw(FILLER)]
    text = "".join(parts)
    out = scrub(text, people) or ""
    digits_only = re.sub(r"[^0-9Xx]", "", out)
    for number in ids:
        assert number not in digits_only, (text, out)
    for person in people:
        assert person not in out, (text, out)


def test_listing_reasons_mask_every_person_named_in_the_case(
    client: TestClient, serious_record: str, as_regulator: dict[str, str], clock: Clock
) -> None:
    reason = "法定代表人王小明（身份证号 330102-19800101-1234）再次销售不合格产品"
    r = client.post("/listings", headers=as_regulator, json=proposal(serious_record, reason=reason))
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    clock.today = date(2026, 9, 17)
    assert client.post(f"/listings/{lid}/confirm", headers=as_regulator).status_code == 200
    public = [
        client.get(f"/listings/{lid}").json()["reason"],
        client.get(f"/public/enterprises/{HANGZHOU}").json()["dishonesty_list"]["listings"][0][
            "reason"
        ],
        next(
            i["listing"]["reason"]
            for i in client.get("/public/disclosures").json()["items"]
            if i["entity"] == "listing" and "listing" in i
        ),
    ]
    for text in public:
        assert "王小明" not in text and "王**" in text, text
        assert "1980" not in text and "[ID number withheld]" in text, text


def test_record_facts_hide_id_numbers_written_with_separators_or_prefixes(
    client: TestClient, enterprises: None, as_regulator: dict[str, str]
) -> None:
    facts = "责任人王小明，ID330102198001011234，另见 3301 0219 8001 0112 34。"
    r = client.post("/records", headers=as_regulator, json=record(facts=facts))
    assert r.status_code == 201, r.text
    shown = client.get(f"/records/{r.json()['id']}").json()["facts"]
    assert "330102" not in shown and "3301 02" not in shown and "王小明" not in shown, shown
