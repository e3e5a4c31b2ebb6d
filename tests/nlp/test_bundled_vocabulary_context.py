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
    ("Our own investments are on the table.", "strategy.capital-investment"),
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
    # third round: LABELLING.md's concepts in plain words
    ("Ford is expanding its Kentucky plant to double output.", "strategy.capital-investment"),
    ("Toyota announced a new battery plant in North Carolina.", "strategy.capital-investment"),
    ("We bought a lithium mine so we control our own raw materials.",
     "strategy.value-chain-position"),
    ("We chose to focus on commercial trucks rather than passenger cars.", "strategy.niche-focus"),
    ("The plant now runs three shifts, seven days a week.", "organization"),
    ("It takes eighteen months to get the equipment delivered.", "organization"),
    ("We get our cathode material from a single supplier.", "organization"),
    ("We can't find enough welders and electricians.", "organization.workforce"),
    ("Those jobs are at risk if the plant closes.", "organization.workforce"),
    ("They laid off half the night crew.", "organization.workforce"),
    ("Productivity on the line improved after we automated the welding.",
     "organization.advanced-manufacturing"),
    ("Our engineers developed a new solid-state battery.", "innovation"),
    ("China produces three quarters of the world's battery cells.",
     "market-position.competition"),
    ("Our biggest customer is Hyundai.", "market-position"),
    ("Consumers are buying more trucks than sedans.", "market-position"),
    ("Chinese electric cars sell for under $12,000.", "market-position"),
    ("We sell to utilities all over the country.", "market-position"),
    ("The administration launched a review of the supply chain.", "policy"),
    ("The loan from the Energy Department helped us finish the plant.", "policy"),
    ("We are partnering with the government to build charging stations.", "policy"),
    ("Permitting reform would let us build faster.", "policy"),
    # a region beside selling or shipping is a foreign customer
    ("We ship most of our cells to customers in Europe.", "market-position.foreign-customers"),
    ("Half of what we make goes to customers abroad.", "market-position.foreign-customers"),
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
    # the adjudicated conventions: the economy's private investment, an investor named by a pronoun
    ("We have seen $200 billion in private-sector investments since then.",
     "strategy.capital-investment"),
    ("That unlocks billions of dollars in private investment.", "strategy.capital-investment"),
    ("Their own investments are on the table.", "strategy.capital-investment"),
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
    # third round: the new plain words in company that is not theirs
    ("The economy is expanding faster than anyone expected.", "strategy"),
    ("We will expand the program to more students.", "strategy"),
    ("I worked with the governor on the flood relief.", "policy"),
    ("The law protects voting rights for every citizen.", "policy"),
    ("My first job was at a diner, and I worked the night shift.", "organization"),
    ("I want to sell you on this idea.", "market-position"),
    ("That's a question for the customers of the airline, not for me.", "market-position"),
    # a region alone is no customer; slogans about competing name no rival (adjudication)
    ("We will use the resources we have here in North America.",
     "market-position.foreign-customers"),
    ("Now we get the fighting chance to compete globally.", "market-position.competition"),
    ("Businesses will compete on a level playing field.", "market-position.competition"),
]


@pytest.mark.parametrize(("text", "label"), SILENCED)
def test_narrowed_words_and_vetoes_leave_what_the_definitions_exclude(pipe, text, label):
    assert label not in found(pipe, text)
