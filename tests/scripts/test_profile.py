"""scripts/lib/profile.py: configs/profiles/*.json to the flags reproduce.sh passes, and its errors."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PROFILE_PY = os.path.join(ROOT, "scripts", "lib", "profile.py")
PYTHON = "/usr/bin/python3"

# The quick profile as reproduce.sh sees it (its bash arrays, verbatim).
QUICK = {
    "n_shot": "2", "cutoff_len": "1024", "retrieve_k": "10", "random_walk": "0.5", "test_rows": "1000",
    "profile_dataset": "", "pending": [], "prompt_fit": "drop_examples", "checkpoint": "0", "generation_dtype": "fp32",
    "lora": [],
    "training": ["--full", "--max-steps", "300", "--lr", "3e-3", "--global-batch", "8", "--micro-batch", "8",
                 "--warmup-steps", "30", "--save-steps", "100", "--eval-steps", "100"],
    "decoding": ["--max-new-tokens", "128", "--batch-size", "32", "--repetition-penalty", "1.3"],
}
# paper: an alias of paper-chebi20-galactica-125m (tests/scripts/test_profiles_official.py checks every
# value of the paper-* profiles against the official code).
PAPER = {
    "n_shot": "2", "cutoff_len": "1024", "retrieve_k": "10", "random_walk": "0.5", "test_rows": "0",
    "profile_dataset": "chebi20", "retrieval_method": "gnn", "lora": [],
    "prompt_fit": "truncate", "checkpoint": "8000", "generation_dtype": "fp16",
    "training": ["--full", "--epochs", "10", "--lr", "2e-4", "--global-batch", "32", "--micro-batch", "4",
                 "--warmup-steps", "1000", "--schedule", "linear", "--train-on-inputs", "--no-group-by-length",
                 "--save-steps", "1000", "--eval-steps", "1000"],
    "decoding": ["--do-sample", "--temperature", "0.7", "--top-p", "0.85", "--top-k", "40", "--num-beams", "1",
                 "--max-new-tokens", "256", "--repetition-penalty", "1.0", "--batch-size", "8", "--strip-prompts",
                 "--truncate-prompts-over", "1024", "--keep-tokens", "768", "--truncation-side", "left"],
    "pending": [],
}
PAPER_CAP2MOL = dict(PAPER, n_shot="4", cutoff_len="2048", retrieval_method="bm25",
                     decoding=[("0.8" if x == "1.0" else x) for x in PAPER["decoding"]])
VARIABLES = ["profile_name", "profile_dataset", "n_shot", "cutoff_len", "retrieve_k", "random_walk", "test_rows",
             "retrieval_method", "prompt_fit", "checkpoint", "generation_dtype"]
ARRAYS = ["lora", "training", "decoding", "pending"]


def run(*args):
    return subprocess.run([PYTHON, PROFILE_PY] + list(args), capture_output=True, text=True)


def in_bash(*args):
    """The variables and arrays after `eval "$(profile.py ARGS)"` in bash, one per line, arrays NUL-joined."""
    script = 'eval "$("$0" "$1" "${@:2}")" || exit 9\n'
    script += "".join('printf "%%s\\n" "$%s"\n' % v for v in VARIABLES)
    script += "".join('(IFS=$\'\\x1f\'; printf "%%s\\n" "${%s[*]}")\n' % a for a in ARRAYS)
    result = subprocess.run(["bash", "-c", script, PYTHON, PROFILE_PY] + list(args), capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    lines = result.stdout.split("\n")
    out = dict(zip(VARIABLES, lines))
    out.update({a: [x for x in lines[len(VARIABLES) + i].split("\x1f") if x] for i, a in enumerate(ARRAYS)})
    return out


class TheProfilesOfReproduce(unittest.TestCase):
    def test_quick_is_what_reproduce_passed_for_both_tasks(self):
        # Cap2Mol: no repetition penalty, and SMILES syntax as a decoding constraint.
        for task, method, tail in (("mol2cap", "morgan", ["1.3"]), ("cap2mol", "bm25", ["1.0", "--constrain", "smiles"])):
            decoding = QUICK["decoding"][:-1] + tail
            self.assertEqual(in_bash("quick", "--task", task),
                             dict(QUICK, profile_name="quick", retrieval_method=method, decoding=decoding))

    def test_paper_is_the_chebi20_galactica_125m_profile_under_its_own_name(self):
        self.assertEqual(in_bash("paper", "--task", "mol2cap"), dict(PAPER, profile_name="paper"))
        self.assertEqual(in_bash("paper", "--task", "cap2mol"), dict(PAPER_CAP2MOL, profile_name="paper"))
        for task in ("mol2cap", "cap2mol"):
            self.assertEqual(dict(in_bash("paper-chebi20-galactica-125m", "--task", task), profile_name="paper"),
                             in_bash("paper", "--task", task))

    def test_steps_replace_the_training_length_at_the_end(self):
        training = in_bash("paper", "--task", "mol2cap", "--steps", "3")["training"]
        epochs = PAPER["training"].index("--epochs")
        self.assertEqual(training, PAPER["training"][:epochs] + PAPER["training"][epochs + 2:] + ["--max-steps", "3"])
        training = in_bash("quick", "--task", "mol2cap", "--steps", "3")["training"]
        self.assertEqual(training, QUICK["training"][:1] + QUICK["training"][3:] + ["--max-steps", "3"])

    def test_test_rows_override(self):
        self.assertEqual(in_bash("paper", "--task", "mol2cap", "--test-rows", "8")["test_rows"], "8")

    def test_settings_for_run_json(self):
        settings = json.loads(run("paper", "--settings").stdout)
        self.assertEqual(settings, {
            "n_shot": {"mol2cap": 2, "cap2mol": 4}, "cutoff_len": {"mol2cap": 1024, "cap2mol": 2048},
            "lora": "", "training": " ".join(PAPER["training"]),
            "decoding": {"mol2cap": " ".join(PAPER["decoding"]), "cap2mol": " ".join(PAPER_CAP2MOL["decoding"])},
            "retrieval": {"k": 10, "random_walk": 0.5},
            "prompt_fit": "truncate", "checkpoint": 8000, "generation_dtype": "fp16"})
        quick = json.loads(run("quick", "--settings").stdout)
        self.assertNotIn("pending", quick)

    def test_list(self):
        names = run("--list").stdout.split()
        self.assertIn("quick", names)
        self.assertIn("paper", names)
        for dataset in ("chebi20", "pubchem324k"):
            for model in ("galactica-125m", "galactica-1.3b", "mistral-7b"):
                self.assertIn("paper-%s-%s" % (dataset, model), names)


class ProfileFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-profile-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def write(self, profile, name="custom.json"):
        """profile as JSON text; a string "#1e-3" becomes the number 1e-3 written so (json.dumps would write 0.001)."""
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(profile if isinstance(profile, str) else re.sub(r'"#([^"]*)"', r"\1", json.dumps(profile)))
        return path

    def base(self, **changes):
        profile = {"test_rows": 5, "retrieve_k": 10, "random_walk": 0.25, "n_shot": 2, "cutoff_len": 512,
                   "lora": {"--lora-r": 8}, "training": {"--max-steps": 10, "--lr": "#1e-3"},
                   "decoding": {"--do-sample": True, "--top-k": {"value": 40, "source": "file.py:12"},
                                "--num-beams": False, "--stop": "a b 'c'"}}
        profile.update(changes)
        return profile

    def error(self, profile):
        result = run(self.write(profile), "--task", "mol2cap")
        self.assertEqual(result.returncode, 2, result.stdout)
        self.assertEqual(result.stdout, "")
        return result.stderr

    def test_a_path_is_a_profile_named_by_its_file(self):
        got = in_bash(self.write(self.base()), "--task", "mol2cap")
        self.assertEqual(got["profile_name"], "custom")
        self.assertEqual(got["training"], ["--max-steps", "10", "--lr", "1e-3"])
        # true: a bare flag; false: none; strings reach bash as one word, quotes and all
        self.assertEqual(got["decoding"], ["--do-sample", "--top-k", "40", "--stop", "a b 'c'"])

    def test_per_task_overrides_merge_flag_by_flag_and_null_removes_one(self):
        path = self.write(self.base(tasks={"cap2mol": {
            "n_shot": {"value": 4, "source": "x"}, "training": {"--lr": "#5e-4", "--max-steps": None, "--epochs": 3}}}))
        mol2cap, cap2mol = in_bash(path, "--task", "mol2cap"), in_bash(path, "--task", "cap2mol")
        self.assertEqual((mol2cap["n_shot"], cap2mol["n_shot"]), ("2", "4"))
        self.assertEqual(cap2mol["training"], ["--lr", "5e-4", "--epochs", "3"])
        settings = json.loads(run(path, "--settings").stdout)
        self.assertEqual(settings["training"], {"mol2cap": "--max-steps 10 --lr 1e-3", "cap2mol": "--lr 5e-4 --epochs 3"})
        self.assertEqual(settings["cutoff_len"], 512)

    def test_an_unknown_name_lists_the_profiles(self):
        result = run("no-such-profile", "--task", "mol2cap")
        self.assertEqual(result.returncode, 2)
        self.assertIn("no profile 'no-such-profile'", result.stderr)
        self.assertIn("available: ", result.stderr)
        self.assertIn("paper", result.stderr)
        self.assertIn("quick", result.stderr)

    def test_mistakes_are_named(self):
        self.assertIn("unknown key", self.error(self.base(n_shots=2)))
        self.assertIn("missing cutoff_len", self.error({k: v for k, v in self.base().items() if k != "cutoff_len"}))
        self.assertIn("n_shot must be an integer", self.error(self.base(n_shot="2")))
        self.assertIn("random_walk must be a number in [0, 1)", self.error(self.base(random_walk=1)))
        self.assertIn("test_rows cannot differ per task", self.error(self.base(tasks={"mol2cap": {"test_rows": 1}})))
        self.assertIn("tasks holds overrides per task", self.error(self.base(tasks={"both": {}})))
        self.assertIn("unknown key(s) sourse", self.error(self.base(n_shot={"value": 2, "sourse": "typo"})))
        self.assertIn("is not a flag", self.error(self.base(lora={"lora-r": 8})))
        self.assertIn("a flag's value is", self.error(self.base(lora={"--lora-r": [8]})))
        self.assertIn("Expecting", self.error('{"n_shot": 2,}'))
        self.assertIn("retrieval_method for mol2cap must be one of", self.error(self.base(retrieval_method="bm25")))
        self.assertIn("for holds", self.error(self.base(**{"for": {"datasett": "chebi20"}})))
        self.assertIn("missing needs", self.error(self.base(pending={"x": {"value": 1, "source": "f.py:1"}})))
        self.assertIn("unknown key(s) needs", self.error(self.base(built_in={"x": {"value": 1, "needs": "y"}})))
        self.assertIn("a recorded setting is", self.error(self.base(pending={"x": 3})))

    def test_retrieval_method_defaults_and_per_task_values(self):
        got = in_bash(self.write(self.base()), "--task", "mol2cap")["retrieval_method"]
        self.assertEqual(got, "morgan")
        self.assertEqual(in_bash(self.write(self.base()), "--task", "cap2mol")["retrieval_method"], "bm25")
        path = self.write(self.base(retrieval_method={"value": "gnn", "source": "x"},
                                    tasks={"cap2mol": {"retrieval_method": "random"}}))
        self.assertEqual(in_bash(path, "--task", "mol2cap")["retrieval_method"], "gnn")
        self.assertEqual(in_bash(path, "--task", "cap2mol")["retrieval_method"], "random")
        # gnn is no caption retrieval: a profile must say what Cap2Mol uses
        self.assertIn("retrieval_method for cap2mol must be one of",
                      run(self.write(self.base(retrieval_method="gnn")), "--task", "cap2mol").stderr)

    def test_pending_and_built_in_are_recorded_not_passed(self):
        path = self.write(self.base(
            **{"for": {"dataset": "pubchem324k", "model": {"value": "org/name", "source": "x"}},
               "pending": {"checkpoint": {"value": 8000, "source": "a.py:1", "needs": "a flag"},
                           "dtype": {"value": "fp16", "source": "b.py:2", "needs": "a device"}},
               "built_in": {"reversal": {"value": True, "source": "c.py:3"}},
               "tasks": {"cap2mol": {"pending": {"dtype": None, "keep": {"value": 768, "needs": "x"}}}}}))
        mol2cap, cap2mol = in_bash(path, "--task", "mol2cap"), in_bash(path, "--task", "cap2mol")
        self.assertEqual(mol2cap["pending"], ["checkpoint", "dtype"])
        self.assertEqual(cap2mol["pending"], ["checkpoint", "keep"])
        self.assertEqual(mol2cap["profile_dataset"], "pubchem324k")
        for got in (mol2cap, cap2mol):
            self.assertNotIn("8000", got["training"] + got["decoding"])
        settings = json.loads(run(path, "--settings").stdout)
        self.assertEqual(settings["pending"], {"checkpoint": 8000, "dtype": {"mol2cap": "fp16", "cap2mol": None},
                                               "keep": {"mol2cap": None, "cap2mol": 768}})

    def test_an_alias_has_the_settings_of_the_profile_it_names_and_its_own_name(self):
        self.write(self.base(), name="target.json")
        alias = self.write({"about": "same as target", "alias": "target"}, name="alias.json")
        got = in_bash(alias, "--task", "mol2cap")
        self.assertEqual(got["profile_name"], "alias")
        self.assertEqual(dict(got, profile_name="target"), in_bash(os.path.join(self.dir, "target.json"), "--task", "mol2cap"))
        self.assertIn("holds only", run(self.write({"alias": "target", "n_shot": 2}, name="a2.json"), "--task", "mol2cap").stderr)
        self.assertIn("alias names no profile", run(self.write({"alias": "none"}, name="a3.json"), "--task", "mol2cap").stderr)
        self.assertIn("alias of an alias", run(self.write({"alias": "alias"}, name="a4.json"), "--task", "mol2cap").stderr)


if __name__ == "__main__":
    unittest.main()
