"""The rule-based name finder: capitalised names, Chinese company names and titled surnames."""

from __future__ import annotations

from qualcode.name_finder import find_names


def _names(text: str) -> dict[str, str]:
    return {f.name: f.kind for f in find_names(text)}


def test_capitalised_names_with_their_kind_and_sentence_words_dropped():
    found = _names("We met Desay Battery Co. Ltd. in Huizhou City last year. The Li family "
                   "sold to Ms. Wang Lei. China. The market grew. Last September it rained. "
                   "SYNTHETIC AND ILLUSTRATIVE.")
    assert found == {"Desay Battery Co. Ltd.": "firm", "Huizhou City": "place",
                     "Ms. Wang Lei": "person", "Huizhou": "place"}


def test_chinese_company_names_read_back_to_a_word_that_cannot_be_in_a_name():
    found = _names("我们是惠州亿纬锂能科技有限公司的供应商，德赛集团也来了，还有比克科技。")
    assert found == {"惠州亿纬锂能科技有限公司": "firm", "德赛集团": "firm", "比克科技": "firm",
                     "惠州": "place"}


def test_titled_surnames_at_a_word_edge_and_not_inside_a_word():
    found = _names("跟王总说过了。请问周经理，您好。张主任：对。提高经理的水平。张伟先生来了。")
    assert found == {"王总": "person", "周经理": "person", "张主任": "person",
                     "张伟先生": "person"}


def test_counts_are_occurrences():
    counts = find_names("王总：好。\n王总：再说一次。\nMr. Chen said so; Mr. Chen agreed.")
    assert {f.name: n for f, n in counts.items()} == {"王总": 2, "Mr. Chen": 2}


def test_titles_questions_and_company_words():
    found = _names("Director Zhou came. Is Huizhou far? General Motors and General Li met.")
    assert found == {"Director Zhou": "person", "General Motors": "firm", "General Li": "person",
                     "Huizhou": "place"}


def test_zones_with_their_bare_names_and_places_people_name_bare():
    """A zone or park is read back to a word edge, and its name alone is proposed too (people
    say 仲恺 for 仲恺高新区); cities and provinces named bare, in characters or in pinyin (with
    a possessive), come from the list of places; a word merely containing one does not."""
    counts = find_names("我们是仲恺那边引进的项目，在仲恺高新区。惠州这边工厂多，深圳那边一家大厂，"
                        "大亚湾开发区也有。We met in Huizhou City. Is Huizhou far? Suzhou's plant, "
                        "not Suzhouese food.")
    assert {f.name: (f.kind, n) for f, n in counts.items()} == {
        "仲恺高新区": ("place", 1), "仲恺": ("place", 2), "大亚湾开发区": ("place", 1),
        "大亚湾": ("place", 1), "惠州": ("place", 1), "深圳": ("place", 1),
        "Huizhou City": ("place", 1), "Huizhou": ("place", 2), "Suzhou": ("place", 1)}
