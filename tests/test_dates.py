import pytest

from loaders.dates import find_date


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("On the morning of December 7, 2014, officers arrived.", ("2014-12-07", "day")),
        ("They met on 7 December 2014 in Erbil.", ("2014-12-07", "day")),
        ("Dated 2015-01-09.", ("2015-01-09", "day")),
        ("In March 2015 the talks began.", ("2015-03", "month")),
        ("Dec. 2014 saw new fighting.", ("2014-12", "month")),
        ("In late 2014, Iran moved in.", ("2014", "year")),
        ("Since 2003 Iran has worked in Iraq; on June 10, 2014 Mosul fell.", ("2014-06-10", "day")),
        ("Last month, nothing happened.", (None, None)),
        ("He had 2014 reasons.", (None, None)),
        ("On February 30, 2015 it rained.", (None, None)),
        ("Month 13: 2015-13-01.", (None, None)),
    ],
)
def test_dates_and_their_precision(sentence, expected):
    assert find_date(sentence) == expected
