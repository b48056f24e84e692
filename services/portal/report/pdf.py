"""The credit report as a PDF (reportlab), with an embedded CJK TrueType font and a QR code."""

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from services.portal.config import CJK_FONT_CANDIDATES

FONT = "PortalCJK"


class FontMissingError(RuntimeError):
    pass


@cache
def register_font(configured: str | None) -> str:
    """Registers the first CJK TrueType font found; a report without glyphs is refused."""
    candidates = [configured] if configured else list(CJK_FONT_CANDIDATES)
    for path in candidates:
        if path and Path(path).exists():
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
            return path
    raise FontMissingError(
        "no CJK TrueType font found (install Debian's fonts-wqy-zenhei: `make portal-tools`, "
        "or set PORTAL_CJK_FONT)"
    )


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12.5, leading=18, spaceBefore=8),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11),
    }


def _table(rows: list[list[str]], styles: dict, widths: list[float]) -> Table:
    cells = [[Paragraph(escape(str(c)), styles["small"]) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render(content: dict, claims: dict, check_url: str, key_url: str, font: str | None) -> bytes:
    """The report as a signed-content PDF: one section per part of the public record, in the
    order of the printed form."""
    register_font(font)
    st = _styles()
    profile = content["profile"]
    story: list = [
        *_heading(claims, check_url, st),
        *_identity(profile, st),
        *_grade(profile, st),
        *_listing(profile, st),
        *_certificates(content["certificates"], st),
        *_inspections(content["inspections"], st),
        *_records(content["records"], st),
        *_footer(key_url, st),
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"企业质量信用报告 {profile['name']}",
        author="质量信用公示平台",
        subject=claims["report_id"],
        leftMargin=17 * mm,
        rightMargin=17 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        invariant=1,
        initialFontName=FONT,  # no reference to an unembedded Helvetica
    )
    doc.build(story)
    return out.getvalue()


def _heading(claims: dict, check_url: str, st: dict) -> list:
    qr = io.BytesIO()
    segno.make(check_url, error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    return [
        Paragraph("企业质量信用报告 Enterprise Quality Credit Report", st["title"]),
        Table(
            [
                [
                    Paragraph(
                        f"报告编号 Report id: {escape(claims['report_id'])}<br/>"
                        f"生成时间 Issued at: {escape(claims['issued_at'])}<br/>"
                        f"内容摘要 SHA-256: {claims['content_sha256'][:32]}…<br/>"
                        f"核验 Check: {escape(check_url[:60])}…",
                        st["small"],
                    ),
                    Image(qr, width=38 * mm, height=38 * mm),
                ]
            ],
            colWidths=[134 * mm, 42 * mm],
            style=[("FONTNAME", (0, 0), (-1, -1), FONT)],
        ),
    ]


def _identity(profile: dict, st: dict) -> list:
    return [
        Paragraph("一、企业基本信息 Identity", st["h2"]),
        _table(
            [
                ["项目 Item", "内容 Value"],
                ["企业名称 Name", profile["name"]],
                ["统一社会信用代码 USCC", profile["uscc"]],
                ["地区 Region", profile.get("region_code") or "-"],
            ],
            st,
            [55 * mm, 120 * mm],
        ),
    ]


def _grade(profile: dict, st: dict) -> list:
    grade = profile.get("risk_grade") or {}
    return [
        Paragraph("二、信用风险分类 Credit risk grade", st["h2"]),
        Paragraph(
            escape(
                f"{grade.get('grade', '-')} ({grade.get('label', '未评定 not graded')}); "
                f"规则版本 rule version {grade.get('rule_version', '-')}"
            ),
            st["base"],
        ),
    ]


def _listing(profile: dict, st: dict) -> list:
    listing = profile.get("dishonesty_list") or {}
    section: list = [
        Paragraph("三、严重违法失信名单与惩戒措施 Dishonesty list and measures", st["h2"]),
        Paragraph("已列入 Listed" if listing.get("listed") else "未列入 Not listed", st["base"]),
    ]
    measures = profile.get("active_measures") or []
    if measures:
        section.append(
            _table(
                [["措施 Measure", "法律依据 Legal basis", "期限 Term"]]
                + [
                    [m["name_zh"], m["legal_basis"], f"{m.get('since')} – {m.get('until') or '∞'}"]
                    for m in measures
                ],
                st,
                [60 * mm, 80 * mm, 35 * mm],
            )
        )
    return section


def _certificates(certificates: list, st: dict) -> list:
    return [
        Paragraph("四、认证证书 Certificates", st["h2"]),
        _table(
            [["证书编号 Number", "类别 Scheme", "状态 Status", "有效期至 Expiry"]]
            + [
                [c["number"], c["scheme"]["name_zh"], c["status"], c["expiry_date"]]
                for c in certificates
            ],
            st,
            [50 * mm, 60 * mm, 30 * mm, 35 * mm],
        ),
    ]


def _inspections(inspections: list, st: dict) -> list:
    return [
        Paragraph("五、产品质量抽查结果 Inspection results", st["h2"]),
        _table(
            [["计划 Plan", "产品 Product", "结论 Outcome", "抽样日期 Date"]]
            + [
                [r["plan"], r["product_name"], r["outcome"], r["sampling_date"]]
                for r in inspections
            ],
            st,
            [70 * mm, 45 * mm, 25 * mm, 35 * mm],
        ),
    ]


def _records(records: list, st: dict) -> list:
    return [
        Paragraph("六、公示中的信用记录 Credit records in disclosure", st["h2"]),
        _table(
            [["记录 Record", "法律依据 Legal basis", "决定书 Decision", "公示至 Until"]]
            + [
                [
                    f"{r['class_name_zh']}: {r['title']}",
                    r["legal_basis"],
                    f"{r.get('decision_number') or '-'} ({r.get('decision_date')})",
                    r.get("publication_until") or "-",
                ]
                for r in records
            ],
            st,
            [55 * mm, 50 * mm, 45 * mm, 25 * mm],
        ),
    ]


def _footer(key_url: str, st: dict) -> list:
    return [
        Spacer(1, 6 * mm),
        Paragraph(
            escape(
                "本报告依据公开数据生成，以 Ed25519 签名。扫描二维码或访问核验地址可在线核验；"
                f"离线核验所用公钥：{key_url}。This report is signed with Ed25519; scan the QR "
                "code to check it online, or verify the file offline with the public key."
            ),
            st["small"],
        ),
    ]
