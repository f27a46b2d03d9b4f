"""The Dezhou-2021 demo: the 186 reform tasks of the "1+6" framework and a year of reports.

Pure and seeded (stdlib `random` only): the same seed always gives the same city. Task titles
follow the reforms Dezhou reported for 2021; the leaders are fictional.

The four-colour mix is built in, not left to luck. Each task keeps a pace — punctual (nodes
done in their due month), early (done one to three months ahead: horse), slow (done late
while still moving: ostrich) or stalled (one node stands still after its due month: snail,
then ostrich) — and each early, late or stalled node is placed in the month where its icon is
scarcest so far.
Then some units miss a report (snail, 未报送) in months they would have been an ox, until each
month has about a third of its tasks off the ox. Every month of 2021 thus shows all four icons,
oxen the most."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoNode:
    code: str
    title: str
    due: dt.date  # first day of the due month
    due_text: str  # as a clerk wrote it


@dataclass(frozen=True)
class DemoTask:
    code: str
    area: str
    title: str
    source: str  # provincial (省定) or city (市定)
    leader: str
    lead_unit: str
    co_units: tuple[str, ...]
    requirements: str
    nodes: tuple[DemoNode, ...]
    status: str = "active"


@dataclass(frozen=True)
class DemoProgress:
    task: str
    node: str
    month: dt.date  # first day of the report month
    status: str  # not_started | in_progress | done
    done_on: dt.date | None
    percent: int | None
    note: str


@dataclass(frozen=True)
class DemoData:
    units: tuple[tuple[str, str], ...]  # (name, kind)
    leaders: tuple[tuple[str, str], ...]  # (name, title)
    tasks: tuple[DemoTask, ...]
    progress: tuple[DemoProgress, ...]


MUNICIPAL = (
    "市委办公室",
    "市政府办公室",
    "市纪委监委",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市委政法委",
    "市委改革办",
    "市委编办",
    "市直机关工委",
    "市发展改革委",
    "市工业和信息化局",
    "市科技局",
    "市教育局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源社会保障局",
    "市自然资源和规划局",
    "市生态环境局",
    "市住房城乡建设局",
    "市城市管理局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委",
    "市审计局",
    "市国资委",
    "市市场监管局",
    "市统计局",
    "市医保局",
    "市行政审批服务局",
    "市大数据局",
    "市地方金融监管局",
    "市投资促进局",
    "市粮食和储备局",
    "市供销社",
    "市残联",
    "市税务局",
    "市邮政管理局",
)
COUNTIES = (
    "德城区",
    "陵城区",
    "禹城市",
    "乐陵市",
    "临邑县",
    "平原县",
    "夏津县",
    "武城县",
    "庆云县",
    "宁津县",
    "齐河县",
    "天衢新区",
    "运河经济开发区",
)
OTHERS = (
    "市工商联",
    "德州市中级人民法院",
    "德州海关",
    "人民银行德州市中心支行",
    "国网德州供电公司",
    "德州市邮政分公司",
)
UNITS = (
    tuple((u, "municipal") for u in MUNICIPAL)
    + tuple((u, "county") for u in COUNTIES)
    + tuple((u, "other") for u in OTHERS)
)

# Invented people: any likeness to a real official is a coincidence.
LEADERS = (
    ("梁承远", "市委书记"),
    ("顾文涛", "市委副书记、市长"),
    ("韩晓岚", "市委副书记"),
    ("邵建国", "市委常委、常务副市长"),
    ("方立群", "市委常委、组织部部长"),
    ("贺子墨", "市委常委、市纪委书记、市监委主任"),
    ("葛振宇", "副市长"),
    ("孔德明", "副市长"),
    ("尹海燕", "副市长"),
    ("彭志刚", "副市长"),
)
AREAS = ("overall", "party", "industry", "environment", "opening", "rural", "livelihood")
_AREA_LEADERS = {
    "overall": ("顾文涛", "梁承远"),
    "party": ("方立群", "贺子墨"),
    "industry": ("葛振宇", "邵建国"),
    "environment": ("邵建国",),
    "opening": ("孔德明",),
    "rural": ("尹海燕", "韩晓岚"),
    "livelihood": ("彭志刚",),
}
# Where the lead unit says who is in charge, that leader takes the task.
_UNIT_LEADERS = {
    "市委改革办": "梁承远",
    "市纪委监委": "贺子墨",
    "市审计局": "贺子墨",
    "市委组织部": "方立群",
    "市财政局": "邵建国",
    "市国资委": "邵建国",
    "市地方金融监管局": "邵建国",
    "市税务局": "邵建国",
}
# Units that usually cooperate on tasks of an area.
_PARTNERS = {
    "overall": ("市委办公室", "市政府办公室", "市委政法委", "市司法局", "市发展改革委"),
    "party": ("市委组织部", "市委宣传部", "市直机关工委", "市委编办", "市委办公室", "市民政局"),
    "industry": (
        "市发展改革委",
        "市工业和信息化局",
        "市科技局",
        "市财政局",
        "市自然资源和规划局",
        "市地方金融监管局",
        "市统计局",
        "市税务局",
        "市大数据局",
    ),
    "environment": (
        "市行政审批服务局",
        "市大数据局",
        "市发展改革委",
        "市市场监管局",
        "市司法局",
        "市财政局",
        "市自然资源和规划局",
        "市住房城乡建设局",
    ),
    "opening": ("市商务局", "市投资促进局", "市发展改革委", "市交通运输局", "市科技局"),
    "rural": (
        "市农业农村局",
        "市自然资源和规划局",
        "市水利局",
        "市财政局",
        "市供销社",
        "市市场监管局",
        "市发展改革委",
    ),
    "livelihood": (
        "市民政局",
        "市财政局",
        "市人力资源社会保障局",
        "市卫生健康委",
        "市教育局",
        "市住房城乡建设局",
    ),
}

# One task a line: source (省 provincial, 市 city), lead unit, title, then after "|" the
# cooperating units the task cannot do without (more are drawn from _PARTNERS).
_TASKS = {
    "overall": """
省 市委改革办 制定推动县（市、区）改革落实落地的系统集成意见 | 德城区、陵城区、禹城市
市 市委政法委 总结推广新时代“枫桥经验”“陵城模式” | 陵城区、市公安局、市司法局
市 市委改革办 推行“开门搞改革”，建立民主党派、工商联和无党派人士改革建言机制 | 市委统战部、市工商联
市 市委改革办 建立重大改革任务清单化管理和销号制度
省 市委改革办 开展国家和省级改革试点评估，复制推广试点经验
省 市委改革办 健全改革督察机制，开展年度重点改革督察
市 市委改革办 开展县（市、区）改革创新案例评选和激励
省 市司法局 健全重大改革事项合法性审查机制
省 市委政法委 推进市域社会治理现代化试点
市 市统计局 建立全面深化改革成效统计监测指标体系 | 市委改革办
""",
    "party": """
省 市纪委监委 制定出台《政治生态分析研判实施办法》 | 市委组织部
市 市直机关工委 开展“严真细实快”作风建设，创建“五型”机关
省 市委组织部 推进乡村振兴党建联合体建设 | 市农业农村局
省 市委编办 深化机关内部“一次办好”改革 | 市大数据局
市 市大数据局 建设“云上公务”平台，连通253家市级单位和13个县市区 | 市委办公室、市政府办公室
市 市委改革办 实行“四色”督查考核 | 市委办公室、市政府办公室
省 市委组织部 完善干部考核评价机制，健全担当作为激励机制
市 市纪委监委 建立容错纠错和澄清正名机制 | 市委组织部
省 市委组织部 完善村党组织书记专业化管理制度
省 市委组织部 推进党建引领城市基层治理网格化改革 | 市民政局
省 市纪委监委 深化派驻机构改革，完善派驻监督体制机制
省 市纪委监委 健全村级“小微权力”监督制度 | 市农业农村局
市 市纪委监委 建设基层公权力大数据监督平台 | 市大数据局
省 市委宣传部 深化县级融媒体中心建设
省 市委宣传部 推进新时代文明实践中心建设全覆盖
省 市委编办 深化事业单位改革，推进承担行政职能事业单位改革
省 市委编办 深化乡镇（街道）管理体制改革，整合审批服务执法力量
省 市委政法委 深化执法司法责任体系改革 | 市公安局、市司法局
省 市司法局 深化综合行政执法体制改革 | 市委编办
市 市委组织部 推行干部“一线考察识别”机制
省 市直机关工委 推进模范机关创建，推动机关党建与业务深度融合
市 市委办公室 建立市委重大决策部署督查落实闭环机制 | 市政府办公室
省 市委组织部 推进“灯塔-党建在线”平台深度应用
市 市委组织部 开展机关党组织和党员到社区“双报到”提质行动 | 市直机关工委、市民政局
省 市委政法委 完善社会矛盾纠纷多元预防调处化解综合机制 | 市司法局
省 市审计局 完善审计监督与纪检监察监督贯通协调机制 | 市纪委监委
""",
    "industry": """
市 市发展改革委 实施“三三倍增”行动计划 | 市工业和信息化局、市统计局
市 市发展改革委 推行重点项目挂图作战，组建13个作战指挥部、11个服务保障专班
市 市工业和信息化局 制定出台支持先进制造业强市25条 | 市财政局
省 市工业和信息化局 深化亩产效益评价改革 | 市自然资源和规划局、市税务局、市统计局
省 市工业和信息化局 开辟数字经济“新赛道”，推进企业上云、百兆专线进车间 | 市大数据局
省 市科技局 实施国家创新型城市建设三年行动
市 市工业和信息化局 实施“千项技改”工程
省 市发展改革委 推进新旧动能转换重大工程
省 市工业和信息化局 实施“十强”产业集群培育工程
省 市科技局 深化科技成果转化机制改革
省 市科技局 推行科研项目“揭榜挂帅”和经费“包干制”
省 市科技局 建设省级新型研发机构和高水平创新平台
省 市工业和信息化局 实施中小企业“专精特新”梯度培育
省 市国资委 实施国企改革三年行动
省 市国资委 推进国有企业混合所有制改革
市 市国资委 推进市属国有企业战略性重组和专业化整合
省 市地方金融监管局 实施企业上市“育苗”工程，完善上市后备资源库
市 市财政局 完善政府投资引导基金运营管理机制
省 市发展改革委 推进用能权有偿使用和交易改革 | 市生态环境局
省 市生态环境局 深化排污权有偿使用和交易试点
省 市发展改革委 制定碳达峰行动方案，推进绿色低碳转型
市 禹城市 打造国家级功能糖产业集群 | 市工业和信息化局、市科技局
市 宁津县 推进健身器材产业集群数字化转型 | 市工业和信息化局
市 市工业和信息化局 推行重点产业链“链长制”
市 市发展改革委 建立重点项目“要素跟着项目走”保障机制 | 市自然资源和规划局、市财政局
省 市工业和信息化局 推进工业互联网平台建设和智能工厂培育
省 市市场监管局 实施质量强市和标准化战略
省 市市场监管局 深化知识产权质押融资和保护体系建设
市 市工业和信息化局 实施“德商”培育工程，开展企业家素质提升培训
省 市人力资源社会保障局 推行企业技能人才自主评价改革
市 市科技局 完善科技型中小企业“创新券”制度
省 市商务局 推进先进制造业和现代服务业深度融合 | 市发展改革委
省 市文化和旅游局 推进文旅融合发展，创建全域旅游示范区
市 市统计局 建立“四上”企业入库培育和统计监测机制
省 市住房城乡建设局 推进建筑业转型升级和装配式建筑发展
市 市工业和信息化局 推进新能源和太阳能光热产业提质升级 | 天衢新区
""",
    "environment": """
市 市发展改革委 制定出台《德州市优化营商环境条例》 | 市司法局、市行政审批服务局
省 市发展改革委 落实“六稳”“六保”政策清单 | 市财政局、市人力资源社会保障局
市 市行政审批服务局 建设政务服务信用评价横向管理平台，推行“信易批+失信制约” | 市发展改革委
省 市司法局 建设“无证明城市” | 市大数据局、市行政审批服务局
省 市行政审批服务局 推行“双全双百”审批服务改革
省 市行政审批服务局 推进“一件事、一链办”改革，推出17个主题114个套餐
市 市大数据局 建设“政策通”平台，推行865项事项“全域通办” | 市行政审批服务局
市 市行政审批服务局 推行“跨省异地线下办”，设立驻京分厅
省 市发展改革委 创建国家社会信用体系建设示范区
市 市委组织部 组建人才发展集团 | 市国资委、市人力资源社会保障局
省 市自然资源和规划局 推行“标准地”改革，推进低效用地再开发
市 市商务局 建设德州“无水港” | 德州海关、市交通运输局
市 市发展改革委 实施重大项目全生命周期服务，推行项目经理制和首席政府服务官 | 市行政审批服务局
市 市地方金融监管局 推行“主办行+中期流动资金贷款”服务模式 | 人民银行德州市中心支行
省 市行政审批服务局 深化工程建设项目审批制度改革 | 市住房城乡建设局
省 市市场监管局 推进“证照分离”改革全覆盖
省 市市场监管局 推行市场主体登记“一网通办”和简易注销
省 市市场监管局 全面推行“双随机、一公开”跨部门联合监管
省 市行政审批服务局 推进“一业一证”改革
省 市大数据局 深化政务数据共享，推动数据直达基层
省 市大数据局 推行电子证照“免提交”应用
省 市财政局 深化预算管理制度改革，全面实施预算绩效管理
市 市财政局 推进政府采购全流程电子化和合同融资
省 市税务局 推行“非接触式”办税缴费服务
省 市自然资源和规划局 推进不动产登记“一窗受理、并行办理”
省 市住房城乡建设局 推行水电气暖信“一站式”报装 | 国网德州供电公司
省 市公安局 深化户籍制度改革，全面放开城区落户限制
市 市公安局 推进公安政务服务“一窗通办”
省 市司法局 推行包容审慎监管，制定轻微违法行为不予处罚清单 | 市市场监管局
市 市发展改革委 开展营商环境评价，建立问题整改清单化机制
市 市行政审批服务局 推行“帮办代办”和“拿地即开工”
省 市委组织部 深化人才发展体制机制改革，落实“人才新政”
市 市委组织部 推行“人才码”一码通服务 | 市大数据局
省 市地方金融监管局 推广“信易贷”，建设地方金融综合服务平台 | 市发展改革委
省 市税务局 推进“银税互动”扩面增效 | 人民银行德州市中心支行
省 市市场监管局 落实公平竞争审查制度
省 市发展改革委 深化公共资源交易平台整合共享
市 市行政审批服务局 推行企业开办“一日办结”
省 德州市中级人民法院 建立企业破产处置府院联动机制 | 市发展改革委
市 市政府办公室 推进政务服务便民热线归并优化 | 市大数据局
""",
    "opening": """
市 天衢新区 编制天衢新区发展规划 | 市发展改革委、市自然资源和规划局
省 市发展改革委 编制黄河流域生态保护和高质量发展实施规划
市 市科技局 建设黄河流域现代农业科学城 | 市农业农村局、禹城市、齐河县
省 市发展改革委 融入省会经济圈一体化发展 | 齐河县、禹城市、天衢新区
市 市工业和信息化局 打造“北京-济南”医药产业走廊 | 市卫生健康委、市投资促进局
市 市投资促进局 探索招商“新打法”
市 市商务局 承办中国（山东）-东盟中小企业合作发展大会，实施“百企下南洋” | 市工商联
省 市商务局 发展跨境电商等外贸新业态新模式
省 市商务局 深化开发区体制机制改革，推行“党工委（管委会）+公司”模式 | 市委编办
省 市投资促进局 健全“双招双引”考核激励机制
市 市发展改革委 建设京津冀产业转移承接平台
市 运河经济开发区 推进“飞地经济”合作园区建设 | 市商务局
省 市商务局 落实外商投资准入前国民待遇加负面清单管理制度
省 市商务局 推进国际贸易“单一窗口”建设，提升通关便利化水平 | 德州海关
市 市发展改革委 推进与雄安新区、济南新旧动能转换起步区对接合作
市 市交通运输局 融入京津冀和省会“一小时交通圈”
省 市商务局 复制推广自由贸易试验区改革试点经验
市 市商务局 建设RCEP企业服务中心 | 德州海关
省 市科技局 深化国际科技合作，引进海外高层次人才 | 市委组织部
省 市文化和旅游局 推进大运河文化保护传承利用
省 市农业农村局 建设农产品出口示范基地 | 德州海关
市 市投资促进局 推行“以商招商”，设立驻外招商联络处
""",
    "rural": """
市 市农业农村局 创建大面积“吨半粮”生产示范市，推行“书记抓粮、六级联创”
市 市农业农村局 建设山东乡村振兴实践研究院 | 市科技局
省 市人力资源社会保障局 开展扩大农村劳动力就业集成改革 | 市农业农村局
市 市农业农村局 打造“德州味”区域公用品牌 | 市市场监管局
市 市农业农村局 建设中国（德州）农业食品创新产业园区 | 天衢新区
省 市农业农村局 推进大豆产业发展
市 市发展改革委 推进城乡融合，建设10个中心镇、10个特色小镇、100个中心村 | 市住房城乡建设局
省 市农业农村局 实施新型经营主体提升工程
省 市自然资源和规划局 推进农村集体经营性建设用地入市 | 市农业农村局
省 市农业农村局 探索宅基地“三权分置” | 市自然资源和规划局
省 市发展改革委 推进农业灌溉用电价格改革 | 国网德州供电公司、市水利局
市 市粮食和储备局 推行“粮食商行”模式 | 市供销社
市 市粮食和储备局 创新军粮供应“德州模式”
省 市农业农村局 深化农村集体产权制度改革，发展壮大村级集体经济
省 市农业农村局 推进土地经营权规范有序流转
省 市供销社 深化供销合作社综合改革，推行“党建带社建、村社共建”
省 市水利局 深化农业水价综合改革
市 市农业农村局 推进农业生产托管服务 | 市供销社
省 市财政局 推进政策性农业保险“扩面、增品、提标”
省 市农业农村局 推进农村人居环境整治提升 | 市住房城乡建设局、市生态环境局
省 市生态环境局 推进农村生活污水治理
市 市农业农村局 建设数字农业农村示范县 | 市大数据局
省 市农业农村局 健全农产品质量安全追溯体系 | 市市场监管局
省 市委组织部 推进村党组织领办合作社
省 市交通运输局 推进“四好农村路”建设和城乡交通运输一体化
市 市水利局 推进城乡供水一体化
市 夏津县 推进黄河故道古桑树群农业文化遗产保护利用 | 市农业农村局、市文化和旅游局
市 乐陵市 推进金丝小枣产业提质增效 | 市农业农村局
""",
    "livelihood": """
省 市民政局 构建社会大救助体系
市 市行政审批服务局 推行“群众点单、邮政跑单、中心做单、政府买单”居家办服务模式 | 德州市邮政分公司
省 市交通运输局 推进交通领域系统集成改革
市 市残联 实施残疾人专用代步车补贴 | 市财政局、市公安局
市 市交通运输局 实行中心城区冬季公交免费乘车 | 市财政局、德城区
市 市教育局 办好教师十件实事
省 市教育局 创新职业教育社会培训模式 | 市人力资源社会保障局
省 市医保局 建设国家医疗保障信息平台
市 市医保局 推出“德州惠民保”
市 市水利局 实施中心城区水系连通与生态保护工程 | 市住房城乡建设局、德城区、天衢新区、运河经济开发区
市 市大数据局 建设“数智德州”
省 市卫生健康委 推进紧密型县域医共体建设
省 市医保局 深化医保支付方式改革，推行按疾病诊断相关分组（DRG）付费
省 市卫生健康委 推进公立医院综合改革和薪酬制度改革
省 市教育局 深化“县管校聘”教师管理改革
市 市教育局 推进集团化办学和城乡教育共同体建设
省 市人力资源社会保障局 健全就业创业公共服务体系
市 市民政局 推进居家和社区养老服务改革
省 市住房城乡建设局 推进城镇老旧小区改造
省 市住房城乡建设局 发展保障性租赁住房
省 市生态环境局 深化生态环境损害赔偿制度改革
省 市卫生健康委 完善重大疫情防控救治体系
省 市人力资源社会保障局 推进社会保险经办“一窗通办”
省 市文化和旅游局 推进公共文化服务体系示范区建设
""",
}

# Milestones in the order work goes, by the kind of task; the marked one (*) is the goal
# that a task with a single node is left with.
_MILESTONES = {
    "platform": (
        "完成需求调研和建设方案",
        "完成项目招标采购",
        "完成系统开发和数据对接",
        "上线试运行",
        "*建成平台上线运行",
        "实现市县两级全覆盖应用",
        "形成应用成效评估报告",
    ),
    "project": (
        "制定建设方案",
        "完成项目立项和规划审批",
        "开工建设",
        "完成年度投资计划的50%",
        "完成主体工程",
        "*建成投入使用",
        "形成年度建设总结报告",
    ),
    "policy": (
        "开展专题调研，形成调研报告",
        "完成初稿起草",
        "征求有关部门和县（市、区）意见",
        "提请市委深改委会议审议",
        "*印发实施",
        "开展政策宣传解读",
        "开展落实情况评估",
    ),
    "reform": (
        "制定实施方案",
        "召开动员部署会",
        "出台配套政策措施",
        "确定试点单位并启动试点",
        "召开工作推进会",
        "完成试点任务",
        "*在全市全面推开",
        "形成经验总结报告",
    ),
}
_KIND_WORDS = (
    ("platform", ("平台", "数智", "云上", "码", "热线")),
    ("project", ("工程", "园区", "无水港", "研究院", "科学城", "基地", "集群", "中心")),
    ("policy", ("条例", "办法", "意见", "规划", "清单", "计划", "25条", "方案", "机制", "制度")),
)
_REQUIREMENTS = (
    "对标先进地区经验，制定具体落实措施，明确时间表、路线图。",
    "坚持问题导向，聚焦企业和群众反映强烈的突出问题，形成可操作的制度成果。",
    "加强部门协同和上下联动，推动改革向县（市、区）延伸、一竿子插到底。",
    "强化系统集成和数据共享，避免各自为战、重复建设。",
    "选择基础较好的县（市、区）先行试点，及时总结推广。",
    "细化责任分工，建立工作台账，实行清单化管理、销号式推进。",
)
_DEADLINES = (
    "每月5日前报送进展情况，确保按节点完成。",
    "年底前形成可复制可推广的经验做法。",
    "完成情况纳入市直部门绩效考核。",
    "确保年内取得实质性突破。",
    "遇到重大问题及时提请分管市领导协调解决。",
)
# What a clerk writes in 进展情况, by situation; the kind of task adds its own phrases.
_NOTES = {
    "waiting": ("尚未启动，正在做前期准备", "待前一节点完成后启动"),
    "low": ("已召开专题会议研究部署", "正在梳理现状和问题清单", "已明确责任分工，正在推进"),
    "mid": ("已与配合单位对接，正在细化任务分工", "各项工作按计划有序推进", "正在组织专家论证"),
    "high": ("主体工作基本完成，正在完善细节", "已进入收尾阶段", "正在整理总结材料"),
    "on_time": ("已按期完成", "已按计划完成"),
    "early": ("已提前完成，正在巩固提升成效", "提前完成，经验做法已报送市委改革办"),
    "late": ("已完成，较计划时限有所滞后", "经协调推动，本月完成"),
}
_KIND_NOTES = {
    "policy": {
        "low": ("正在开展专题调研", "已完成前期调研，正在起草"),
        "mid": ("已形成初稿，正在征求意见",),
        "high": ("已提请审议，正在根据意见修改完善",),
        "on_time": ("已完成，相关文件已印发",),
    },
    "platform": {
        "low": ("正在梳理业务需求", "正在编制建设方案"),
        "mid": ("系统开发过半，正在进行数据对接",),
        "high": ("正在开展联调测试",),
        "on_time": ("已完成并通过验收",),
    },
    "project": {
        "low": ("正在办理前期手续", "正在进行选址论证"),
        "mid": ("项目建设有序推进，形象进度过半",),
        "high": ("主体工程基本完工，正在扫尾",),
        "on_time": ("已完成并通过验收",),
    },
    "reform": {
        "low": ("已成立工作专班，正在调研摸底", "已完成前期调研，正在起草方案"),
        "mid": ("试点工作有序推进", "已完成方案起草，正在征求意见"),
        "high": ("正在总结试点经验",),
        "on_time": ("已完成，经验做法已报送市委改革办",),
    },
}
_CAUSES = ("资金未落实", "用地指标紧张", "部门间协调不畅", "疫情防控", "上级配套政策未出台")
_DUE_FORMS = ("{y}-{m:02d}", "{y}年{m}月底", "{y}/{m}/{d}", "{y}年{m}月", "{y}-{m:02d}-{d}")


@dataclass(frozen=True)
class Temper:
    """How a ledger's year goes.

    `paces`: how many tasks keep which pace (the rest are punctual). A pace gives way to
    punctuality where its icon is already as common as its cap (`horse_cap` for early
    nodes, `ostrich_cap` for late ones). `lax`: how many units miss reports (at most 3 a
    year, never two running; the rest never do); missed reports bring each month to about
    `odd_share` of tasks off the ox, keeping the snails within `snail_share`."""

    paces: dict[str, int]
    lax: int
    horse_cap: float = 0.10
    ostrich_cap: float = 0.10
    odd_share: float = 0.32
    snail_share: tuple[float, float] = (0.04, 0.12)


CITY = Temper({"early": 75, "slow": 36, "stalled": 45}, lax=48)
# How far a pace moves a task's last month from its last due month, as a first guess of how
# long it stays rated.
_DRIFT = {"early": -2, "slow": 1}
_SUSPENDED = "东盟"  # the ASEAN fair was postponed: one suspended task shows the null rating

# Months are counted from 1 = January 2021; reports cover months 1..12.
_MONTHS = range(1, 13)


def _date(month: int, day: int = 1) -> dt.date:
    return dt.date(2021 + (month - 1) // 12, (month - 1) % 12 + 1, day)


def _last_day(month: int) -> int:
    first = _date(month)
    return calendar.monthrange(first.year, first.month)[1]


def _task_lines():
    for area in AREAS:
        for line in _TASKS[area].strip().splitlines():
            source, lead, rest = line.split(" ", 2)
            title, _, partners = rest.partition(" | ")
            yield area, source, lead, title, tuple(p for p in partners.split("、") if p)


def _kind(title: str) -> str:
    for kind, words in _KIND_WORDS:
        if any(w in title for w in words):
            return kind
    return "reform"


def _nodes(rng: random.Random, title: str, count: int, last: int) -> tuple[DemoNode, ...]:
    steps = _MILESTONES[_kind(title)]
    goal = next(i for i, s in enumerate(steps) if s.startswith("*"))
    picked = sorted([goal, *rng.sample([i for i in range(len(steps)) if i != goal], count - 1)])
    # Plans front-load the first milestone: most units promise a 方案 within the first quarter.
    first = min(rng.choice((1, 1, 2, 3)), last - count + 1)
    dues = [first, *sorted(rng.sample(range(first + 1, last), max(count - 2, 0))), last]
    nodes = []
    for k, (step, due) in enumerate(zip(picked, dues[-count:], strict=True), 1):
        form = rng.choice(_DUE_FORMS)
        text = form.format(y=_date(due).year, m=_date(due).month, d=_last_day(due))
        nodes.append(DemoNode(f"N{k}", steps[step].lstrip("*"), _date(due), text))
    return tuple(nodes)


@dataclass
class _Plan:
    """How a task's year goes, in months counted from 1 = January 2021."""

    due: list[int]
    finish: list[int] = field(default_factory=list)
    still: set[int] = field(default_factory=set)  # months in which nothing moves
    skip: set[int] = field(default_factory=set)  # months without a report

    @property
    def start(self) -> list[int]:
        """Each node starts when the one before is done, or a month before its own finish."""
        f = self.finish
        return [1] + [max(1, min(f[k - 1] + 1, f[k] - 1)) for k in range(1, len(f))]


class _Tally:
    """The icons planned so far per month, as a share of the tasks rated that month.

    Each plan puts its horse, ostrich or snail where that icon is scarcest, so every month
    gets its share by construction rather than by luck.
    """

    def __init__(self, rated: list[int]) -> None:
        self.rated = rated
        self.count = {icon: [0] * 13 for icon in ("horse", "ostrich", "snail")}

    def load(self, icon: str, months: Iterable[int]) -> float:
        shares = [self.count[icon][m] / max(1, self.rated[m]) for m in months if m in _MONTHS]
        return sum(shares) / len(shares) if shares else 1.0

    def best(self, rng: random.Random, options: list[int], icon: str, months_of: Callable) -> int:
        rng.shuffle(options)  # ties go to chance
        return min(options, key=lambda o: self.load(icon, months_of(o)))

    def settle(self, due: int, finish: int) -> None:
        """A task is rated until its last node is done, not until that node's due month."""
        for m in range(min(due, finish) + 1, max(due, finish) + 1):
            if m in _MONTHS:
                self.rated[m] += 1 if finish > due else -1

    def add(self, icon: str, months: Iterable[int]) -> None:
        for m in months:
            if m in _MONTHS:
                self.count[icon][m] += 1


def _index(day: dt.date) -> int:
    return (day.year - 2021) * 12 + day.month


def _last_due(rng: random.Random) -> int:
    """Most plans run to the year end; some to mid-year, a few into 2022."""
    return rng.choice((6, 7, 8, 9, 10, 11, *[12] * 8, 13, 13, 14, 15))


def _leader(rng: random.Random, area: str, lead: str) -> str:
    pool = _AREA_LEADERS[area]
    if _UNIT_LEADERS.get(lead) in pool:
        return _UNIT_LEADERS[lead]
    return pool[0] if rng.random() < 0.75 else pool[-1]


_ORDER = {name: i for i, (name, _) in enumerate(UNITS)}


def _co_units(rng: random.Random, area: str, lead: str, partners: tuple[str, ...]):
    pool = [u for u in _PARTNERS[area] if u != lead and u not in partners]
    chosen = [*partners, *rng.sample(pool, rng.randint(0 if partners else 1, 2))]
    # Reform goes "all the way to the bottom": many tasks cascade to the counties.
    if lead not in COUNTIES and not set(chosen) & set(COUNTIES):
        draw = rng.random()
        if draw < 0.08:
            chosen += COUNTIES
        elif draw < 0.35:
            chosen += rng.sample(COUNTIES, rng.randint(2, 4))
    return tuple(sorted(chosen, key=_ORDER.__getitem__))


def _plan(rng: random.Random, pace: str, dues: list[int], tally: _Tally, temper: Temper) -> _Plan:
    """When each node gets done at the task's pace, putting its icons where they are scarce."""
    plan = _Plan(dues)
    late: set[int] = set()
    stuck = None
    if pace == "slow":
        for _ in range(min(len(dues), rng.choice((1, 1, 2)))):
            options = [k for k in range(len(dues)) if k not in late]
            late.add(tally.best(rng, options, "ostrich", lambda k: [dues[k]]))
    elif pace == "stalled":
        stuck = tally.best(rng, list(range(len(dues))), "snail", lambda k: [dues[k]])
    for k, due in enumerate(dues):
        floor = plan.finish[-1] if plan.finish else 1  # not done before the node it follows
        if pace == "early" and due - 1 >= floor:
            early = [due - d for d in (1, 2, 3) if due - d >= floor]
            finish = tally.best(rng, early, "horse", lambda f: [f])
            if tally.load("horse", [finish]) >= temper.horse_cap:
                finish = due
        elif k in late:
            overdue = [due + d for d in (1, 2, 3)]
            finish = tally.best(rng, overdue, "ostrich", lambda f, due=due: range(due, f + 1))
            if tally.load("ostrich", range(due, finish + 1)) >= temper.ostrich_cap:
                finish = due
        elif k == stuck:
            still = range(due, due + rng.choice((1, 2, 2, 3)))
            plan.still.update(still)
            tally.add("snail", still)
            finish = still[-1] + rng.choice((1, 2))
        else:
            finish = due
        finish = max(finish, floor)
        plan.finish.append(finish)
        if finish < due:
            tally.add("horse", [finish])
        elif finish > due:
            tally.add("ostrich", [m for m in range(due, finish + 1) if m not in plan.still])
    tally.settle(dues[-1] + _DRIFT.get(pace, 0), plan.finish[-1])
    return plan


def _icon(plan: _Plan, m: int) -> str | None:
    """The icon the plan means its task to earn in month m (None once it is all done)."""
    if m > plan.finish[-1]:
        return None
    if m in plan.skip:
        return "snail"
    pairs = list(zip(plan.due, plan.finish, strict=True))
    if any(due <= m < finish for due, finish in pairs):
        return "snail" if m in plan.still else "ostrich"
    if any(finish == m < due for due, finish in pairs):
        return "horse" if all(finish != m or due >= m for due, finish in pairs) else "ostrich"
    return "ostrich" if any(due < m == finish for due, finish in pairs) else "ox"


def _skip_reports(rng: random.Random, plans: list[_Plan], temper: Temper) -> None:
    """Lax units miss a monthly report now and then, in months they would be an ox."""
    year_long = [p for p in plans if p.finish[-1] >= _MONTHS[-1]]  # can skip any month
    lax = set(map(id, rng.sample(year_long, min(temper.lax, len(year_long)))))
    for m in _MONTHS:
        icons = [_icon(p, m) for p in plans]
        rated = len(icons) - icons.count(None)
        low, high = (round(share * rated) for share in temper.snail_share)
        snails, odd = icons.count("snail"), rated - icons.count("ox")
        wanted = min(max(low - snails, round(temper.odd_share * rated) - odd), high - snails)
        quiet = [
            p
            for p, icon in zip(plans, icons, strict=True)
            if icon == "ox"
            and id(p) in lax
            and m not in p.finish
            and len(p.skip) < 3
            and m - 1 not in p.skip
        ]
        for plan in rng.sample(quiet, max(0, min(wanted, len(quiet)))):
            plan.skip.add(m)


def _note(rng: random.Random, kind: str, situation: str) -> str:
    return rng.choice(_NOTES[situation] + _KIND_NOTES[kind].get(situation, ()))


def note(rng: random.Random, title: str, situation: str) -> str:
    """What a clerk writes about a node of task `title`: waiting, low, mid, high, on_time,
    early or late."""
    return _note(rng, _kind(title), situation)


def progress_note(rng: random.Random, title: str, percent: int, overdue: bool, moved: bool):
    return _progress_note(rng, _kind(title), percent, overdue, moved)


def _progress_note(rng: random.Random, kind: str, percent: int, overdue: bool, moved: bool):
    if overdue and not moved:
        cause = rng.choice(_CAUSES)
        if not percent:
            return f"受{cause}影响，尚未启动，正在协调推进"
        return f"受{cause}影响，本月进展停滞，已报请分管市领导协调"
    if not percent:
        return _note(rng, kind, "waiting")
    band = _note(rng, kind, "low" if percent < 40 else "mid" if percent < 70 else "high")
    return f"进度滞后于计划，{band}" if overdue else band


def _reports(rng: random.Random, task: DemoTask, plan: _Plan) -> list[DemoProgress]:
    rows = []
    kind = _kind(task.title)
    until = 4 if task.status == "suspended" else _MONTHS[-1]
    starts = plan.start
    for k, node in enumerate(task.nodes):
        due, start, finish = plan.due[k], starts[k], plan.finish[k]
        working = [m for m in range(start, finish) if m not in plan.still]
        step = 5 * max(1, 18 // (len(working) + 1))  # percents rise to at most 90 before done
        for m in range(start, min(finish, until) + 1):
            if m in plan.skip:
                continue
            if m == finish:
                note = _note(rng, kind, "early" if m < due else "late" if m > due else "on_time")
                done_on = _date(m, rng.randint(1, _last_day(m)))
                rows.append(
                    DemoProgress(task.code, node.code, _date(m), "done", done_on, 100, note)
                )
                continue
            percent = step * sum(1 for w in working if w <= m)
            status = "in_progress" if percent else "not_started"
            note = _progress_note(rng, kind, percent, overdue=m >= due, moved=m not in plan.still)
            rows.append(
                DemoProgress(task.code, node.code, _date(m), status, None, percent or None, note)
            )
    return rows


def draw_nodes(rng: random.Random, title: str) -> tuple[DemoNode, ...]:
    """A task's milestones as a unit plans them: one to five, most running to the year end."""
    count = rng.choices((1, 2, 3, 4, 5), (1, 3, 4, 3, 1))[0]
    last = _last_due(rng)
    return _nodes(rng, title, count, min(last, 12) if count == 1 else last)


def generate(seed: int = 2021) -> DemoData:
    """The Dezhou-2021 demo; the same seed always gives the same data."""
    rng = random.Random(seed)
    tasks = []
    for i, (area, source, lead, title, partners) in enumerate(_task_lines(), 1):
        nodes = draw_nodes(rng, title)
        tasks.append(
            DemoTask(
                code=f"DZ2021-{i:03d}",
                area=area,
                title=title,
                source="provincial" if source == "省" else "city",
                leader=_leader(rng, area, lead),
                lead_unit=lead,
                co_units=_co_units(rng, area, lead, partners),
                requirements=rng.choice(_REQUIREMENTS) + rng.choice(_DEADLINES),
                nodes=nodes,
                status="suspended" if _SUSPENDED in title else "active",
            )
        )
    progress = year_of_reports(rng, tasks, CITY)
    return DemoData(UNITS, LEADERS, tuple(tasks), progress)


def year_of_reports(
    rng: random.Random, tasks: list[DemoTask], temper: Temper
) -> tuple[DemoProgress, ...]:
    """A year of monthly progress for a ledger's `tasks`, at the ledger's `temper`."""
    active = [t for t in tasks if t.status == "active"]
    paces = [p for p, n in temper.paces.items() for _ in range(n)][: len(active)]
    paces += ["punctual"] * (len(active) - len(paces))
    rng.shuffle(paces)
    dues = {t.code: [_index(n.due) for n in t.nodes] for t in tasks}
    lasts = [dues[t.code][-1] + _DRIFT.get(p, 0) for t, p in zip(active, paces, strict=True)]
    tally = _Tally([sum(last >= m for last in lasts) for m in range(13)])
    plans = {
        t.code: _plan(rng, p, dues[t.code], tally, temper)
        for t, p in zip(active, paces, strict=True)
    }
    _skip_reports(rng, list(plans.values()), temper)

    progress = []
    for task in tasks:
        plan = plans.get(task.code) or _Plan(dues[task.code], finish=dues[task.code])
        progress += _reports(rng, task, plan)
    progress.sort(key=lambda r: (r.task, r.month, r.node))
    return tuple(progress)
