"""scripts/lib/write_json.py: the JSON that reproduce.sh's run.json is made of, escaped whatever the values."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
WRITE_JSON = os.path.join(ROOT, "scripts", "lib", "write_json.py")


class WriteJson(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-write-json-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.out = os.path.join(self.dir, "run.json")

    def write(self, *fields):
        return subprocess.run(["/usr/bin/python3", WRITE_JSON, self.out] + list(fields), capture_output=True, text=True)

    def test_strings_are_escaped_whatever_they_hold(self):
        awkward = 'a "quoted" path\\with\ttabs,\nnewlines, ünïcode and {"json": 1}'
        self.assertEqual(self.write("note=" + awkward, "model=" + awkward).returncode, 0)
        with open(self.out, encoding="utf-8") as f:
            self.assertEqual(json.load(f), {"note": awkward, "model": awkward})

    def test_run_json_shape(self):
        result = self.write("dataset=chebi20", "tasks[]=mol2cap", "tasks[]=cap2mol", "data.train=/d/train.tsv",
                            'settings:={"n_shot": {"mol2cap": 2}, "retrieval": {"k": 10}}',
                            "settings.retrieval.mol2cap=morgan", "settings.wrap_smiles:=false",
                            "settings.test_rows:=100", "empty=")
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.out) as f:
            text = f.read()
        self.assertEqual(json.loads(text), {
            "dataset": "chebi20", "tasks": ["mol2cap", "cap2mol"], "data": {"train": "/d/train.tsv"},
            "settings": {"n_shot": {"mol2cap": 2}, "retrieval": {"k": 10, "mol2cap": "morgan"},
                         "wrap_smiles": False, "test_rows": 100},
            "empty": ""})
        self.assertEqual(list(json.loads(text)), ["dataset", "tasks", "data", "settings", "empty"])
        self.assertFalse(os.path.exists(self.out + ".tmp"))

    def test_bad_fields_are_exit_status_2_and_write_nothing(self):
        for fields in (["no-operator"], ["n:=not json"], ["a=1", "a.b=2"], ["a=1", "a[]=2"]):
            result = self.write(*fields)
            self.assertEqual(result.returncode, 2, fields)
            self.assertIn("write_json:", result.stderr)
            self.assertFalse(os.path.exists(self.out), fields)


if __name__ == "__main__":
    unittest.main()
