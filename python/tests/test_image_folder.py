"""The twin's image-folder plans are the studio's: every case of fixtures/image-folder-plan.json
(written by `npx tsx scripts/image-folder-fixture.ts` from src/data/imageFolderPlan.ts) gives the
same classes, train and test images in the same order, split, skipped files and nested count, or
is refused with the same message."""

import json
from pathlib import Path

import pytest

from lowrank_studio.image_folder import (DEFAULT_TEST_FRACTION, ImageFolderError, js_number,
                                         js_round, plan_image_folder)

FIXTURE = Path(__file__).parent / "fixtures" / "image-folder-plan.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))


def as_fixture(plan) -> dict:
    return {"classNames": plan.class_names,
            "train": [[image.path, image.label] for image in plan.train],
            "test": [[image.path, image.label] for image in plan.test],
            "split": plan.split,
            "skipped": [[file.path, file.why] for file in plan.skipped],
            "nested": plan.nested}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_plan_is_the_studios(case):
    fraction = float(case.get("testFraction", DEFAULT_TEST_FRACTION))
    if "error" in case:
        with pytest.raises(ValueError) as refused:
            plan_image_folder(case["paths"], fraction)
        assert str(refused.value) == case["error"]
        return
    assert as_fixture(plan_image_folder(case["paths"], fraction)) == case["plan"]


def test_the_fixture_covers_the_layouts_and_refusals():
    plans = [case["plan"] for case in CASES if "plan" in case]
    assert {plan["split"]["kind"] for plan in plans} == {"seeded", "folder"}
    assert {plan["split"].get("fraction") for plan in plans} >= {0.2, 0.3}
    assert any(plan["nested"] for plan in plans) and any(plan["skipped"] for plan in plans)
    assert sum("error" in case for case in CASES) >= 10


def test_refusals_are_image_folder_errors_the_cli_reports():
    with pytest.raises(ImageFolderError, match="found no images in class folders"):
        plan_image_folder([])
    with pytest.raises(ImageFolderError, match="got NaN"):
        plan_image_folder(["a/1.jpg"], float("nan"))


def test_numbers_are_written_as_javascript_writes_them():
    assert [js_number(v) for v in (1.0, 0.25, 1e21, 1e-7, 0.000001, 1e20, -0.5, 100.0)] == [
        "1", "0.25", "1e+21", "1e-7", "0.000001", "100000000000000000000", "-0.5", "100"]
    assert js_number(1000 / 2 ** 20) == "0.00095367431640625"
    assert [js_round(v) for v in (0.5, 1.5, 2.5, 6.5, 2.4999)] == [1, 2, 3, 7, 2]
