"""The validation split draws the images the TypeScript one draws (src/data/validation.test.ts)."""

import numpy as np
import pytest

from lowrank_studio.batches import class_quotas, hold_out, validation_indices, with_validation
from lowrank_studio.cifar import Dataset, Split

LABELS = np.array([0] * 53 + [1] * 30 + [2] * 20, dtype=np.uint8)
# validationIndices(labels, 3, 6, 7) in src/data/validation.test.ts
PINNED = [69, 78, 5, 92, 29, 47]


def test_quotas_follow_class_shares():
    assert class_quotas(LABELS, 3, 10) == [5, 3, 2]
    assert class_quotas(LABELS, 4, 10) == [5, 3, 2, 0]


def test_same_images_as_the_typescript_split():
    assert validation_indices(LABELS, 3, 6, 7)[0] == PINNED


def test_stratified_and_complete():
    validation, train = validation_indices(LABELS, 3, 10, 1)
    assert sorted(validation + train) == list(range(103))
    assert [int((LABELS[validation] == c).sum()) for c in range(3)] == [5, 3, 2]
    assert train == sorted(train)


def test_refuses_to_hold_out_everything():
    with pytest.raises(ValueError, match="between 0 and 102"):
        validation_indices(LABELS, 3, 103, 1)


def test_hold_out_keeps_pixels_with_labels():
    images = np.arange(103, dtype=np.uint8).reshape(103, 1, 1, 1).repeat(3, axis=3)
    train, validation = hold_out(Split(images, LABELS), 3, 10, 1)
    first = validation_indices(LABELS, 3, 10, 1)[0][0]
    assert validation.images[0, 0, 0, 0] == first and validation.labels[0] == LABELS[first]
    assert train.count + validation.count == 103


def test_with_validation_keeps_the_test_set_apart():
    images = np.arange(103, dtype=np.uint8).reshape(103, 1, 1, 1).repeat(3, axis=3)
    test = Split(images[:7], LABELS[:7])
    dataset = Dataset("cifar10", "CIFAR-10", ["a", "b", "c"], 1, Split(images, LABELS), test)
    seen, held_test = with_validation(dataset, 10)
    assert held_test is test and seen.test.count == 10 and seen.train.count == 93
    # the split's own seed, whatever the run's: VALIDATION_SPLIT_SEED of src/data/validation.ts
    assert seen.test.labels.tolist() == LABELS[validation_indices(LABELS, 3, 10, 0)[0]].tolist()
    assert not set(seen.test.images[:, 0, 0, 0]) & set(seen.train.images[:, 0, 0, 0])
