"""The static data of the Zhuzhou (株洲市) demo (see fairs/services/demo.py).

The city and its nine county-level divisions carry their official codes. Township, street
and village codes in the demo are illustrative, not the official ones: a township is its
county's six digits, three digits and ``000`` (streets 0xx, towns 1xx), a village its
township's first nine digits and ``201``. Villages and all people and enterprises are invented.
"""

from __future__ import annotations

from fairs.core.areas import AreaRow

CITY_NAME, CITY_CODE = "株洲市", "430200000000"
# County-level divisions: name → the six leading digits of the official code.
DIVISIONS = {"荷塘区": "430202", "芦淞区": "430203", "石峰区": "430204", "天元区": "430211",
             "渌口区": "430212", "攸县": "430223", "茶陵县": "430224", "炎陵县": "430225",
             "醴陵市": "430281"}
# Townships and streets: name → (county, its three digits in the county).
TOWNSHIPS = {
    "嵩山路街道": ("天元区", "001"), "泰山路街道": ("天元区", "002"), "月塘街道": ("荷塘区", "001"),
    "仙庾镇": ("荷塘区", "101"), "建宁街道": ("芦淞区", "001"), "白关镇": ("芦淞区", "101"),
    "龙头铺街道": ("石峰区", "001"), "南洲镇": ("渌口区", "101"), "朱亭镇": ("渌口区", "102"),
    "白兔潭镇": ("醴陵市", "101"), "王仙镇": ("醴陵市", "102"), "网岭镇": ("攸县", "101"),
    "皇图岭镇": ("攸县", "102"), "虎踞镇": ("茶陵县", "101"), "霞阳镇": ("炎陵县", "101"),
}
# The village tour: county, township, village (invented), latitude and longitude of the village square.
TOWNS = (
    ("荷塘区", "仙庾镇", "枫溪村", 27.93, 113.27), ("芦淞区", "白关镇", "长岭村", 27.77, 113.25),
    ("渌口区", "南洲镇", "荷花村", 27.58, 113.06), ("渌口区", "朱亭镇", "双江村", 27.42, 113.07),
    ("醴陵市", "白兔潭镇", "桃源村", 27.85, 113.62), ("醴陵市", "王仙镇", "青山村", 27.73, 113.43),
    ("攸县", "网岭镇", "石门村", 27.17, 113.26), ("攸县", "皇图岭镇", "新塘村", 27.24, 113.38),
    ("茶陵县", "虎踞镇", "清水村", 26.88, 113.45), ("炎陵县", "霞阳镇", "金盆村", 26.50, 113.77),
)
# Where the other people live (urban streets).
STREETS = (("天元区", "嵩山路街道"), ("天元区", "泰山路街道"), ("芦淞区", "建宁街道"),
           ("荷塘区", "月塘街道"), ("石峰区", "龙头铺街道"))
# Market-day mornings of the village stops, one per town above (month, day).
STOP_DAYS = ((3, 15), (3, 18), (3, 22), (3, 25), (3, 29), (4, 1), (4, 6), (4, 9), (4, 13), (4, 16))
# Service stations: name, kind, area (township or county), address.
STATIONS = (
    ("天元区嵩山路街道就业驿站", "post_station", "嵩山路街道", "株洲市天元区嵩山路街道社区服务中心一楼"),
    ("渌口区南洲镇零工之家", "gig_home", "南洲镇", "株洲市渌口区南洲镇政府旁零工市场"),
    ("醴陵市就业超市", "employment_supermarket", "醴陵市", "醴陵市公共就业服务中心一楼"),
)


def county_code(county: str) -> str:
    return DIVISIONS[county] + "000000"


def township_code(township: str) -> str:
    county, digits = TOWNSHIPS[township]
    return DIVISIONS[county] + digits + "000"


def village_code(township: str) -> str:
    return township_code(township)[:9] + "201"


def area_code(name: str) -> str:
    """The code of the city, a county or a township of the demo, by its name."""
    if name == CITY_NAME:
        return CITY_CODE
    return county_code(name) if name in DIVISIONS else township_code(name)


def area_rows() -> list[AreaRow]:
    """The demo's area tree, parents before children."""
    rows = [AreaRow(CITY_CODE, CITY_NAME, "city", "")]
    rows += [AreaRow(county_code(name), name, "county", CITY_CODE) for name in DIVISIONS]
    rows += [AreaRow(township_code(name), name, "township", county_code(county))
             for name, (county, _) in TOWNSHIPS.items()]
    rows += [AreaRow(village_code(township), village, "village", township_code(township), lat, lon)
             for _, township, village, lat, lon in TOWNS]
    return rows


# name, district, industry, festival booth ("code:interviewers" or ""), positions as
# "title headcount skills wage_min-wage_max flags" (flags: F food & lodging, O older workers
# welcome, P part-time; "-" for none).
ENTERPRISES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("株洲湘江轨道装备配套有限公司", "石峰区", "manufacturing", "A01:3",
     ("电焊工 6 welding 6000-8500 F", "装配钳工 4 assembly 5500-7500 F",
      "车间电工 2 electrician 6000-8000 F")),
    ("株洲石峰轨交紧固件有限公司", "石峰区", "manufacturing", "A02:2",
     ("数控车工 3 cnc 5500-7500 F", "质检员 2 quality 4500-6000 -",
      "普工 10 assembly 4200-5500 FO")),
    ("株洲天元电机绕组有限公司", "天元区", "manufacturing", "A03:3",
     ("绕线工 8 assembly 4500-6000 FO", "叉车工 1 forklift 5000-6000 F")),
    ("株洲栗雨汽车零部件有限公司", "天元区", "manufacturing", "",
     ("冲压操作工 6 assembly 5000-6500 F", "设备电工 1 electrician 5500-7000 F")),
    ("醴陵白兔潭陶瓷制品有限公司", "醴陵市", "manufacturing", "A04:2",
     ("陶瓷彩绘工 5 painting 4000-6000 O", "窑炉工 3 - 4500-6000 FO",
      "包装工 6 packing 3500-4500 O")),
    ("醴陵釉下彩日用瓷有限公司", "醴陵市", "manufacturing", "",
     ("拉坯成型工 3 - 4500-6500 F", "电商客服 2 sales 3500-5000 -")),
    ("株洲芦淞服饰加工有限公司", "芦淞区", "manufacturing", "A05:3",
     ("缝纫工 12 sewing 4500-7000 FO", "整烫包装工 4 packing 3800-4800 O")),
    ("株洲荷塘冷链物流有限公司", "荷塘区", "logistics", "B01:3",
     ("叉车司机 3 forklift 5000-6500 F", "仓库理货员 6 warehouse 4200-5200 O",
      "冷链配送司机 4 driving 6000-8000 -")),
    ("株洲渌口货运服务有限公司", "渌口区", "logistics", "B02:2",
     ("货车司机 5 driving 6500-9000 F", "装卸工 8 - 4500-6000 FO")),
    ("攸县乡味食品有限公司", "攸县", "manufacturing", "",
     ("食品包装工 10 packing 3800-4800 FO", "腊味加工工 4 cooking 4000-5200 FO")),
    ("株洲湘厨餐饮管理有限公司", "天元区", "services", "B03:2",
     ("厨师 3 cooking 5000-7000 F", "帮厨 4 cooking 3500-4200 FO", "服务员 6 - 3200-4000 FP")),
    ("株洲颐康养老服务有限公司", "荷塘区", "care", "C01:3",
     ("养老护理员 10 elder_care 4000-5500 FO", "保洁员 3 cleaning 2800-3500 OP")),
    ("株洲渌江家政服务有限公司", "渌口区", "services", "C02:2",
     ("家政服务员 8 cleaning 4000-6000 O", "育婴员 3 child_care 5000-7000 -",
      "居家养老护理员 4 elder_care 4200-5800 O")),
    ("株洲建湘建筑劳务有限公司", "天元区", "construction", "",
     ("钢筋工 10 - 7000-10000 F", "木工 6 carpentry 7000-9500 FO",
      "施工电工 2 electrician 7000-9000 F", "小工 12 - 5000-6500 FO")),
    ("茶陵茶乡农业开发有限公司", "茶陵县", "agriculture", "",
     ("茶园管护工 8 planting 3000-4000 FO", "农机手 2 driving 4000-5000 F")),
    ("炎陵县霞阳黄桃种植专业合作社", "炎陵县", "agriculture", "L01:2",
     ("黄桃采摘分拣工 15 planting 3000-4000 FOP", "农产品直播主播 2 livestream 4000-8000 -")),
    ("株洲石峰物业服务有限公司", "石峰区", "services", "B04:2",
     ("保安员 6 security 3500-4200 O", "保洁员 8 cleaning 2800-3400 O")),
    ("株洲河西商贸连锁有限公司", "天元区", "retail", "",
     ("超市理货员 6 warehouse 3200-4000 O", "收银员 4 sales 3200-3800 P",
      "导购员 3 sales 3500-5000 -")),
    ("株洲湘农优品电商有限公司", "芦淞区", "retail", "",
     ("直播带货主播 3 livestream 5000-9000 -", "电商打包员 6 packing 3500-4500 O")),
    ("醴陵东富电瓷配件有限公司", "醴陵市", "manufacturing", "",
     ("电瓷成型工 6 assembly 4800-6500 FO", "质检员 2 quality 4500-5500 F")),
)

SURNAMES = "李王张刘陈杨黄赵周吴谭彭罗邓易肖唐曾龙贺胡文丁谢蒋颜尹袁段钟许朱廖"
OLDER_NAMES = ("建国 建华 秀英 桂英 国平 新民 德胜 立新 玉兰 金凤 满英 水生 "
               "长根 春花 冬梅 志强 红梅 桂兰 光明 爱民 淑珍 凤英 德明 冬生").split()
YOUNGER_NAMES = ("子涵 雨欣 浩然 梓轩 佳怡 俊杰 文博 思远 欣怡 宇航 诗琪 一鸣 "
                 "晨曦 嘉豪 心怡 婷 磊 鑫 杰 丹 静 勇 敏 芳").split()
SKILLS = ("welding forklift driving cooking cleaning sewing electrician sales warehouse elder_care "
          "livestream planting assembly packing security").split()
INDUSTRIES = ("manufacturing", "logistics", "services", "construction", "agriculture", "retail", "care")
