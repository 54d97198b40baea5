"""scripts/download_data.sh's T5 spiece.model: fetched beside the SciBERT vocabulary, its checksum recorded
on the first download and checked after, an offline message when the hub cannot be reached.

    /usr/bin/python3 -m unittest discover -s tests/scripts -v      (ctest runs this as scripts_py)

The data directory holds links to ../shared's ChEBI-20 and PubChem324k splits and SciBERT vocabulary
($ICMA_SHARED_DIR, else ../shared; skipped without them), which have known checksums, and stand-in train
splits (recorded on first sight), so the only file left to fetch is spiece.model, from the stand-in hub of
test_download_model.py (ICMA_HF_ENDPOINT).
"""

import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "download_data.sh")
SHARED = os.environ.get("ICMA_SHARED_DIR", os.path.join(ROOT, "..", "shared"))
spec = importlib.util.spec_from_file_location("test_download_model", os.path.join(HERE, "test_download_model.py"))
hub_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hub_module)

SPIECE = "vocab/molt5-base-smiles2caption/spiece.model"
SHARED_FILES = ["chebi20/test.txt", "chebi20/validation.txt", "pubchem324k/test.txt", "pubchem324k/validation.txt"]


@unittest.skipUnless(all(os.path.isfile(os.path.join(SHARED, "data", f)) for f in SHARED_FILES)
                     and os.path.isfile(os.path.join(SHARED, "vocab", "scibert_scivocab_uncased", "vocab.txt")),
                     "needs ../shared's data and vocabulary ($ICMA_SHARED_DIR)")
class DownloadDataSpiece(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-download-data-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.data = os.path.join(self.dir, "data")
        for name in SHARED_FILES:
            os.makedirs(os.path.dirname(os.path.join(self.data, name)), exist_ok=True)
            os.symlink(os.path.join(SHARED, "data", name), os.path.join(self.data, name))
            train = os.path.join(self.data, os.path.dirname(name), "train.txt")
            with open(train, "w") as f:
                f.write("CID\tSMILES\tdescription\n1\tC\tmethane\n")
        os.makedirs(os.path.join(self.data, "vocab", "scibert_scivocab_uncased"))
        os.symlink(os.path.join(SHARED, "vocab", "scibert_scivocab_uncased", "vocab.txt"),
                   os.path.join(self.data, "vocab", "scibert_scivocab_uncased", "vocab.txt"))
        self.hub = hub_module.FakeHub()
        self.addCleanup(self.hub.stop)
        self.spiece = b"\x0a\x0b a stand-in SentencePiece model " * 50
        self.hub.repos["laituan245/molt5-base-smiles2caption"] = {"spiece.model": self.spiece}

    def download(self, endpoint=None):
        env = dict(os.environ, ICMA_HF_ENDPOINT=endpoint or self.hub.url)
        env.pop("ICMA_DATA_DIR", None)
        return subprocess.run(["bash", SCRIPT, "--data-dir", self.data], capture_output=True, text=True, env=env,
                              timeout=60)

    def sums(self):
        with open(os.path.join(self.data, "SHA256SUMS")) as f:
            return dict(reversed(line.split()) for line in f if line.strip())

    def test_spiece_model_is_fetched_recorded_and_checked(self):
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(self.data, SPIECE), "rb") as f:
            self.assertEqual(f.read(), self.spiece)
        self.assertEqual(self.sums()[SPIECE], hashlib.sha256(self.spiece).hexdigest())
        self.assertIn("recorded %s" % SPIECE, result.stdout)
        self.assertIn("not google-t5's spiece.model", result.stdout)
        requests = [path for path, _, _ in self.hub.requests]
        self.assertEqual(requests, ["/laituan245/molt5-base-smiles2caption/resolve/main/spiece.model"])
        # later runs check it against the recorded checksum
        result = self.download()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("ok %s" % SPIECE, result.stdout)
        with open(os.path.join(self.data, SPIECE), "ab") as f:
            f.write(b"changed")
        result = self.download()
        self.assertEqual(result.returncode, 1)
        self.assertIn("spiece.model has SHA-256", result.stderr)

    def test_no_hub_is_an_offline_message(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        result = self.download(endpoint="http://127.0.0.1:%d" % port)
        self.assertEqual(result.returncode, 1)
        self.assertIn("download_data: cannot fetch http://127.0.0.1:%d/laituan245/molt5-base-smiles2caption/resolve/"
                      "main/spiece.model (no internet?)" % port, result.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.data, SPIECE)))
        self.assertFalse(os.path.exists(os.path.join(self.data, SPIECE + ".part")))


if __name__ == "__main__":
    unittest.main()
