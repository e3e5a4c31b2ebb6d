"""The general vocabulary of the bundled codebook (issue 7): invented sentences written from each
code's definition (and LABELLING.md's dimension rules), never from the gold transcripts. Each
pattern group added for issue 7 has a sentence it must find, and the vetoes and negation a
sentence they must silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.domain import TextUnit
from qualcode.formats.codebook_yaml import load_codebook
from qualcode.nlp.pipeline import build_pipeline
from qualcode.nlp.suggester import suggest

BUNDLED = Path(__file__).resolve().parents[2] / "codebooks" / "nev_battery_value_chain.yaml"


@pytest.fixture(scope="module")
def pipe():
    return build_pipeline(load_codebook(BUNDLED), lang="en")


def labels(pipe, text: str) -> set[str]:
    return {h.code for h in suggest(pipe, [TextUnit(document_id=1, start=0, text=text)])}


FOUND = [
    # strategy
    ("The firm formed a joint venture with a Korean cell maker.", "strategy"),
    ("Reshoring the assembly has been our plan for two years.", "strategy.relocation"),
    ("They moved the packaging lines overseas in the nineties.", "strategy.relocation"),
    ("We are a supplier of cathode material to three cell plants.",
     "strategy.value-chain-position"),
    ("We are vertically integrated from the mine to the pack.", "strategy.value-chain-position"),
    ("The company is investing $2 billion in the project.", "strategy.capital-investment"),
    ("We plan to open a new refinery in Nevada.", "strategy.capital-investment"),
    ("We broke ground on the second plant last spring.", "strategy.capital-investment"),
    ("Storage is a new business for us.", "strategy.diversification"),
    # organization
    ("Containers sat at the port for twelve days.", "organization"),
    ("The chip shortage stopped our assembly line.", "organization"),
    ("Supply chain disruptions hit every shipment of parts.", "organization"),
    ("The plant will double its production capacity by 2026.", "organization.scale-up"),
    ("The second line came online in May.", "organization.scale-up"),
    ("The facility will employ 1,200 workers.", "organization.workforce"),
    ("We are hiring technicians and training them on site.", "organization.workforce"),
    ("The union negotiated the apprenticeship programme.", "organization.workforce"),
    # innovation
    ("Our research team filed forty patents last year.", "innovation"),
    ("The national laboratory helped us test the new chemistry.", "innovation"),
    ("This is the first-of-its-kind plant for this chemistry.",
     "innovation.technology-implementation"),
    ("We developed a proprietary process to extract lithium from clay.",
     "innovation.process-engineering"),
    ("We partnered with the state university on the electrolyte work.",
     "innovation.rd-partnerships"),
    ("Forced technology transfer is the price of entry there.", "innovation.imported-technology"),
    # market position
    ("Demand from our customers has tripled.", "market-position"),
    ("We depend on a single source for graphite.", "market-position"),
    ("Our domestic automaker customers want more cells.", "market-position.domestic-oems"),
    ("Half of our output goes to exports.", "market-position.foreign-customers"),
    ("Underpriced imports undercut every producer here.", "market-position.price-pressure"),
    ("They hold 75 percent of global production of the anode.", "market-position.competition"),
    ("Overproduction lets them dominate the market.", "market-position.competition"),
    # policy
    ("The Inflation Reduction Act changed the numbers.", "policy"),
    ("The tariff on cells rises to 25 percent.", "policy"),
    ("An executive order set the target.", "policy"),
    ("Buyers get a tax credit of $7,500.", "policy.subsidies"),
    ("We applied for a federal grant for the separator line.", "policy.subsidies"),
    ("The plant was subsidised by the province.", "policy.subsidies"),
    ("Permitting took three years and the safety standard changed twice.", "policy.regulation"),
    ("The community college runs the training program for the region.", "policy.ecosystem"),
]


@pytest.mark.parametrize(("text", "label"), FOUND)
def test_general_vocabulary_is_found(pipe, text, label):
    found = labels(pipe, text)
    if "." in label:
        assert label in found
    else:  # a dimension: its cue, or one of its codes (which takes the cue's place)
        assert label in {pipe.dimension_of[code] for code in found}, found


SILENCED = [
    # laws and spending unrelated to industry (policy veto)
    ("The law pays for roads, bridges and high-speed Internet.", "policy"),
    ("The bill lowers prescription drug prices.", "policy"),
    # government investment is not the firm's (capital-investment veto)
    ("Federal investment in ports will keep growing.", "strategy.capital-investment"),
    # workers as a political category (workforce veto)
    ("This is about the middle class and American workers.", "organization.workforce"),
    # geopolitics is not market competition (competition veto)
    ("Strategic competition with rivals shapes national security.",
     "market-position.competition"),
    # "supply chain" alone is a slogan
    ("We need resilient supply chains.", "organization"),
    # a joke
    ("The best jobs are in the White House, just kidding.", "organization.workforce"),
]


@pytest.mark.parametrize(("text", "label"), SILENCED)
def test_vetoes_silence_what_the_definitions_exclude(pipe, text, label):
    assert label not in labels(pipe, text)


def test_negated_relocation_scores_below_the_plain_one(pipe):
    def score(text):
        (hit,) = [h for h in suggest(pipe, [TextUnit(document_id=1, start=0, text=text)])
                  if h.code == "strategy.relocation"]
        return hit.score

    assert score("We did not relocate the plant.") < score("We relocated the plant.")
