"""The words of the synthetic corpus (benchmarks/corpus.py): topics, metrics, names, sentences.

Metrics, units, qualifiers and roles are the project's own IRIs (ontology/metrics.ttl,
ontology/vocabularies.ttl), each metric with the unit and the way of writing its figure that the
real article uses (data/articles/guian-national-designations/designations/*.ttl).
"""

from __future__ import annotations

import random
from collections.abc import Callable

# Written at the top of every Turtle file, as the project's data files do (data/_prefixes.txt).
PREFIXES = """\
@prefix gk: <https://w3id.org/guian-kg/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix schema: <https://schema.org/> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix article: <https://w3id.org/guian-kg/id/article/> .
@prefix claim: <https://w3id.org/guian-kg/id/claim/> .
@prefix designation: <https://w3id.org/guian-kg/id/designation/> .
@prefix document: <https://w3id.org/guian-kg/id/document/> .
@prefix image: <https://w3id.org/guian-kg/id/image/> .
@prefix involvement: <https://w3id.org/guian-kg/id/involvement/> .
@prefix level: <https://w3id.org/guian-kg/id/level/> .
@prefix metric: <https://w3id.org/guian-kg/id/metric/> .
@prefix milestone: <https://w3id.org/guian-kg/id/milestone/> .
@prefix observation: <https://w3id.org/guian-kg/id/observation/> .
@prefix organization: <https://w3id.org/guian-kg/id/organization/> .
@prefix person: <https://w3id.org/guian-kg/id/person/> .
@prefix place: <https://w3id.org/guian-kg/id/place/> .
@prefix programme: <https://w3id.org/guian-kg/id/programme/> .
@prefix qualifier: <https://w3id.org/guian-kg/id/qualifier/> .
@prefix quote: <https://w3id.org/guian-kg/id/quote/> .
@prefix role: <https://w3id.org/guian-kg/id/role/> .
@prefix timeq: <https://w3id.org/guian-kg/id/time/> .
@prefix status: <https://w3id.org/guian-kg/id/status/> .
@prefix statement: <https://w3id.org/guian-kg/id/statement/> .
"""

# (slug, zh, en, programme zh, cohort unit zh, cohort unit en, document title zh)
# fmt: off
TOPICS = (
    ("big-data-comprehensive-pilot-zone", "国家大数据综合试验区", "National big data comprehensive pilot zone", "国家大数据综合试验区", "个试验区", "pilot zones", "关于推进大数据综合试验区建设的通知"),
    ("sponge-city-pilot", "全国海绵城市建设试点", "National sponge city construction pilot", "海绵城市建设试点城市", "个试点城市", "pilot cities", "关于开展海绵城市建设试点工作的通知"),
    ("green-data-centre-pilot-area", "国家绿色数据中心试点地区", "National green data centre pilot area", "国家绿色数据中心试点地区", "个试点地区", "pilot areas", "关于国家绿色数据中心试点工作方案的通知"),
    ("mass-innovation-demonstration-base", "国家双创示范基地", "National mass innovation demonstration base", "双创示范基地", "个示范基地", "demonstration bases", "关于建设大众创业万众创新示范基地的实施意见"),
    ("new-urbanisation-pilot", "国家新型城镇化综合试点", "National new urbanisation comprehensive pilot", "新型城镇化综合试点地区", "个试点地区", "pilot areas", "关于公布国家新型城镇化综合试点名单的通知"),
    ("backbone-direct-connection-point", "国家级互联网骨干直联点", "National internet backbone direct connection point", "国家级互联网骨干直联点", "个直联点", "direct connection points", "关于同意建设国家级互联网骨干直联点的批复"),
    ("law-enforcement-three-systems-pilot", "行政执法三项制度试点", "Pilot of the three administrative law-enforcement systems", "行政执法三项制度试点单位", "个试点单位", "pilot units", "推行行政执法三项制度试点工作方案"),
    ("service-trade-innovation-pilot", "服务贸易创新发展试点", "Service trade innovation and development pilot", "服务贸易创新发展试点地区", "个试点地区", "pilot areas", "关于全面深化服务贸易创新发展试点的总体方案"),
    ("centralised-licensing-pilot", "相对集中行政许可权改革试点", "Relatively centralised administrative licensing reform pilot", "相对集中行政许可权改革试点", "个试点", "pilots", "关于相对集中行政许可权改革试点的批复"),
    ("beautiful-village-standardisation-pilot", "国家级美丽乡村建设标准化试点", "National beautiful village standardisation pilot", "美丽乡村建设标准化试点", "个试点项目", "pilot projects", "关于下达美丽乡村标准化试点项目的通知"),
    ("smart-city-pilot", "国家智慧城市试点", "National smart city pilot", "国家智慧城市试点", "个试点城市", "pilot cities", "关于开展国家智慧城市试点工作的通知"),
    ("low-carbon-city-pilot", "国家低碳城市试点", "National low-carbon city pilot", "低碳城市试点", "个试点城市", "pilot cities", "关于开展低碳省区和低碳城市试点工作的通知"),
    ("industry-city-integration-zone", "国家产城融合示范区", "National industry-city integration demonstration zone", "产城融合示范区", "个示范区", "demonstration zones", "关于开展产城融合示范区建设有关工作的通知"),
    ("ip-demonstration-park", "国家知识产权示范园区", "National intellectual property demonstration park", "国家知识产权示范园区", "个示范园区", "demonstration parks", "关于确定国家知识产权示范园区的通知"),
    ("e-commerce-demonstration-base", "国家电子商务示范基地", "National e-commerce demonstration base", "国家电子商务示范基地", "个示范基地", "demonstration bases", "关于认定国家电子商务示范基地的通知"),
    ("ecological-civilisation-pioneer-zone", "国家生态文明先行示范区", "National ecological civilisation pioneer zone", "生态文明先行示范区", "个示范区", "pioneer zones", "关于开展生态文明先行示范区建设的通知"),
    ("all-for-one-tourism-zone", "国家全域旅游示范区", "National all-for-one tourism demonstration zone", "国家全域旅游示范区", "个示范区", "demonstration zones", "关于公布国家全域旅游示范区名单的通知"),
    ("culture-technology-base", "国家文化和科技融合示范基地", "National culture and technology integration base", "文化和科技融合示范基地", "个示范基地", "demonstration bases", "关于认定国家文化和科技融合示范基地的通知"),
    ("agricultural-science-park", "国家农业科技园区", "National agricultural science and technology park", "国家农业科技园区", "个园区", "parks", "关于公布国家农业科技园区名单的通知"),
    ("logistics-hub", "国家物流枢纽", "National logistics hub", "国家物流枢纽", "个枢纽", "hubs", "关于做好国家物流枢纽建设工作的通知"),
    ("cross-border-e-commerce-zone", "国家跨境电子商务综合试验区", "National cross-border e-commerce comprehensive pilot zone", "跨境电子商务综合试验区", "个试验区", "pilot zones", "关于同意设立跨境电子商务综合试验区的批复"),
    ("digital-village-pilot", "国家数字乡村试点", "National digital village pilot", "国家数字乡村试点地区", "个试点地区", "pilot areas", "关于公布国家数字乡村试点地区名单的通知"),
    ("urban-renewal-pilot", "国家城市更新试点", "National urban renewal pilot", "城市更新试点城市", "个试点城市", "pilot cities", "关于开展第一批城市更新试点工作的通知"),
    ("new-industrialisation-base", "国家新型工业化产业示范基地", "National new industrialisation demonstration base", "新型工业化产业示范基地", "个示范基地", "demonstration bases", "关于公布国家新型工业化产业示范基地名单的通知"),
    ("innovative-city", "国家创新型城市", "National innovative city", "创新型城市", "个城市", "cities", "关于支持新一批城市开展创新型城市建设的函"),
    ("vehicle-network-pilot-zone", "国家级车联网先导区", "National connected-vehicle pilot zone", "国家级车联网先导区", "个先导区", "pilot zones", "关于支持创建国家级车联网先导区的复函"),
    ("comprehensive-bonded-zone", "国家综合保税区", "National comprehensive bonded zone", "综合保税区", "个保税区", "bonded zones", "关于同意设立综合保税区的批复"),
    ("ai-innovation-pilot-zone", "国家人工智能创新应用先导区", "National AI innovation application pilot zone", "人工智能创新应用先导区", "个先导区", "pilot zones", "关于支持建设国家人工智能创新应用先导区的函"),
    ("green-industrial-park", "国家级绿色工业园区", "National green industrial park", "绿色工业园区", "个园区", "parks", "关于公布绿色制造名单的通知"),
    ("computing-hub-node", "全国一体化算力网络国家枢纽节点", "National hub node of the integrated computing network", "算力网络国家枢纽节点", "个枢纽节点", "hub nodes", "关于同意启动建设全国一体化算力网络国家枢纽节点的复函"),
)
# fmt: on


def _count(rng: random.Random, lo: int, hi: int) -> tuple[str, str]:
    return (str(n := rng.randint(lo, hi)), str(n))


def _tenths(rng: random.Random, lo: int, hi: int, scale: int) -> tuple[str, str]:
    """A figure written with one decimal (4.2) and its value times `scale` / 10 (4.2万 → 42000)."""
    n = rng.randint(lo, hi)
    written = f"{n // 10}.{n % 10}" if n % 10 else str(n // 10)
    return str(n * scale // 10), written


def _decimal(rng: random.Random, lo: int, hi: int, places: int) -> tuple[str, str]:
    """A decimal in canonical form (1.2, never 1.20), written as stated."""
    n = rng.randint(lo, hi)
    text = f"{n / 10**places:.{places}f}".rstrip("0").rstrip(".")
    return text, text


# A metric of the project's scheme: (slug, zh, en, unit, figure → (value, stated figure), suffix).
Figure = Callable[[random.Random], tuple[str, str]]
# fmt: off
EXACT_METRICS: tuple[tuple[str, str, str, str, Figure, str], ...] = (
    ("large-data-centre-count", "大型及以上数据中心", "large and larger data centres", "unit:NUM", lambda r: _count(r, 5, 60), "个"),
    ("high-tech-enterprise-count", "获批高新技术企业", "approved high-tech enterprises", "unit:NUM", lambda r: _count(r, 20, 400), "家"),
    ("administrative-enforcement-cases-handled", "办理行政执法案件", "administrative enforcement cases handled", "unit:NUM", lambda r: _count(r, 100, 50000), "件"),
    ("approval-matters-handled", "办理审批事项", "approval matters handled", "unit:NUM", lambda r: _tenths(r, 11, 99, 10000), "万件"),
    ("pilot-tasks-completed", "完成试点任务", "pilot tasks completed", "unit:NUM", lambda r: _count(r, 10, 90), "项"),
    ("sponge-city-area-share", "海绵城市面积占比", "share of sponge-city area", "unit:PERCENT", lambda r: _decimal(r, 301, 899, 1), "%"),
    ("park-green-space-per-capita", "人均公园绿地面积", "park green space per capita", "unit:M2", lambda r: _decimal(r, 101, 299, 1), "平方米"),
    ("built-up-area", "建成区面积", "built-up area", "unit:KiloM2", lambda r: _decimal(r, 1001, 9999, 2), "平方公里"),
    ("urban-rural-income-ratio", "城乡收入比", "urban-rural income ratio", "unit:UNITLESS", lambda r: _decimal(r, 11, 39, 1), "倍"),
    ("annual-electricity-saving", "每年可节省电量", "electricity saved a year", "unit:KiloW-HR", lambda r: _tenths(r, 11, 199, 100000000), "亿千瓦时"),
    ("equivalent-carbon-emission-reduction", "相当于减少碳排放", "equivalent carbon emission reduction", "unit:TONNE", lambda r: _tenths(r, 11, 999, 10000), "万吨"),
    ("rural-income-growth-first-rank-consecutive-years", "农村居民收入增速连续位居全省第一", "consecutive years first in rural income growth", "unit:YR", lambda r: _count(r, 2, 6), "年"),
)
# fmt: on
# Qualified ones: (…, qualifier slug, qualifier text, suffix) with the qualifier written before the figure.
# fmt: off
QUALIFIED_METRICS: tuple[tuple[str, str, str, str, Figure, str, str], ...] = (
    ("computing-power", "算力规模", "computing power", "gk:ExaFLOPS", lambda r: _count(r, 5, 120), "more-than", "超"),
    ("intelligent-computing-share", "智算占比", "intelligent computing share", "unit:PERCENT", lambda r: _count(r, 50, 99), "more-than", "超"),
    ("internet-services-revenue", "互联网和相关服务业营业收入", "internet services revenue", "unit:CCY_CNY", lambda r: _tenths(r, 110, 9990, 100000000), "exceeded", "突破"),
    ("planned-standard-rack-count", "规划标准机架", "planned standard racks", "unit:NUM", lambda r: _tenths(r, 11, 300, 10000), "more-than", "超"),
    ("average-pue", "数据中心平均PUE", "average PUE of data centres", "unit:UNITLESS", lambda r: _decimal(r, 11, 19, 1), "as-low-as", "低至"),
    ("urbanisation-rate", "城镇化率", "urbanisation rate", "unit:PERCENT", lambda r: _decimal(r, 401, 899, 1), "reaches", "达到"),
    ("outbound-internet-bandwidth", "互联网出省带宽", "outbound internet bandwidth", "unit:GigaBIT-PER-SEC", lambda r: _tenths(r, 11, 999, 10000), "exceeded", "突破"),
    ("outbound-direct-connection-cities", "出省直联城市", "directly connected cities outside the province", "unit:NUM", lambda r: _count(r, 10, 60), "reaches", "达到"),
    ("sci-tech-achievement-transfer-count", "促进转化科技成果", "sci-tech achievements transferred", "unit:NUM", lambda r: _count(r, 10, 90), "more-than", "超"),
    ("project-filing-completion-time", "项目备案办结时间", "project filing completion time", "gk:WorkingDay", lambda r: _count(r, 1, 5), "within", "内"),
)
# fmt: on
# fmt: off
QUALIFIED_SUFFIX = {
    "computing-power": "EFlops",
    "intelligent-computing-share": "%",
    "internet-services-revenue": "亿元",
    "planned-standard-rack-count": "万架",
    "average-pue": "",
    "urbanisation-rate": "%",
    "outbound-internet-bandwidth": "万Gbps",
    "outbound-direct-connection-cities": "座",
    "sci-tech-achievement-transfer-count": "个",
    "project-filing-completion-time": "个工作日",
}
# fmt: on
# The time qualifier of each observation slot, the same in every article (slot = 5 × designation +
# observation, modulo 7): one in seven is undated; the dated ones take a random precision.
TIME_SLOTS = ("as-of", "during", "at", "as-of", "during", "as-of", "as-of-publication")
# fmt: off
ROLES = {
    "approved": ("批准", "approved"),
    "announced": ("公布", "announced"),
    "jointly-issued": ("联合发文", "jointly issued"),
    "issued": ("印发", "issued"),
    "supported": ("支持", "supported"),
    "guided": ("指导", "guided"),
}
# fmt: on
# fmt: off
SURNAMES = (
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("潘", "Pan"),
    ("谢", "Xie"),
)
# fmt: on
# fmt: off
GIVEN = (
    ("明", "ming"),
    ("华", "hua"),
    ("丽", "li"),
    ("强", "qiang"),
    ("军", "jun"),
    ("平", "ping"),
    ("芳", "fang"),
    ("宇", "yu"),
    ("欣", "xin"),
    ("杰", "jie"),
    ("婷", "ting"),
    ("涛", "tao"),
    ("健", "jian"),
    ("航", "hang"),
)
# fmt: on
CN_DIGITS = "零一二三四五六七八九十"
FILLER = (
    "新区坚持以高质量发展统揽全局，奋力在新征程上展现新作为",
    "一批批项目落地见效，一项项改革走深走实",
    "发展动能持续增强，营商环境不断优化",
    "园区企业纷纷表示，政策红利正在转化为发展实效",
    "相关负责人介绍，下一步将继续深化改革、扩大开放",
    "生态底色更加鲜明，群众获得感、幸福感持续提升",
)
