"""Which authority's running check keeps a unit from which other authority's draw. Pure data
with its legal source (issue 13, item 3).

Product Quality Law art. 15(2): "国家监督抽查的产品，地方不得另行重复抽查；上级监督抽查的产品，下级
不得另行重复抽查" -- a lower level must not repeat a higher level's check; nothing bars a higher
level from checking what a lower one is checking. So (``law-2018``, the default):

* a running claim of the same or a higher level excludes the unit from a draw;
* a lower level's running claim does not: the higher draw takes the unit, the lower task is
  withdrawn when its sampling is not yet recorded (public, with the reason), and continues
  without the claim when it is;
* a claim ends when its task gets a final result or is cancelled, and at the latest at the end
  of its plan's sampling period (a lower level that never records a result does not shield
  the unit indefinitely).

``strict-any-claim`` keeps the earlier behaviour (every running claim blocks every plan) for
deployments whose rules say so. Choose with ``INSPECTION_HIERARCHY_POLICY``.
"""

from dataclasses import dataclass

from shared.auth import AuthorityLevel


@dataclass(frozen=True)
class HierarchyPolicy:
    version: str
    source: str
    lower_claim_blocks_higher: bool
    claims_expire_at_period_end: bool
    needs_legal_review: bool = False

    def claim_blocks(self, claim_level: AuthorityLevel, plan_level: AuthorityLevel) -> bool:
        """Does a running claim of ``claim_level`` keep the unit from a ``plan_level`` draw?"""
        return self.lower_claim_blocks_higher or claim_level.rank <= plan_level.rank

    def as_doc(self) -> dict:
        return {
            "version": self.version,
            "source": self.source,
            "lower_claim_blocks_higher": self.lower_claim_blocks_higher,
            "claims_expire_at_period_end": self.claims_expire_at_period_end,
            "needs_legal_review": self.needs_legal_review,
        }


LAW = HierarchyPolicy(
    version="law-2018",
    source="中华人民共和国产品质量法 第十五条第二款 (2018 revision)",
    lower_claim_blocks_higher=False,
    claims_expire_at_period_end=True,
    # that a lower task already sampled continues (without the claim) is our reading
    needs_legal_review=True,
)
STRICT = HierarchyPolicy(
    version="strict-any-claim",
    source="local rule: every running check blocks every other plan (pre-issue-13 behaviour)",
    lower_claim_blocks_higher=True,
    claims_expire_at_period_end=True,
)
POLICIES = {p.version: p for p in (LAW, STRICT)}
DEFAULT = LAW

PREEMPTED = "preempted_by_higher_level"
EXPIRED = "claim_expired_period_end"
WITHDRAWN = "withdrawn"
