"""A rule-based finder of names that may identify someone (standard library only, offline).

It proposes; a person decides. Recall matters more than precision here (a name missed leaks, a
wrong proposal costs a glance), but proposals are ranked by how often they occur so the list stays
readable. Rules:

- English: runs of two or more capitalised words on one line ("Desay Battery", "Li Wei",
  "Mr. Chen"), leading sentence words such as "The" or "We" dropped; a firm when it ends with a
  company word (Ltd, Co., Group, Battery...), else a person when it starts with a title (Mr, Ms,
  Dr, Director...), a place when it ends with City, Province, County or District;
- Chinese: company names ending in 有限公司 (and 股份/有限责任公司), 集团 or 科技, read back to
  the nearest word that cannot be part of a name; a surname with a title (王总, 李经理, 张主任,
  陈总经理, 刘局长...), or with a given name and 先生/女士; a zone or park (仲恺高新区,
  大亚湾开发区, 潼湖工业园) read back the same way;
- places that no rule can see, because people name them bare (惠州, "in Huizhou"): a short list
  of China's provinces, Guangdong's cities and the battery industry's other centres, in
  characters and in pinyin (_PLACES below). A place outside it is added to the key by hand.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

FIRM, PERSON, PLACE, NAME = "firm", "person", "place", "name"

_TITLES_EN = {"Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Prof", "Prof.", "Madam",
              "Mister", "Miss", "Sir", "Director", "Engineer", "Manager", "Professor",
              "President", "Chairman", "Mayor", "Secretary", "General", "Governor"}
_FIRM_WORDS = {"Ltd", "Ltd.", "Co", "Co.", "Inc", "Inc.", "Corp", "Corp.", "Corporation",
               "Group", "Technology", "Technologies", "Tech", "Battery", "Batteries", "Energy",
               "Motors", "Company", "Holdings", "GmbH", "AG", "LLC", "Limited", "Industries",
               "Materials", "Electronics", "Automotive", "Power"}
_PLACE_WORDS = {"City", "Province", "County", "District", "Town", "Village", "Park", "Zone"}
# Capitalised at a sentence's start or as a pronoun, not as part of a name.
_LEADING = set("""A An And As At But By For From He Her His How I If In It Its My No Not Now Of
Oh Ok Okay On Or Our She So Some That The Their Then There These They This Those To We Well What
When Where Which Who Why With Yes You Your Also After Before Because Even Every Here However Many
Most Much Only Since Still Such Than Thank Thanks Until Very Without Yeah Sure Right Look Maybe
Perhaps Actually Interviewer Respondent Q Is Are Was Were Do Does Did Has Have Had Can Could
Will Would Should Shall May Might Must Last Next First Second Third One Two Three Four Five
Six Seven Eight Nine Ten Twenty Thirty Hundred Thousand Million Billion Monday Tuesday Wednesday
Thursday Friday Saturday Sunday January February March April May June July August September
October November December""".split())
_ABBREVIATIONS = _TITLES_EN | {"Co.", "Ltd.", "Inc.", "Corp.", "St."}

_CAPITALISED_RUN = re.compile(
    r"(?<![\w'’])[A-Z][A-Za-z0-9'’&-]*\.?(?:[ \t]+(?:&[ \t]+)?[A-Z][A-Za-z0-9'’&-]*\.?)+")

_HAN = "\u4e00-\u9fff"
_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
             "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
             "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧")
_TITLES_ZH = "总经理|董事长|副总|总|经理|主任|厂长|局长|处长|科长|书记|主席|老板|所长|院长|部长"
_TITLED = re.compile(rf"[{_SURNAMES}](?:{_TITLES_ZH})")
_SIR_MADAM = re.compile(rf"[{_SURNAMES}][{_HAN}]{{0,2}}(?:先生|女士)")
_COMPANY_SUFFIX = re.compile(r"(?:科技|集团)?(?:股份)?有限(?:责任)?公司|科技|集团")
# Characters that end a company name read backwards: particles, pronouns, common verbs.
_NOT_IN_NAME = set("的是在和与跟给从为对了把被我你他她它们这那些个家说到向让就也都还又很叫做去来"
                   "有像及或等即其将由以于而但呢吗吧啊")
_MAX_COMPANY = 12
_ZONE_SUFFIX = re.compile("(?:高新技术产业开发区|经济技术开发区|高新区|开发区|新区|工业园区|"
                          "工业园|产业园|科技园|自贸区)")
_MAX_ZONE = 5

# Facts, not rules: China's provincial-level divisions, the prefecture-level cities of Guangdong
# (the founding study's province) and other centres of the battery industry, each with its
# pinyin. A bare 惠州 or Huizhou identifies a firm as well as its name does in a small industry.
_PLACES = {
    "北京": "Beijing", "上海": "Shanghai", "天津": "Tianjin", "重庆": "Chongqing",
    "河北": "Hebei", "山西": "Shanxi", "辽宁": "Liaoning", "吉林": "Jilin",
    "黑龙江": "Heilongjiang", "江苏": "Jiangsu", "浙江": "Zhejiang", "安徽": "Anhui",
    "福建": "Fujian", "江西": "Jiangxi", "山东": "Shandong", "河南": "Henan", "湖北": "Hubei",
    "湖南": "Hunan", "广东": "Guangdong", "海南": "Hainan", "四川": "Sichuan", "贵州": "Guizhou",
    "云南": "Yunnan", "陕西": "Shaanxi", "甘肃": "Gansu", "青海": "Qinghai", "台湾": "Taiwan",
    "内蒙古": "Inner Mongolia", "广西": "Guangxi", "西藏": "Tibet", "宁夏": "Ningxia",
    "新疆": "Xinjiang", "香港": "Hong Kong", "澳门": "Macau",
    "广州": "Guangzhou", "深圳": "Shenzhen", "珠海": "Zhuhai", "汕头": "Shantou",
    "佛山": "Foshan", "韶关": "Shaoguan", "湛江": "Zhanjiang", "肇庆": "Zhaoqing",
    "江门": "Jiangmen", "茂名": "Maoming", "惠州": "Huizhou", "梅州": "Meizhou",
    "汕尾": "Shanwei", "河源": "Heyuan", "阳江": "Yangjiang", "清远": "Qingyuan",
    "东莞": "Dongguan", "中山": "Zhongshan", "潮州": "Chaozhou", "揭阳": "Jieyang",
    "云浮": "Yunfu",
    "宁德": "Ningde", "宜宾": "Yibin", "常州": "Changzhou", "溧阳": "Liyang", "遂宁": "Suining",
    "宜春": "Yichun", "赣州": "Ganzhou", "合肥": "Hefei", "西安": "Xi'an", "苏州": "Suzhou",
    "无锡": "Wuxi", "南京": "Nanjing", "杭州": "Hangzhou", "宁波": "Ningbo", "武汉": "Wuhan",
    "长沙": "Changsha", "成都": "Chengdu", "厦门": "Xiamen", "福州": "Fuzhou", "青岛": "Qingdao",
    "郑州": "Zhengzhou", "柳州": "Liuzhou", "襄阳": "Xiangyang",
}
_PLACE_HAN = re.compile("|".join(sorted(_PLACES, key=len, reverse=True)))
_PLACE_PINYIN = re.compile(
    r"(?<![\w'’])(?:" + "|".join(re.escape(p) for p in sorted(set(_PLACES.values()), key=len,
                                                                reverse=True)) + r")(?!\w)")


@dataclass(frozen=True)
class Found:
    name: str
    kind: str


def _segments(words: list[str]) -> list[list[str]]:
    """A run split after each word with a full stop that is not an abbreviation (China. The)."""
    out: list[list[str]] = [[]]
    for word in words:
        out[-1].append(word)
        if word.endswith(".") and word not in _ABBREVIATIONS:
            out.append([])
    return out


def _english(text: str) -> list[Found]:
    out = []
    for m in _CAPITALISED_RUN.finditer(text):
        for words in _segments(m.group().split()):
            found = _english_name(words)
            if found is not None:
                out.append(found)
    return out


def _english_name(words: list[str]) -> Found | None:
    while words and (words[0] in _LEADING or words[0].rstrip(".") in _LEADING):
        words.pop(0)
    if words and words[-1].endswith(".") and words[-1] not in _FIRM_WORDS | _TITLES_EN:
        words[-1] = words[-1][:-1]  # a sentence's full stop
    if len(words) < 2 or words[-1] in _TITLES_EN or words[-1] == "&":
        return None
    if all(w.isupper() for w in words):  # a shouted heading (SYNTHETIC AND ILLUSTRATIVE)
        return None
    if words[-1] in _FIRM_WORDS:  # General Motors is a firm, General Zhou a person
        kind = FIRM
    elif words[0] in _TITLES_EN:
        kind = PERSON
    elif words[-1] in _PLACE_WORDS:
        kind = PLACE
    else:
        kind = NAME
    return Found(" ".join(words), kind)


def _read_back(text: str, suffix: re.Match, longest: int) -> int:
    """Where a name ending in `suffix` starts: back over Chinese characters that can be part of
    a name, at most `longest` of them."""
    start = suffix.start()
    while (start > 0 and suffix.start() - start < longest
           and re.match(rf"[{_HAN}]", text[start - 1]) and text[start - 1] not in _NOT_IN_NAME):
        start -= 1
    return start


def _companies(text: str) -> list[Found]:
    out = []
    for m in _COMPANY_SUFFIX.finditer(text):
        start = _read_back(text, m, _MAX_COMPANY)
        if m.start() - start >= 2:
            out.append(Found(text[start:m.end()], FIRM))
    return out


def _zones(text: str) -> list[Found]:
    out, stems = [], set()
    for m in _ZONE_SUFFIX.finditer(text):
        start = _read_back(text, m, _MAX_ZONE)
        if m.start() - start >= 2:
            out.append(Found(text[start:m.end()], PLACE))
            stems.add(text[start:m.start()])
    # The zone's name alone, which people also say bare (仲恺 for 仲恺高新区), as often as it
    # occurs, in the zone's name or not.
    return out + [Found(stem, PLACE) for stem in stems for _ in range(text.count(stem))]


def _places(text: str) -> list[Found]:
    return [Found(m.group(), PLACE) for pattern in (_PLACE_HAN, _PLACE_PINYIN)
            for m in pattern.finditer(text)]


def _word_edge(text: str, i: int) -> bool:
    """Whether position i (a character index, or len) can start or end a name."""
    return (i <= 0 or i >= len(text) or not re.match(rf"[{_HAN}]", text[i])
            or text[i] in _NOT_IN_NAME)


def _titled(text: str) -> list[Found]:
    # 王总 at a word's start (after a non-Chinese character or a particle or verb: 跟王总说), or
    # before punctuation (请问周经理，); not inside a word (提高经理的 is not 高经理).
    return [Found(m.group(), PERSON) for m in _TITLED.finditer(text)
            if _word_edge(text, m.start() - 1)
            or m.end() >= len(text) or not re.match(rf"[{_HAN}]", text[m.end()])]


def is_titled_chinese_name(label: str) -> bool:
    """A surname with a title (王总, 李经理, 陈总经理) or with a given name and 先生/女士: how a
    Chinese transcript labels a named speaker (the speaker-label rules read it as `Dr. Li`)."""
    return bool(_TITLED.fullmatch(label) or _SIR_MADAM.fullmatch(label))


def find_names(text: str) -> Counter[Found]:
    """Each proposed name with its kind and how often it occurs in the text."""
    found: list[Found] = (_english(text) + _companies(text) + _titled(text) + _zones(text)
                          + _places(text))
    found += [Found(m.group(), PERSON) for m in _SIR_MADAM.finditer(text)]
    return Counter(found)
