#!/usr/bin/env python3
"""Builds seeds/cities.csv from the public list of 333 prefecture-level units.

Input: ../shared/data/prefecture_cities_333.tsv (adcode, province, city, note, portal
host, URL as listed, plate/area code). Adds the 4 municipalities, marks the 36 key
cities, maps provinces to regions (DOMAIN.md), records each unit's kind, and applies the
corrections listed in CORRECTIONS. Sector URLs are filled only where listed in
DEPARTMENTS; every other sector cell is left empty on purpose (see README).

Usage: python3 tools/make_seeds.py [path/to/prefecture_cities_333.tsv] > seeds/cities.csv
"""
import csv
import sys

REGION = {
    "east": "北京 天津 河北 辽宁 上海 江苏 浙江 福建 山东 广东 海南",
    "central": "山西 吉林 黑龙江 安徽 江西 河南 湖北 湖南",
    "west": "内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆",
}
CAPITALS = "石家庄 太原 呼和浩特 沈阳 长春 哈尔滨 南京 杭州 合肥 福州 南昌 济南 郑州 武汉 长沙 广州 南宁 海口 成都 贵阳 昆明 拉萨 西安 兰州 西宁 银川 乌鲁木齐".split()
PLANNED = "大连 青岛 宁波 厦门 深圳".split()
MUNICIPALITIES = [
    ("110000", "北京市", "北京市", "https://www.beijing.gov.cn/"),
    ("120000", "天津市", "天津市", "https://www.tj.gov.cn/"),
    ("310000", "上海市", "上海市", "https://www.shanghai.gov.cn/"),
    ("500000", "重庆市", "重庆市", "https://www.cq.gov.cn/"),
]
# adcode -> (portal start URL, why)
CORRECTIONS = {
    "410400": ("http://www.pds.gov.cn/", "list gives www.pds.cn; the government portal is on pds.gov.cn (unverified here: no network; run seeds check --probe)"),
}
# Department start URLs known to the maintainers, by adcode and sector. Unverified
# entries say so in the source column; `seeds check --probe` verifies them.
DEPARTMENTS = {}

# The list abbreviates autonomous prefectures (延边州); seeds carry the official names.
FULL_NAMES = {n[:2] if not n.startswith(("西双版纳", "巴音郭楞", "博尔塔拉", "克孜勒苏")) else n[:4]: n for n in """
延边朝鲜族自治州 恩施土家族苗族自治州 湘西土家族苗族自治州 阿坝藏族羌族自治州 甘孜藏族自治州 凉山彝族自治州
黔西南布依族苗族自治州 黔东南苗族侗族自治州 黔南布依族苗族自治州 楚雄彝族自治州 红河哈尼族彝族自治州
文山壮族苗族自治州 西双版纳傣族自治州 大理白族自治州 德宏傣族景颇族自治州 怒江傈僳族自治州 迪庆藏族自治州
临夏回族自治州 甘南藏族自治州 海北藏族自治州 黄南藏族自治州 海南藏族自治州 果洛藏族自治州 玉树藏族自治州
海西蒙古族藏族自治州 昌吉回族自治州 博尔塔拉蒙古自治州 巴音郭楞蒙古自治州 克孜勒苏柯尔克孜自治州 伊犁哈萨克自治州
""".split()}
FULL_NAMES["黔西"] = "黔西南布依族苗族自治州"
FULL_NAMES["黔东"] = "黔东南苗族侗族自治州"
FULL_NAMES["克州"] = "克孜勒苏柯尔克孜自治州"

def full_name(name):
    if name.endswith("州") and not name.endswith("市"):
        key = "克州" if name == "克州" else name[:-1][:4] if name[:-1] in ("西双版纳", "巴音郭楞", "博尔塔拉") else name[:-1][:2]
        if name[:-1] in ("黔西南",):
            key = "黔西"
        if name[:-1] in ("黔东南",):
            key = "黔东"
        if key in FULL_NAMES:
            return FULL_NAMES[key]
        raise SystemExit(f"no official name for {name}")
    return name

def region_of(province):
    for region, names in REGION.items():
        for n in names.split():
            if province.startswith(n):
                return region
    raise SystemExit(f"no region for province {province}")

def kind_of(name):
    if name.endswith("地区"):
        return "地区"
    if name.endswith("自治州"):
        return "自治州"
    if name.endswith("盟"):
        return "盟"
    return "地级市"

def short(name):
    for suffix in ("市", "地区", "盟"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name

def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/prefecture_cities_333.tsv"
    rows = []
    for adcode, name, province, url in MUNICIPALITIES:
        rows.append((adcode, name, province, "key", region_of(province), url, "直辖市",
                     "municipality; portal from the national government website database"))
    with open(src, encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            adcode, province, name = r["adcode"], r["province"], full_name(r["city"])
            host = r["portal_host"].strip()
            listed = r["source_url_as_listed"].strip()
            scheme = "https" if listed.startswith("https://") else "http"
            portal = f"{scheme}://{host}/"
            source = "prefecture_cities_333.tsv portal_host"
            if adcode in CORRECTIONS:
                portal, why = CORRECTIONS[adcode]
                source = f"corrected: {why}"
            tier = "key" if short(name) in CAPITALS or short(name) in PLANNED else "prefecture"
            rows.append((adcode, name, province, tier, region_of(province), portal, kind_of(name), source))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "name", "province", "tier", "region", "portal", "housing", "education",
                  "transport", "health", "environment", "kind", "source"])
    for adcode, name, province, tier, region, portal, kind, source in rows:
        d = DEPARTMENTS.get(adcode, {})
        out.writerow([adcode, name, province, tier, region, portal,
                      d.get("housing", ""), d.get("education", ""), d.get("transport", ""),
                      d.get("health", ""), d.get("environment", ""), kind, source])
    keys = sum(1 for r in rows if r[3] == "key")
    if keys != 36:
        raise SystemExit(f"expected 36 key cities, found {keys}")

main()
