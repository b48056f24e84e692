"""Chinese first, English on request (``?lang=en`` or the ``lang`` cookie)."""

from collections.abc import Callable

LANGUAGES = ("zh", "en")
DEFAULT = "zh"

# key -> (Chinese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "site": ("质量信用公示平台", "Quality and Credit Public Portal"),
    "skip": ("跳到主要内容", "Skip to main content"),
    "nav.home": ("首页", "Home"),
    "nav.certificates": ("证书查询", "Certificates"),
    "nav.enterprises": ("企业信用", "Enterprises"),
    "nav.dishonesty": ("严重违法失信名单", "Dishonesty list"),
    "nav.disclosures": ("信用公示", "Disclosures"),
    "nav.inspections": ("抽查结果公示", "Inspection results"),
    "nav.statistics": ("认证统计", "Statistics"),
    "switch": ("English", "中文"),
    "home.lead": (
        "查询认证证书真伪、企业信用状况与产品质量抽查结果。所有数据来自监管部门公开接口。",
        "Verify certificates, check an enterprise's credit and read product inspection results. "
        "All data comes from the regulators' public interfaces.",
    ),
    "cert.number": ("证书编号", "Certificate number"),
    "cert.search": ("查询证书", "Verify certificate"),
    "ent.query": ("统一社会信用代码或企业名称", "Unified Social Credit Code or enterprise name"),
    "ent.search": ("查询企业", "Find enterprise"),
    "verdict.valid": ("证书有效", "This certificate is valid"),
    "verdict.suspended": (
        "证书已暂停——暂停期间不得使用",
        "Suspended: not to be used while suspended",
    ),
    "verdict.revoked": ("证书已撤销——无效", "Revoked: not valid"),
    "verdict.expired": ("证书已过期——无效", "Expired: not valid"),
    "verdict.cancelled": ("证书已注销——无效", "Cancelled: not valid"),
    "verdict.replaced": ("证书已换发——请查询新证书", "Replaced: check the new certificate"),
    "verdict.punished": (
        "注意：持证企业正受联合惩戒措施约束",
        "Caution: the holder is subject to joint-punishment measures",
    ),
    "status": ("状态", "Status"),
    "holder": ("持证企业", "Holder"),
    "scheme": ("认证类别", "Scheme"),
    "scope": ("认证范围", "Scope"),
    "product": ("产品", "Product"),
    "validity": ("有效期", "Validity"),
    "body": ("认证机构", "Certification body"),
    "accreditation": ("机构资质", "Accreditation"),
    "measures": ("联合惩戒措施", "Joint-punishment measures"),
    "legal_basis": ("法律依据", "Legal basis"),
    "term": ("期限", "Term"),
    "qr": ("二维码：扫码打开本页", "QR code: scan to open this page"),
    "download": ("下载", "Download"),
    "grade": ("信用风险分类", "Credit risk grade"),
    "grade.A": ("A 类：信用风险低", "A: low risk"),
    "grade.B": ("B 类：信用风险一般", "B: moderate risk"),
    "grade.C": ("C 类：信用风险较高", "C: high risk"),
    "grade.D": ("D 类：信用风险高", "D: very high risk"),
    "grade.none": ("尚未评定", "Not graded yet"),
    "rule_version": ("规则版本", "Rule version"),
    "listed": ("已列入严重违法失信名单", "On the list of serious violators"),
    "not_listed": ("未列入严重违法失信名单", "Not on the list of serious violators"),
    "certificates": ("认证证书", "Certificates"),
    "records": ("公示中的信用记录", "Credit records in disclosure"),
    "under_dispute": ("存在异议、复核中", "disputed, under review"),
    "disputes_pending": (
        "{count} 条记录存在异议，监管部门复核中。",
        "{count} record(s) disputed by the enterprise, under review by the regulator.",
    ),
    "results": ("抽查结果", "Inspection results"),
    "none": ("无", "None"),
    "decision": ("决定书文号", "Decision number"),
    "decision_date": ("决定日期", "Decision date"),
    "published_until": ("公示截止", "Published until"),
    "reason": ("列入事由", "Reason"),
    "enterprise": ("企业", "Enterprise"),
    "uscc": ("统一社会信用代码", "Unified Social Credit Code"),
    "region": ("地区", "Region"),
    "next": ("下一页", "Next page"),
    "first": ("第一页", "First page"),
    "plan": ("抽查计划", "Plan"),
    "category": ("产品类别", "Product category"),
    "outcome": ("结论", "Outcome"),
    "outcome.pass": ("合格", "Pass"),
    "outcome.fail": ("不合格", "Fail"),
    "outcome.refused": ("拒检", "Refused"),
    "outcome.all": ("全部", "All"),
    "lab": ("检验机构", "Laboratory"),
    "sampling_date": ("抽样日期", "Sampling date"),
    "failed_items": ("不合格项目", "Failed items"),
    "pass_rate": ("合格率", "Pass rate"),
    "by_plan": ("按抽查计划（期次）", "By plan (period)"),
    "by_region": ("按地区", "By region"),
    "by_category": ("按产品类别", "By product category"),
    "based_on": ("统计基于已公示的 {n} 条结果", "Based on {n} published results"),
    "filter": ("筛选", "Filter"),
    "stats.by_status": ("证书按状态", "Certificates by status"),
    "stats.by_scheme": ("有效证书按认证类别", "Valid certificates by scheme"),
    "stats.by_region": (
        "有效证书与获证企业按地区",
        "Valid certificates and certified enterprises by region",
    ),
    "count": ("数量", "Count"),
    "certified_enterprises": ("获证企业", "Certified enterprises"),
    "report": ("企业质量信用报告", "Enterprise quality credit report"),
    "report.view": ("查看质量信用报告", "View the quality credit report"),
    "report.pdf": ("下载 PDF（已签名）", "Download PDF (signed)"),
    "report.json": ("下载数据（已签名 JSON）", "Download data (signed JSON)"),
    "report.own": ("下载本企业的质量信用报告", "Download your enterprise's quality credit report"),
    "report.own.lead": (
        "质量信用报告由企业本身下载：请输入本企业的访问令牌（统一社会信用代码与报告一致）。"
        "任何人都可以核验报告。",
        "Enterprises download their own report: enter your enterprise's access token (it must "
        "name this USCC). Anyone can verify a report.",
    ),
    "report.token": ("企业访问令牌", "Enterprise access token"),
    "report.format": ("格式", "Format"),
    "report.get": ("获取报告", "Get the report"),
    "report.denied.401": ("需要企业访问令牌", "An enterprise access token is needed"),
    "report.denied.403": (
        "该令牌不属于此企业：只能下载本企业的报告",
        "This token is not this enterprise's: you can download only your own report",
    ),
    "report.id": ("报告编号", "Report id"),
    "report.issued": ("生成时间", "Issued at"),
    "report.check": ("核验报告", "Check a report"),
    "report.upload": ("选择报告文件（PDF 或 JSON）", "Choose a report file (PDF or JSON)"),
    "report.verify": ("核验", "Verify"),
    "report.valid_current": (
        "报告真实有效，且与当前记录一致",
        "Authentic, and matches the current record",
    ),
    "report.valid_stale": (
        "报告真实，但记录自生成后已发生变化（报告已过时）",
        "Authentic, but the record has changed since it was issued (stale)",
    ),
    "report.invalid": ("报告无法通过核验", "The report failed verification"),
    "report.note": (
        "本报告由平台依据公开数据生成并以 Ed25519 签名；公钥见 {url}。",
        "Generated by the portal from public data and signed with Ed25519; public key at {url}.",
    ),
    "disclosures.lead": (
        "信用记录的公示与撤回，按时间顺序。",
        "Records published and withdrawn, in order.",
    ),
    "action.publish": ("公示", "Published"),
    "action.withdraw": ("撤回", "Withdrawn"),
    "draw": ("抽取结果核验", "Draw verification"),
    "draw.link": ("抽取记录", "Draw"),
    "draw.match": ("一致：承诺与快照均经核验", "MATCH: commitment and snapshot verified"),
    "draw.mismatch": ("不一致", "NO MATCH"),
    "draw.check.commitment": (
        "公开的种子与抽取前公布的承诺一致（SHA-256）",
        "The revealed seed matches the commitment published before the draw (SHA-256)",
    ),
    "draw.check.snapshot": (
        "快照文件的 SHA-256 与抽取前公布的快照哈希一致",
        "The snapshot document's SHA-256 matches the snapshot hash published before the draw",
    ),
    "draw.check.document": (
        "快照文件中记载的承诺与公布的承诺一致",
        "The commitment inside the snapshot document matches the published one",
    ),
    "draw.check.count": ("抽中数量与抽取记录一致", "The number selected matches the draw record"),
    "draw.full": (
        "完整重算抽取结果（抽中单位、检查组、检验机构）请使用独立核验程序：",
        "To recompute the selection, teams and labs, run the independent verifier:",
    ),
    "draw.superseded": ("本次抽取已被重新抽取取代", "This draw was superseded by a re-draw"),
    "seed": ("种子", "Seed"),
    "commitment": ("承诺", "Commitment"),
    "snapshot_hash": ("快照哈希", "Snapshot hash"),
    "algorithm": ("算法", "Algorithm"),
    "filter.q": ("企业名称或统一社会信用代码", "Enterprise name or USCC"),
    "filter.region": ("行政区划代码（前 2/4/6 位）", "Division code (first 2, 4 or 6 digits)"),
    "filter.measure": ("惩戒措施", "Measure"),
    "filter.action": ("类型", "Kind"),
    "filter.all": ("全部", "All"),
    "filter.found": ("共 {n} 条", "{n} found"),
    "status.valid": ("有效", "valid"),
    "status.suspended": ("暂停", "suspended"),
    "status.revoked": ("撤销", "revoked"),
    "status.cancelled": ("注销", "cancelled"),
    "status.expired": ("过期", "expired"),
    "status.replaced": ("已换发", "replaced"),
    "accr.active": ("资质有效", "accredited"),
    "accr.suspended": ("资质暂停", "accreditation suspended"),
    "accr.withdrawn": ("资质撤销", "accreditation withdrawn"),
    "draw.browser": ("在您的浏览器中核验", "Checked in your browser"),
    "draw.browser.running": ("正在本机核验 …", "Checking here …"),
    "draw.browser.match": (
        "一致：种子与承诺、快照文件与快照哈希、抽取名单与名单承诺均在本机重新计算并吻合。",
        "MATCH: seed and commitment, snapshot document and hash, selection and selection "
        "commitment recomputed here and equal.",
    ),
    "draw.browser.selection": (
        "独立的 JavaScript 核验程序已核对名单承诺（已公开 {revealed} / {count} 条）。",
        "The independent JavaScript verifier checked the selection commitment ({revealed} of "
        "{count} entries revealed).",
    ),
    "draw.browser.selection_bad": (
        "抽取名单与名单承诺不符",
        "The selection does not match its commitment",
    ),
    "draw.browser.record": (
        "核验记录与本页公布的种子承诺或快照哈希不一致",
        "The verification record differs from the commitment or snapshot hash on this page",
    ),
    "draw.browser.no_commitment": (
        "本次抽取未公布名单承诺，无法在浏览器中核对抽取名单",
        "No selection commitment was published for this draw: the selection cannot be checked here",
    ),
    "draw.browser.failed": ("浏览器无法完成核验", "Your browser could not run the check"),
    "error.title": ("出错了", "Something went wrong"),
    "error.404": ("未找到", "Not found"),
    "error.422": ("输入有误", "Invalid input"),
    "error.503": ("服务暂不可用，请稍后再试", "Service temporarily unavailable; try again later"),
    "error.back": ("返回首页", "Back to the home page"),
    "search.holders": ("名称匹配的持证企业", "Certificate holders matching the name"),
}


def pick_language(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


def translator(lang: str) -> Callable[..., str]:
    index = LANGUAGES.index(lang)

    def t(key: str, **values: object) -> str:
        pair = MESSAGES.get(key)
        # an unknown code (a status added upstream later) shows as the code itself
        text = pair[index] if pair else key.rsplit(".", 1)[-1]
        return text.format(**values) if values else text

    return t
