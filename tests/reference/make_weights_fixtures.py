#!/usr/bin/python3
"""Writes tests/fixtures/weights/*.pth and weights_reference.json: state dicts
saved by the real torch.save (Debian's python3-torch), and the values they
hold, for tests/weights/torch_checkpoint_test.cpp.

Run from the repository root with Debian's interpreter:

    /usr/bin/python3 tests/reference/make_weights_fixtures.py

Files:
  module.pth     a module's state_dict(): an OrderedDict with _metadata, float
                 parameters and batch-norm buffers (int64 num_batches_tracked)
  dtypes.pth     float16, bfloat16, float64, int32, uint8, bool tensors; a
                 transposed (non-contiguous) view and two views of one storage
  nested.pth     {"model": state_dict, "epoch": 3}, as training scripts save
  empty.pth      a zero-size tensor and a scalar
  malicious.pth  a pickle that would call os.system: must be refused
"""
import collections
import json
import os
import pickle

import torch

OUT = "tests/fixtures/weights"


def values(tensor):
    return {"dtype": str(tensor.dtype).replace("torch.", ""), "shape": list(tensor.shape),
            "values": tensor.detach().to(torch.float64).flatten().tolist()}


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    reference = {}

    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Embedding(5, 2))
    module[1].running_mean.uniform_()
    module[1].num_batches_tracked += 7
    state = module.state_dict()
    torch.save(state, f"{OUT}/module.pth")
    reference["module.pth"] = {k: values(v) for k, v in state.items()}

    base = torch.randn(4, 6)
    shared = torch.arange(12, dtype=torch.float32)
    tensors = collections.OrderedDict([
        ("half", torch.randn(2, 3).half()),
        ("bf16", torch.randn(3).bfloat16()),
        ("double", torch.randn(2, 2, dtype=torch.float64)),
        ("int32", torch.tensor([[-5, 7], [2**31 - 1, -2**31]], dtype=torch.int32)),
        ("uint8", torch.tensor([0, 255, 17], dtype=torch.uint8)),
        ("bool", torch.tensor([True, False, True])),
        ("transposed", base.t()),
        ("shared_a", shared[2:8].view(2, 3)),
        ("shared_b", shared[::3]),
        ("parameter", torch.nn.Parameter(torch.randn(2))),
    ])
    torch.save(tensors, f"{OUT}/dtypes.pth")
    reference["dtypes.pth"] = {k: values(v) for k, v in tensors.items()}

    torch.save({"model": state, "epoch": 3, "lr": 0.5}, f"{OUT}/nested.pth")
    reference["nested.pth"] = reference["module.pth"]

    empty = {"nothing": torch.zeros(0, 4), "scalar": torch.tensor(2.5)}
    torch.save(empty, f"{OUT}/empty.pth")
    reference["empty.pth"] = {k: values(v) for k, v in empty.items()}

    torch.save({"weight": torch.zeros(2), "payload": Evil()}, f"{OUT}/malicious.pth")

    with open(f"{OUT}/weights_reference.json", "w") as out:
        json.dump({"generator": "tests/reference/make_weights_fixtures.py",
                   "torch": torch.__version__, "files": reference}, out, indent=1)


if __name__ == "__main__":
    main()
