"""Task and node codes: the importer and the URLs agree on what a code is."""

import re

from hypothesis import given
from hypothesis import strategies as st

from ducha.ledger.codes import TASK_CODE_LENGTH, TaskCodeConverter, code_problem

URL_CODE = re.compile(TaskCodeConverter.regex)
SOME_CHARACTERS = st.sampled_from("aZ09党建-_./?#% \u200b①Ａ")


@given(st.text(SOME_CHARACTERS, min_size=1, max_size=TASK_CODE_LENGTH + 2))
def test_the_url_converter_accepts_exactly_the_codes_the_importer_accepts(code):
    accepted = code_problem(code, "任务编号", TASK_CODE_LENGTH) is None
    assert accepted == bool(URL_CODE.fullmatch(code))


@given(st.text(min_size=1, max_size=TASK_CODE_LENGTH + 2))
def test_any_text_gets_an_answer_and_a_refusal_names_the_code(code):
    problem = code_problem(code, "任务编号", TASK_CODE_LENGTH)
    assert problem is None or problem.startswith("任务编号 ")
    assert (problem is None) == bool(URL_CODE.fullmatch(code))


def test_the_codes_travel_through_a_url_unchanged():
    converter = TaskCodeConverter()
    assert converter.to_python(converter.to_url("党建-01")) == "党建-01"
