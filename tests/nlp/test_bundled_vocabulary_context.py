"""Issue 7, point 3: the bundled codebook's context rules, narrowed words and vetoes that buy
precision on real talk. Invented sentences written from the codes' definitions and LABELLING.md's
rules (never from the gold transcripts): each rule group has a sentence it must find, and each
narrowing or veto a sentence it must leave alone."""

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


def found(pipe, text: str) -> set[str]:
    """Codes suggested for the text, and the dimensions they belong to."""
    codes = {h.code for h in suggest(pipe, [TextUnit(document_id=1, start=0, text=text)])}
    return codes | {pipe.dimension_of[c] for c in codes}


FOUND = [
    # the firm's investment, recognised by its context
    ("They will invest an additional $4 billion over five years.", "strategy.capital-investment"),
    ("Their own investments are on the table.", "strategy.capital-investment"),
    ("The investments go into the cathode plant in Ohio.", "strategy.capital-investment"),
    ("Today the company announced its largest investment so far.",
     "strategy.capital-investment"),
    # a value-chain segment named by upstream/downstream, or the firm's move into it
    ("Upstream materials are where the margins are.", "strategy.value-chain-position"),
    ("Next year we move upstream into refining.", "strategy.value-chain-position"),
    # jobs tied to a plant or project, and employing people
    ("The new refinery will bring skilled jobs to the county.",
     "organization.workforce"),
    ("The cathode plant is going to employ more than a hundred people.",
     "organization.workforce"),
    # markets, shares and sales of products
    ("The battery market is slowing down.", "market-position"),
    ("They took half the market within three years.", "market-position"),
    ("Battery sales doubled last year.", "market-position"),
    ("We are a world leader in cathode production.", "market-position.competition"),
    ("Cheap imports undercut every producer here.", "market-position.competition"),
    # the legislature, the federal government, named bodies, laws by acronym, infrastructure money
    ("Congress has to pass it before the summer.", "policy"),
    ("The federal government can bring the two sides together.", "policy"),
    ("The Battery Materials Initiative will coordinate the agencies.", "policy"),
    ("The CHIPS Act changed where the fabs go.", "policy"),
    ("The state will spend billions on port infrastructure.", "policy"),
    # cell design: the separator's or electrolyte's design, not the product
    ("We changed the separator coating last year.", "innovation.cell-design"),
]


@pytest.mark.parametrize(("text", "label"), FOUND)
def test_context_rules_find_what_the_definitions_include(pipe, text, label):
    assert label in found(pipe, text)


SILENCED = [
    # a bare "investment" of the economy or the government is no firm's decision
    ("Failing to make these investments will slow growth.", "strategy.capital-investment"),
    ("We are making historic investments in our manufacturing sector.",
     "strategy.capital-investment"),
    ("We need to invest in our infrastructure.", "strategy.capital-investment"),
    # "upstream" as a direction in the supply chain
    ("The task force is looking at the upstream parts of the supply chain.",
     "strategy.value-chain-position"),
    # workers beside businesses or communities, and the economy's job figures
    ("Tariffs protect American businesses and workers.", "organization.workforce"),
    ("The economy has added 500,000 manufacturing jobs.", "organization.workforce"),
    ("We created 400,000 jobs per month this year.", "organization.workforce"),
    # an industry's over-capacity is competition, not a plant's scale-up
    ("Their excess capacity floods the world with panels.", "organization.scale-up"),
    # public infrastructure being funded is policy, not how production runs
    ("The law funds port infrastructure across the country.", "organization"),
    # imports and exports counted in containers at a port are logistics
    ("Import containers at the port rose 30 percent.", "market-position"),
    # a sales office and a market square are no market position
    ("Our sales office stayed in the old town.", "market-position"),
    ("We walked past the fish market.", "market-position"),
    # geopolitics and slogans about competing
    ("We will manage competition with China responsibly.", "market-position.competition"),
    ("Our workers deserve a fair chance to compete.", "market-position.competition"),
    # heads of state are no market leaders; the Oval Office is no government programme
    ("I have been asked by other world leaders about it.", "market-position.competition"),
    ("Come to lunch in the Oval Office.", "policy"),
    # a separator as a product is the firm's segment, not cell design
    ("We make separators for lithium batteries.", "innovation.cell-design"),
]


@pytest.mark.parametrize(("text", "label"), SILENCED)
def test_narrowed_words_and_vetoes_leave_what_the_definitions_exclude(pipe, text, label):
    assert label not in found(pipe, text)
