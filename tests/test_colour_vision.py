"""Colour schemes under colour-vision deficiency (Machado et al. 2009), judged by CIEDE2000.

The transcriptions are checked against published values: the CIEDE2000 test pairs of
Sharma, Wu & Dalal (2005, Table 1), the CIELAB of sRGB red, and the property of every
Machado matrix that each row sums to 1 (neutral greys are fixed points).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from casework.report import colour_vision as cv
from casework.report import theme
from casework.report.figures.common import BLUE, ORANGE, PURPLE
from casework.report.figures.logit import MODEL_COLOURS
from casework.report.figures.survival import BALANCE_COLOURS, GROUP_COLOURS


@pytest.mark.parametrize("lab1, lab2, expected", [   # Sharma et al. (2005), pairs 1, 7, 17, 25
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_equals_sharmas_test_pairs(lab1, lab2, expected):
    assert cv.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)


def test_srgb_red_in_cielab():
    assert cv.lab(cv.simulate("#FF0000", "normal")) == pytest.approx([53.2408, 80.0925, 67.2032], abs=1e-3)


def test_machado_matrices_leave_greys_unchanged():
    for vision, matrix in cv.MACHADO_2009.items():
        assert matrix.sum(axis=1) == pytest.approx([1, 1, 1], abs=2e-6), vision
        grey = cv.simulate("#808080", vision)
        assert grey == pytest.approx(cv.simulate("#808080", "normal"), abs=1e-5)


def test_red_and_green_merge_for_dichromats_only():
    # What the simulation is for: matplotlib's red and green are far apart for normal
    # vision, nearly one colour under deuteranopia, and much closer under protanopia
    # (which also darkens the red).
    def d(v):
        return cv.ciede2000(cv.lab(cv.simulate("#D62728", v)), cv.lab(cv.simulate("#2CA02C", v)))
    assert d("normal") > 60
    assert d("deuteranopia") < 10 and d("protanopia") < d("normal") / 2


def de00(a: str, b: str, vision: str) -> float:
    return cv.distance(a, b, vision)


def weakest_adjacent(colours) -> tuple[float, str, str, str]:
    return min((de00(a, b, v), v, a, b) for v in cv.VISIONS for a, b in zip(colours, colours[1:]))


@pytest.mark.parametrize("name", sorted(theme.ORDERED_SCALES))
def test_adjacent_steps_of_ordered_scales_stay_apart(name):
    step, vision, a, b = weakest_adjacent(theme.ORDERED_SCALES[name])
    assert step >= theme.ORDERED_MIN_DE, f"{name}: {a} and {b} are {step:.1f} apart under {vision}"


def test_the_old_two_orange_scale_fails_the_check():
    # The survey's scale before: Okabe-Ito blue, sky blue, orange, vermillion.
    old = [theme.OKABE_ITO[0], theme.OKABE_ITO[5], theme.OKABE_ITO[1], theme.OKABE_ITO[3]]
    step, vision, a, b = weakest_adjacent(old)
    assert step < theme.ORDERED_MIN_DE and vision == "deuteranopia" and {a, b} == {"#E69F00", "#D55E00"}


@pytest.mark.parametrize("colours", [
    list(MODEL_COLOURS.values()), list(GROUP_COLOURS), list(BALANCE_COLOURS.values()), [BLUE, ORANGE, PURPLE],
], ids=["logit models", "Kaplan-Meier groups", "balance kinds", "common"])
def test_colours_shown_together_stay_apart(colours):
    worst = min((de00(a, b, v), v, a, b) for v in cv.VISIONS for a, b in itertools.combinations(colours, 2))
    assert worst[0] >= theme.CATEGORICAL_MIN_DE, worst


def test_bad_colour_and_vision_are_named():
    with pytest.raises(ValueError, match="colour 'red': expected '#RRGGBB'"):
        cv.srgb("red")
    with pytest.raises(ValueError, match="vision 'achromatopsia': expected one of normal, protanopia"):
        cv.simulate("#000000", "achromatopsia")
