"""Numbers inside texts: masked for pages, put back from the stored text when a masked text is
saved or imported back."""

from __future__ import annotations

from django.template import Context, Template

from core.masking import mask_numbers, unmask_numbers

TEXT = (
    "张三420222198005170011，电话13911112222；"
    "李四420222199912310011（残疾人证42022219991231001141）"
)


def test_every_number_of_a_text_is_masked_as_the_register_masks_it() -> None:
    assert mask_numbers(TEXT) == (
        "张三4202**********0011，电话139****2222；李四4202**********0011"
        "（残疾人证4202************1141）"
    )


def test_a_disability_certificate_of_an_id_number_ending_in_x_is_masked() -> None:
    """A 残疾人证号 is the holder's ID number and 2 digits: an X sits before them."""
    text = "残联有残疾人证（42022219800517475X41，肢体四级）、42022219800517475X4101"
    assert mask_numbers(text) == (
        "残联有残疾人证（4202************5X41，肢体四级）、4202**************4101"
    )
    assert unmask_numbers(mask_numbers(text), text) == text


def test_a_masked_text_saved_back_keeps_the_stored_numbers_in_their_order() -> None:
    masked = mask_numbers(TEXT)
    assert unmask_numbers(masked, TEXT) == TEXT
    assert unmask_numbers(masked + "已核实", TEXT) == TEXT + "已核实"
    # A mask the stored text does not hold stays a mask; a number typed in full stays typed.
    assert unmask_numbers("王五5101**********0022", TEXT) == "王五5101**********0022"
    assert unmask_numbers("新电话13800001111", TEXT) == "新电话13800001111"


def test_the_template_filter_masks_before_a_text_is_cut_short() -> None:
    page = Template("{% load masks %}{{ t|mask_numbers|truncatechars:16 }}|{{ n|mask_numbers }}")
    shown = page.render(Context({"t": TEXT, "n": None}))
    assert shown.startswith("张三4202****") and shown.endswith("|") and "1980" not in shown
