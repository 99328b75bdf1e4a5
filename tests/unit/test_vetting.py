from __future__ import annotations

from fairs.core.vetting import Posting, document_flags, posting_flags


def test_postings_that_restrict_by_sex_or_ethnicity_are_flagged_with_the_words_found():
    flags = posting_flags([Posting(1, "焊工", "限男性，45岁以下"), Posting(2, "包装工", "汉族优先"),
                           Posting(3, "保洁员", "欢迎大龄求职者")])
    assert flags == ['position 1 焊工: may discriminate by sex ("限男")',
                     'position 1 焊工: states an age limit ("45岁以下")',
                     'position 2 包装工: may discriminate by ethnicity ("汉族优先")']


def test_fair_postings_raise_no_flag():
    assert posting_flags([Posting(1, "叉车司机", "持证上岗，包吃住，男女不限")]) == []


def test_a_missing_business_licence_is_flagged():
    assert document_flags([]) == ["missing document business_licence"]
    assert document_flags(["business_licence", "safety_permit"]) == []
