"""Region services: clear messages for duplicate names and codes."""

import pytest
from django.core.exceptions import ValidationError

from regions.services import create_region, update_region


def test_a_duplicate_name_under_the_same_parent_names_the_parent(regions):
    with pytest.raises(ValidationError) as exc:
        create_region(actor=None, name="朝阳村", level=3, parent=regions["town"])
    assert "金山店镇下已有名为“朝阳村”的区划" in exc.value.messages


def test_a_code_already_used_names_the_region_using_it(regions):
    with pytest.raises(ValidationError) as exc:
        update_region(actor=None, region=regions["village2"], name="仕秦村", code="420281100201")
    assert "区划代码420281100201已被“大冶市/金山店镇/朝阳村”使用" in exc.value.messages
