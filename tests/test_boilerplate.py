import pytest

from loaders.boilerplate import NoiseRule, default_spans, merge, noise_spans
from schema.model import InvalidData


def test_comment_threads_and_related_posts_run_to_the_end():
    text = "Body text.\nRelated Posts\nOther story\n"
    [(start, end)] = default_spans(text)
    assert text[start:end].startswith("Related Posts") and end == len(text)
    text = "Body.\n12 Comments\nreader: Soleimani is a hero\n"
    assert text[default_spans(text)[0][0]:].startswith("12 Comments")


def test_single_furniture_lines():
    text = "Para one.\nSource: TRT World\nPara two.\n"
    [(start, end)] = default_spans(text)
    assert text[start:end] == "Source: TRT World"


def test_no_noise_in_a_clean_text():
    assert default_spans("Just an article about comments in general.\n") == []


def test_rules_and_errors():
    text = "A caption.\nBody.\nDonate now! Please.\nEnd"
    spans = noise_spans(text, [NoiseRule(text="A caption."), NoiseRule(start="Donate now!", stop="End")])
    assert [text[a:b] for a, b in spans] == ["A caption.", "Donate now! Please.\n"]
    with pytest.raises(InvalidData, match="rule 3: to 'Nope'"):
        noise_spans(text, [NoiseRule(start="Donate", stop="Nope", where="rule 3")])


def test_merge():
    assert merge([(5, 9), (0, 3), (2, 6), (20, 30)]) == [(0, 9), (20, 30)]
