"""scripts/lib/pretraining_docs.py: documents of neighbouring training records for the pre-training stage."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "lib", "pretraining_docs.py")
PYTHON = "/usr/bin/python3"
CORPUS = "CID\tSMILES\tdescription\n1\tCCO\tThe molecule is ethanol.\n2\tCCN\tThe molecule is ethylamine.\n" \
         "3\tCCC\tThe molecule is propane.\n"


class PretrainingDocuments(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-pretraining-docs-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_script(self, corpus, molecules, captions, *extra):
        out = os.path.join(self.dir, "docs.jsonl")
        result = subprocess.run([PYTHON, SCRIPT, "--corpus", corpus, "--molecule-neighbours", molecules,
                                 "--caption-neighbours", captions, "--out", out] + list(extra),
                                capture_output=True, text=True)
        rows = []
        if result.returncode == 0:
            with open(out, encoding="utf-8") as f:
                rows = [json.loads(line) for line in f]
        return result, rows

    def test_each_record_ends_two_documents_after_its_neighbours_most_similar_last(self):
        corpus = self.write("corpus.tsv", CORPUS)
        molecules = self.write("m.tsv", "1\t3\t0.9\n1\t2\t0.5\n2\t1\t0.4\n3\t1\t0.9\n")
        captions = self.write("c.tsv", "1\t2\t7.0\n1\t3\t6.0\n2\t1\t7.0\n")
        result, rows = self.run_script(corpus, molecules, captions, "--records", "3")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual([r["id"] for r in rows], ["1-m", "1-c", "2-m", "2-c", "3-m", "3-c"])
        self.assertEqual(rows[0], {"id": "1-m", "task": "mol2cap", "prompt": "",
                                   "target": "CCN\nThe molecule is ethylamine.\n\nCCC\nThe molecule is propane.\n\n"
                                             "CCO\nThe molecule is ethanol.\n"})
        self.assertEqual(rows[1]["target"], "The molecule is propane.\nCCC\n\nThe molecule is ethylamine.\nCCN\n\n"
                                            "The molecule is ethanol.\nCCO\n")
        self.assertEqual(rows[1]["task"], "cap2mol")
        # A record without neighbours is a document of its own; the query itself never counts as one.
        self.assertEqual(rows[5]["target"], "The molecule is propane.\nCCC\n")
        _, two = self.run_script(corpus, molecules, captions, "--records", "2")
        self.assertEqual(two[0]["target"], "CCC\nThe molecule is propane.\n\nCCO\nThe molecule is ethanol.\n")

    def test_bad_input_is_one_line_with_file_and_line(self):
        corpus = self.write("corpus.tsv", CORPUS)
        good = self.write("n.tsv", "1\t2\t0.5\n")
        result, _ = self.run_script(corpus, self.write("bad.tsv", "1\t9\t0.5\n"), good)
        self.assertEqual(result.returncode, 2)
        self.assertIn("bad.tsv:1: neighbour 9 is not in the corpus", result.stderr)
        result, _ = self.run_script(self.write("dup.tsv", CORPUS + "1\tC\tx\n"), good, good)
        self.assertEqual(result.returncode, 2)
        self.assertIn("dup.tsv:5: id 1 appears twice", result.stderr)
        result, _ = self.run_script(corpus, good, good, "--records", "0")
        self.assertEqual(result.returncode, 2)


if __name__ == "__main__":
    unittest.main()
