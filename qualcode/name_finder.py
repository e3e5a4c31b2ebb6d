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
  陈总经理, 刘局长...), or with a given name and 先生/女士.
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


def _companies(text: str) -> list[Found]:
    out = []
    for m in _COMPANY_SUFFIX.finditer(text):
        start = m.start()
        while (start > 0 and m.start() - start < _MAX_COMPANY
               and re.match(rf"[{_HAN}]", text[start - 1]) and text[start - 1] not in _NOT_IN_NAME):
            start -= 1
        if m.start() - start >= 2:
            out.append(Found(text[start:m.end()], FIRM))
    return out


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
    found: list[Found] = _english(text) + _companies(text) + _titled(text)
    found += [Found(m.group(), PERSON) for m in _SIR_MADAM.finditer(text)]
    return Counter(found)
