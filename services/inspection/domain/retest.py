"""Results procedure (issue 13, item 4): the re-test window and the re-test lab. Pure.

* The enterprise may ask for a re-test within 15 days of *receiving* the result (产品质量监督
  抽查管理暂行办法 art. 34: 自收到检验结果之日起十五日内), counted per Civil Code arts. 201-203:
  the day of receipt is not counted, a period ending on a rest day ends on the next working day.
* The re-test lab is drawn at random among the labs accredited for the product's category other
  than the first lab (art. 35: 复检机构不得为初检机构) and without a declared conflict with the
  enterprise. ``retest-lab-v1``: ``stream = SHAKE-256("qp-retest-lab-v1" || 0x00 || seed ||
  task_id as UTF-8)``; read 8-byte big-endian integers ``x`` until ``x < 2^64 - (2^64 mod n)``;
  the lab is ``sorted(candidates)[x mod n]``. ``seed`` is the draw's revealed seed, the
  candidates are published with the result, so anyone can recompute it.
"""

import hashlib
from datetime import date

from shared.periods import Dated, Period, Unit, period_end

RETEST_WINDOW = Period(15, Unit.DAYS, roll_forward=True)
WINDOW_SOURCE = "产品质量监督抽查管理暂行办法 第三十四条; 民法典 第二百零一条至第二百零三条"
LAB_SOURCE = "产品质量监督抽查管理暂行办法 第三十五条"
ALGORITHM = "retest-lab-v1"
_DOMAIN = b"qp-retest-lab-v1\x00"


def retest_window_end(received_on: date) -> Dated:
    return period_end(received_on, RETEST_WINDOW)


def draw_retest_lab(seed: bytes, task_id: str, candidates: list[str]) -> str:
    ordered = sorted(set(candidates))
    n = len(ordered)
    if n == 0:
        raise ValueError("no candidate lab")
    limit = 2**64 - (2**64 % n)
    shake = hashlib.shake_256(_DOMAIN + seed + task_id.encode())
    offset, chunk = 0, b""
    while True:
        if offset + 8 > len(chunk):
            chunk = shake.digest(len(chunk) * 2 + 64)
        x = int.from_bytes(chunk[offset : offset + 8], "big")
        offset += 8
        if x < limit:
            return ordered[x % n]
