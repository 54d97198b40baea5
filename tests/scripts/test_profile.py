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

# What reproduce.sh passed before profiles were files (its bash arrays, verbatim).
QUICK = {
    "n_shot": "2", "cutoff_len": "1024", "retrieve_k": "10", "random_walk": "0.5", "test_rows": "100",
    "lora": ["--lora-r", "16", "--lora-alpha", "32", "--lora-dropout", "0.05"],
    "training": ["--max-steps", "150", "--lr", "2e-3", "--global-batch", "8", "--micro-batch", "4",
                 "--warmup-steps", "10", "--save-steps", "25", "--eval-steps", "50"],
    "decoding": ["--max-new-tokens", "96", "--batch-size", "16", "--repetition-penalty", "1.3"],
}
PAPER = {
    "n_shot": "2", "cutoff_len": "2048", "retrieve_k": "10", "random_walk": "0.5", "test_rows": "0",
    "lora": ["--lora-r", "32", "--lora-alpha", "64", "--lora-dropout", "0.1"],
    "training": ["--epochs", "10", "--lr", "2e-4", "--global-batch", "32", "--micro-batch", "2",
                 "--warmup-steps", "100", "--save-steps", "200", "--eval-steps", "500"],
    "decoding": ["--do-sample", "--temperature", "0.7", "--top-p", "0.85", "--top-k", "40",
                 "--max-new-tokens", "256", "--batch-size", "8"],
}
VARIABLES = ["profile_name", "n_shot", "cutoff_len", "retrieve_k", "random_walk", "test_rows"]
ARRAYS = ["lora", "training", "decoding"]


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
        for task in ("mol2cap", "cap2mol"):
            self.assertEqual(in_bash("quick", "--task", task), dict(QUICK, profile_name="quick"))

    def test_paper_is_what_reproduce_passed_with_four_shots_for_cap2mol(self):
        self.assertEqual(in_bash("paper", "--task", "mol2cap"), dict(PAPER, profile_name="paper"))
        self.assertEqual(in_bash("paper", "--task", "cap2mol"), dict(PAPER, profile_name="paper", n_shot="4"))

    def test_steps_replace_the_training_length_at_the_end(self):
        training = in_bash("paper", "--task", "mol2cap", "--steps", "3")["training"]
        self.assertEqual(training, PAPER["training"][2:] + ["--max-steps", "3"])
        training = in_bash("quick", "--task", "mol2cap", "--steps", "3")["training"]
        self.assertEqual(training, QUICK["training"][2:] + ["--max-steps", "3"])

    def test_test_rows_override(self):
        self.assertEqual(in_bash("paper", "--task", "mol2cap", "--test-rows", "8")["test_rows"], "8")

    def test_settings_for_run_json(self):
        settings = json.loads(run("paper", "--settings").stdout)
        self.assertEqual(settings, {
            "n_shot": {"mol2cap": 2, "cap2mol": 4}, "cutoff_len": 2048,
            "lora": " ".join(PAPER["lora"]), "training": " ".join(PAPER["training"]),
            "decoding": " ".join(PAPER["decoding"]), "retrieval": {"k": 10, "random_walk": 0.5}})

    def test_list(self):
        names = run("--list").stdout.split()
        self.assertIn("quick", names)
        self.assertIn("paper", names)


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


if __name__ == "__main__":
    unittest.main()
