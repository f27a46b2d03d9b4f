"""The demo's open door, seeded by ducha/demo/registers.py after the 2021 boards: 36
suggestions, six from each kind of suggester, sent from February 2021 to January 2022; most
replied (every outcome), a few in handling or just received (some past their reply
deadline on the demo's 8 February 2022), a third with a name and contact, those taken up
linked to the ledger's tasks they bear on. Codes are fixed, so a second run adds nothing."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

from ducha.ledger.models import Task
from ducha.opendoor.models import ALPHABET, CODE_LENGTH, Suggestion
from ducha.org.models import Jurisdiction, User

Kind, State, Outcome = Suggestion.Category, Suggestion.State, Suggestion.Outcome

# (category, title, text, the demo ledger's task number it bears on)
LINES = [
    (
        Kind.PARTY,
        "关于完善“开门搞改革”建言采纳反馈机制的建议",
        "建议对各民主党派提出的改革建议实行清单化管理，明确承办单位和答复时限，办理结果向建议人反馈。",
        3,
    ),
    (
        Kind.PARTY,
        "关于推行涉企政策“免申即享”的建议",
        "建议依托“政策通”平台对符合条件的企业主动推送、直接兑现，减少企业申报材料。",
        79,
    ),
    (
        Kind.PARTY,
        "关于深化县域医共体医保打包付费的建议",
        "建议在紧密型县域医共体内推行医保基金总额打包付费，结余留用、合理超支分担。",
        174,
    ),
    (
        Kind.PARTY,
        "关于加强老旧小区改造后长效管理的建议",
        "老旧小区改造完成后物业管理缺位，建议同步引入物业服务或建立居民自治管理机制。",
        181,
    ),
    (
        Kind.PARTY,
        "关于推进职业院校与企业共建产业学院的建议",
        "建议围绕“十强”产业集群，推动职业院校与龙头企业共建产业学院，订单式培养技能人才。",
        169,
    ),
    (
        Kind.PARTY,
        "关于建立改革试点经验常态化复制推广机制的建议",
        "建议对国家和省级试点形成的经验定期梳理评估，成熟一条、推广一条。",
        5,
    ),
    (
        Kind.FEDERATION,
        "关于完善中小企业融资“信易贷”授信模型的建议",
        "建议将纳税、社保、水电等数据纳入授信模型，提高首贷和信用贷款比例。",
        106,
    ),
    (
        Kind.FEDERATION,
        "关于推行工程建设项目“拿地即开工”全覆盖的建议",
        "建议将“拿地即开工”从重点项目扩大到全部社会投资工业项目。",
        103,
    ),
    (
        Kind.FEDERATION,
        "关于涉企检查“综合查一次”的建议",
        "多个部门对同一企业重复检查，建议推行跨部门联合检查，一次进门、查多项事。",
        90,
    ),
    (
        Kind.FEDERATION,
        "关于破产企业信用修复的建议",
        "重整成功的企业仍背负失信记录，建议建立府院联动的信用修复机制。",
        111,
    ),
    (
        Kind.FEDERATION,
        "关于民营企业参与重点项目投资的建议",
        "建议定期发布向民间资本推介的项目清单，明确参与方式和回报机制。",
        85,
    ),
    (
        Kind.FEDERATION,
        "关于水电气暖报装费用公开的建议",
        "建议公开报装收费标准和办理时限，推行线上一次申请、联合踏勘。",
        98,
    ),
    (
        Kind.NON_PARTY,
        "关于改革成效统计监测引入第三方评估的建议",
        "建议在改革成效统计监测中引入第三方评估和群众满意度调查，提高评价客观性。",
        10,
    ),
    (
        Kind.NON_PARTY,
        "关于扩大“无证明城市”适用事项的建议",
        "建议梳理仍需群众开具证明的事项，通过数据共享和告知承诺逐项取消。",
        76,
    ),
    (
        Kind.NON_PARTY,
        "关于政务热线诉求办理回访的建议",
        "建议对热线诉求办结事项进行回访，群众不满意的重新交办。",
        112,
    ),
    (
        Kind.NON_PARTY,
        "关于大运河文化带沿线文物活化利用的建议",
        "建议在保护前提下引入社会力量参与运河沿线文物建筑的展示利用。",
        132,
    ),
    (
        Kind.NON_PARTY,
        "关于推动轻微违法行为免罚清单动态调整的建议",
        "建议每年评估免罚清单执行情况，及时增补适用事项。",
        101,
    ),
    (
        Kind.NON_PARTY,
        "关于公共资源交易远程异地评标的建议",
        "建议扩大远程异地评标范围，与周边城市共享评标专家资源。",
        109,
    ),
    (
        Kind.ENTERPRISE,
        "关于技能人才自主评价结果跨企业互认的建议",
        "企业自主评价的技能等级在员工跳槽后不被认可，建议在全市范围内互认。",
        66,
    ),
    (
        Kind.ENTERPRISE,
        "关于“标准地”出让增加亩均税收弹性指标的建议",
        "建议对投产初期的企业设置亩均税收达产过渡期，避免一刀切。",
        83,
    ),
    (
        Kind.ENTERPRISE,
        "关于跨境电商海外仓政策支持的建议",
        "建议对企业在重点市场建设海外仓给予租金补贴和出口信保支持。",
        120,
    ),
    (
        Kind.ENTERPRISE,
        "关于重点产业链配套对接会常态化的建议",
        "建议由链长单位按季度组织链主企业与本地配套企业对接，提高本地配套率。",
        60,
    ),
    (
        Kind.ENTERPRISE,
        "关于电子证照在银行开户中应用的建议",
        "企业到银行开户仍需提交纸质营业执照复印件，建议推动银行认可电子营业执照。",
        93,
    ),
    (
        Kind.ENTERPRISE,
        "关于科技创新券跨区域使用的建议",
        "建议创新券可在京津冀和省会经济圈的科研机构使用。",
        67,
    ),
    (
        Kind.CITIZEN,
        "关于冬季免费公交延长运营时间的建议",
        "冬季免费公交末班车时间较早，建议主要线路延长运营至晚上九点。",
        167,
    ),
    (
        Kind.CITIZEN,
        "关于增加社区养老助餐点的建议",
        "老年人就餐不便，建议在社区养老服务中心增设助餐点，对高龄老人给予补贴。",
        180,
    ),
    (
        Kind.CITIZEN,
        "关于医保异地就医备案线上办理的建议",
        "建议异地就医备案全部实现手机办理、即时生效。",
        170,
    ),
    (
        Kind.CITIZEN,
        "关于农村生活污水处理设施运维的建议",
        "部分村的污水处理设施建成后无人运维，建议明确运维主体和经费。",
        155,
    ),
    (
        Kind.CITIZEN,
        "关于老旧小区加装电梯简化审批的建议",
        "加装电梯涉及规划、建设、特种设备多个部门，建议实行联合审批、一窗受理。",
        181,
    ),
    (
        Kind.CITIZEN,
        "关于中小学课后服务引入社会资源的建议",
        "建议引入文化场馆、体育俱乐部等社会资源，丰富课后服务内容。",
        178,
    ),
    (
        Kind.OTHER,
        "关于农业生产托管服务标准化的建议",
        "建议制定托管服务标准和收费指导价，保障小农户权益。",
        152,
    ),
    (
        Kind.OTHER,
        "关于乡村振兴实践研究院开放培训的建议",
        "建议研究院面向新型经营主体开放培训课程。",
        136,
    ),
    (
        Kind.OTHER,
        "关于“德州味”品牌授权使用管理的建议",
        "建议建立品牌授权准入和退出机制，防止滥用区域公用品牌。",
        138,
    ),
    (
        Kind.OTHER,
        "关于城乡供水水质信息公开的建议",
        "建议定期公开城乡供水水质检测结果，接受群众监督。",
        160,
    ),
    (
        Kind.OTHER,
        "关于基层网格员减负的建议",
        "网格员承担的报表和填报任务过多，建议整合各部门的信息采集需求。",
        20,
    ),
    (
        Kind.OTHER,
        "关于残疾人代步车补贴申领简化的建议",
        "建议补贴申领通过数据核验免交证明材料，实行线上申请。",
        166,
    ),
]
# The outcomes of the replied ones, in turn.
OUTCOMES = [
    Outcome.ADOPTED,
    Outcome.PARTLY,
    Outcome.NOTED,
    Outcome.ADOPTED,
    Outcome.DECLINED,
    Outcome.PARTLY,
    Outcome.NOTED,
]
# Positions (in time) still open on the demo's date; the rest are replied.
OPEN = {
    35: State.RECEIVED,
    34: State.RECEIVED,
    33: State.HANDLING,
    32: State.HANDLING,
    20: State.HANDLING,
}
FIRST = dt.date(2021, 2, 10)
STEP = 10  # days between two suggestions
NAMES = ["王先生", "刘女士", "德州某机械有限公司", "赵先生", "孙女士", "某县种植专业合作社"]


def _code(n: int) -> str:
    digest = hashlib.sha256(f"ducha-demo-suggestion-{n}".encode()).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:CODE_LENGTH])


def _topic(title: str) -> str:
    return title.removeprefix("关于").removesuffix("的建议")


def _reply(outcome: str, title: str, task: Task | None) -> str:
    topic = _topic(title)
    where = f"纳入“{task.title}”改革任务推进" if task else "纳入相关工作推进"
    if outcome == Outcome.ADOPTED:
        return f"感谢您的建议。经研究，“{topic}”的建议予以采纳，已{where}，改革办将跟踪督办落实。"
    if outcome == Outcome.PARTLY:
        return (
            f"感谢您的建议。经研究，“{topic}”的建议部分采纳：其中具备条件的内容已{where}；"
            "其余内容涉及上级政策调整，将在条件成熟时推进。"
        )
    if outcome == Outcome.NOTED:
        return f"感谢您的建议。“{topic}”的建议留作参考，将在制定相关政策措施时统筹研究。"
    return (
        f"感谢您的建议。经研究，“{topic}”的建议所涉事项现行政策已有规定，"
        "或不属于本级事权，暂不予采纳。欢迎继续关注和支持改革。"
    )


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, 30))


def _order() -> list[int]:
    """The lines interleaved by category: every kind of suggester through the year."""
    return [c * 6 + k for k in range(6) for c in range(6)]


def seed() -> list[str]:
    """Create the demo's suggestions that are missing (none the second time); the line
    `ducha demo` prints about them (counts only: nothing personal)."""
    home = Jurisdiction.objects.home()
    tasks = {
        t.code: t for t in Task.objects.filter(jurisdiction=home).only("code", "title", "area_id")
    }
    office = User.objects.offices_of(home).order_by("pk").first()
    codes = [_code(n) for n in range(len(LINES))]
    with transaction.atomic():
        have = set(Suggestion.objects.filter(code__in=codes).values_list("code", flat=True))
        new, links = [], []
        for position, n in enumerate(_order()):
            if codes[n] in have:
                continue
            category, title, text, number = LINES[n]
            task = tasks.get(f"DZ2021-{number:03d}")
            day = FIRST + dt.timedelta(days=STEP * position)
            state = OPEN.get(position, State.REPLIED)
            s = Suggestion(
                jurisdiction=home,
                code=codes[n],
                category=category,
                area_id=task.area_id if task else None,
                title=title,
                text=text,
                created_at=_moment(day, 9 + position % 8),
                reply_due=day + dt.timedelta(days=15),
                state=state,
            )
            if position % 3 == 0:
                s.name = NAMES[position % len(NAMES)]
                s.contact = f"1380534{position:04d}"
            if state == State.REPLIED:
                s.outcome = OUTCOMES[position % len(OUTCOMES)]
                s.reply = _reply(s.outcome, title, task)
                s.replied_at = _moment(day + dt.timedelta(days=4 + position % 13), 16)
                s.replied_by = office
            new.append(s)
            if task and (state == State.HANDLING or s.outcome in Suggestion.TAKEN_UP):
                links.append((s, task))
        Suggestion.objects.bulk_create(new)
        Suggestion.tasks.through.objects.bulk_create(
            [Suggestion.tasks.through(suggestion_id=s.pk, task_id=t.pk) for s, t in links]
        )
    found = Suggestion.objects.filter(code__in=codes)
    replied = found.filter(state=State.REPLIED).count()
    return [f"开门搞改革：收到意见建议{found.count()}条，已答复{replied}条"]
