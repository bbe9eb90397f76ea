"""The CIFAR reader on small archives in the official format, and its messages."""

import numpy as np
import pytest

from synthetic import cifar10_archive, cifar10_folder, records
from lowrank_studio.cifar import DatasetError, load_cifar


def test_reads_an_official_style_archive(tmp_path):
    dataset = load_cifar(str(cifar10_archive(tmp_path / "cifar-10-binary.tar.gz")))
    assert dataset.name == "CIFAR-10" and dataset.class_names[3] == "class3"
    assert dataset.train.count == 100 and dataset.test.count == 10
    assert dataset.train.images.shape == (100, 32, 32, 3)
    raw = np.frombuffer(records(20, 1), np.uint8).reshape(20, 3073)
    # planes R, G, B -> interleaved HWC
    assert dataset.train.images[0, 0, 1, 2] == raw[0, 1 + 2 * 1024 + 1]
    assert dataset.train.labels[0] == raw[0, 0]


def test_reads_a_folder_of_batches(tmp_path):
    dataset = load_cifar(str(cifar10_folder(tmp_path / "bins", train=12, test=5)))
    assert (dataset.train.count, dataset.test.count) == (12, 5)


def test_an_incomplete_archive_is_refused(tmp_path):
    path = cifar10_archive(tmp_path / "c.tar.gz", leave_out="data_batch_3.bin")
    with pytest.raises(DatasetError, match="the archive is missing data_batch_3.bin"):
        load_cifar(str(path))


def test_a_truncated_batch_is_refused(tmp_path):
    folder = cifar10_folder(tmp_path / "bins", train=4, test=2)
    (folder / "test_batch.bin").write_bytes(records(2, 3)[:-5])
    with pytest.raises(DatasetError,
                       match="test_batch.bin: 6141 bytes is not a whole number of 3073-byte"):
        load_cifar(str(folder))


def test_bad_labels_and_web_pages_are_named(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    data = bytearray(records(3, 1))
    data[3073] = 12
    (folder / "data_batch_1.bin").write_bytes(bytes(data))
    (folder / "test_batch.bin").write_bytes(records(1, 1))
    with pytest.raises(DatasetError,
                       match="data_batch_1.bin, record 1: label 12 is out of range 0-9"):
        load_cifar(str(folder))
    page = tmp_path / "cifar.tar.gz"
    page.write_bytes(b"<!DOCTYPE html><html>sign in</html>")
    with pytest.raises(DatasetError, match="is a web page"):
        load_cifar(str(page))


def test_nothing_usable_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError, match="notes.txt: no CIFAR files found"):
        load_cifar(str(tmp_path))
