"""configs/profiles/paper-*.json against the official ICMA code's settings, written down here.

    /usr/bin/python3 -m unittest discover -s tests/scripts -v      (ctest runs this as scripts_py)

One profile per (dataset, model) the paper reports: ChEBI-20 and PubChem324k x Galactica-125M,
Galactica-1.3B, Mistral-7B, each with Mol2Cap and Cap2Mol. OFFICIAL below is the table of the
official settings, per task, each with its evidence: (file, line, text on that line) in
github.com/phenixace/ICMA at commit 974adf3, or (file, line, text, False) for a flag a command
leaves out. The test checks that every profile gives each setting that value, that the value's
"source" in the profile cites the same file and line, and that every value in a paper profile says
where it comes from ("source") or why it was chosen ("why").

With ICMA_OFFICIAL_REPO naming a copy of that repository (a checkout, or a bare git repository at
that commit), the evidence itself is checked too: each cited line holds (or lacks) its text.
"""

import importlib.util
import json
import os
import re
import subprocess
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PROFILES = os.path.join(ROOT, "configs", "profiles")
spec = importlib.util.spec_from_file_location("profile", os.path.join(ROOT, "scripts", "lib", "profile.py"))
profile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(profile)

TASKS = ("mol2cap", "cap2mol")
DATASETS = ("chebi20", "pubchem324k")
MODELS = ("galactica-125m", "galactica-1.3b", "mistral-7b")
ABSENT = None  # the flag is not passed


def E(file, line, text, present=True):
    return (file, line, text, present)


# Settings keyed "scalar", "group --flag" (group: lora, training, decoding), "pending name",
# "built_in name" or "for key"; values as the scripts see them (flag values as command-line text,
# True for a bare flag, ABSENT for none).
EVERY = {
    "retrieve_k": (10, [E("dataset.py", 434, "j < 10")]),
    "training --epochs": ("10", [E("run_train.bash", 401, "--num_epochs 10"), E("run_train.bash", 466, "--num_epochs 10"),
                                 E("run_train.bash", 469, "--num_epochs 10"), E("run_train.bash", 452, "--num_epochs 10")]),
    "training --global-batch": ("32", [E("run_train.bash", 401, "--batch_size 32"), E("run_train.bash", 466, "--batch_size 32"),
                                       E("run_train.bash", 469, "--batch_size 32"), E("run_train.bash", 452, "--batch_size 32")]),
    "training --warmup-steps": ("1000", [E("icma_train.py", 49, '"--warm_up_steps", type=int, default=1000'),
                                         E("icma_train.py", 243, "warmup_steps=args.warm_up_steps")]),
    "training --schedule": ("linear", [E("icma_train.py", 240, "TrainingArguments(")]),
    "training --no-group-by-length": (True, [E("icma_train.py", 257, "# group_by_length=args.group_by_length")]),
    "decoding --do-sample": (True, [E("inference.py", 182, "do_sample=True")]),
    "decoding --temperature": ("0.7", [E("inference.py", 39, "default=0.7")]),
    "decoding --top-p": ("0.85", [E("inference.py", 40, "default=0.85")]),
    "decoding --top-k": ("40", [E("inference.py", 41, "default=40")]),
    "decoding --num-beams": ("1", [E("inference.py", 42, "default=1")]),
    "decoding --max-new-tokens": ("256", [E("inference.py", 44, "default=256")]),
    "prompt_fit": ("truncate", [E("icma_train.py", 119, "truncation=True"),
                                E("icma_train.py", 120, "max_length=args.cutoff_len")]),
    "generation_dtype": ("fp16", [E("inference.py", 163, "model.half()")]),
    "decoding --strip-prompts": (True, [E("dataset.py", 460, "self.data.append(mol.strip())"),
                                        E("dataset.py", 517, "self.data.append(cap.strip())")]),
    "built_in sequence_reversal": (True, [E("dataset.py", 404, "reverse = True")]),
}
PER_TASK = {
    "mol2cap": {
        "retrieval_method": ("gnn", [E("icma_train.py", 57, '"--m2c_method", type=str, default="gnn"'),
                                     E("data/gnn_similarity.py", 35, "F.cosine_similarity")]),
        "decoding --repetition-penalty": ("1.0", [E("inference.py", 187, 'if args.task=="cap2mol" else 1.0')]),
        "built_in exclude_self": (True, [E("icma_train.py", 97, 'start_pos = 1 if args.task == "cap2mol" else 0'),
                                         E("data/gnn_similarity.py", 47, "if idx == i:")]),
    },
    "cap2mol": {
        "retrieval_method": ("bm25", [E("icma_train.py", 58, '"--c2m_method", type=str, default="bm25"')]),
        "decoding --repetition-penalty": ("0.8", [E("inference.py", 187, 'repetition_penalty=0.8 if args.task=="cap2mol"')]),
        "built_in exclude_self": (True, [E("icma_train.py", 97, 'start_pos = 1 if args.task == "cap2mol" else 0')]),
    },
}
LORA_OFF = {"lora --lora-r": (ABSENT, []), "lora --lora-alpha": (ABSENT, []), "lora --lora-dropout": (ABSENT, [])}


def lora_on(line):
    return {
        "training --full": (ABSENT, [E("run_train.bash", line, "--disable_lora", False)]),
        "lora --lora-r": ("32", [E("icma_train.py", 62, '"--lora_r", type=int, default=32')]),
        "lora --lora-alpha": ("64", [E("icma_train.py", 63, '"--lora_alpha", type=int, default=64')]),
        "lora --lora-dropout": ("0.1", [E("icma_train.py", 64, '"--lora_dropout", type=float, default=0.1')]),
    }


PER_MODEL = {
    "galactica-125m": dict(LORA_OFF, **{
        "for model": ("facebook/galactica-125m", None),  # the evidence differs by dataset: see PER_RUN
        "training --full": (True, [E("run_train.bash", 401, "--disable_lora"), E("icma_train.py", 180, "if not args.disable_lora:")]),
        "training --lr": ("2e-4", None),
        "training --micro-batch": ("4", [E("run_train.bash", 401, "--micro_batch_size 4"), E("run_train.bash", 452, "--micro_batch_size 4")]),
    }),
    "galactica-1.3b": dict(lora_on(469), **{
        "for model": ("facebook/galactica-1.3b", [E("run_train.bash", 469, '--base_model "facebook/galactica-1.3b"')]),
        "training --lr": ("3e-4", [E("run_train.bash", 460, "for lr in 3e-4")]),
        "training --micro-batch": ("1", [E("run_train.bash", 469, "--micro_batch_size 1")]),
    }),
    "mistral-7b": dict(lora_on(466), **{
        "for model": ("mistralai/Mistral-7B-Instruct-v0.2", [E("run_train.bash", 466, '--base_model "mistralai/Mistral-7B-Instruct-v0.2"')]),
        "training --lr": ("3e-4", [E("run_train.bash", 460, "for lr in 3e-4")]),
        "training --micro-batch": ("2", [E("run_train.bash", 466, "--micro_batch_size 2")]),
        "training --dtype": ("int8", [E("run_train.bash", 466, "--int8 --fp16"),
                                      E("icma_train.py", 169, "load_in_8bit=True if args.int8")]),
        "training --gradient-checkpointing": (True, [E("icma_train.py", 178, "prepare_model_for_kbit_training(model)")]),
        "pending training_precision": (ABSENT, None),
    }),
}
# Test prompts over the inference cutoff (1024): one at a time they keep their last 768 tokens, with
# --batch_infer (the tokenizer's truncation) their first 1024.
KEEP_LAST = ("1024", "768", "left")
KEEP_FIRST = ("1024", "1024", "right")


def inference_truncation(keep, evidence):
    over, tokens, side = keep
    return {"decoding --truncate-prompts-over": (over, evidence), "decoding --keep-tokens": (tokens, evidence),
            "decoding --truncation-side": (side, evidence)}


TRUNCATION_LAST = [E("inference.py", 34, '"--cutoff_len", type=int, default=1024'), E("inference.py", 289, "256-args.cutoff_len")]
TRUNCATION_FIRST = [E("inference.py", 34, '"--cutoff_len", type=int, default=1024'), E("inference.py", 118, "truncation=True"),
                    E("run_train.bash", 453, "--batch_infer")]


def chebi20(train, test, n_shot, cutoff):
    """A ChEBI-20 run: its command lines, and the lines of its n_shot and cutoff loops."""
    return {
        "for dataset": ("chebi20", [E("icma_train.py", 34, '"--data_folder", type=str, default="./data/ChEBI-20/raw/"')]),
        "n_shot": n_shot,
        "cutoff_len": cutoff,
        "training --train-on-inputs": (True, [E("run_train.bash", train, "--train_on_inputs")]),
        "checkpoint": (8000, [E("run_train.bash", test, "/checkpoint-8000/")]),
        **inference_truncation(KEEP_LAST, TRUNCATION_LAST + [E("run_train.bash", test, "--batch_infer", False)]),
    }


def pubchem324k(n_shot, cutoff, truncation, test):
    """A PubChem324k run: no --train_on_inputs, checkpoint-3750 (the last step), as run_train.bash:440-453."""
    return {
        "for dataset": ("pubchem324k", [E("run_train.bash", 452, '--data_folder "./data/PubChem324k/molcap/raw/"')]),
        "n_shot": n_shot,
        "cutoff_len": cutoff,
        "training --train-on-inputs": (ABSENT, [E("run_train.bash", 440, "--train_on_inputs", False),
                                                E("run_train.bash", 452, "--train_on_inputs", False)]),
        "checkpoint": (3750, [E("run_train.bash", 453, "/checkpoint-3750/")]),
        **inference_truncation(truncation, TRUNCATION_FIRST if truncation == KEEP_FIRST else
                               TRUNCATION_LAST + [E("run_train.bash", test, "--batch_infer", False)]),
    }


# Mol2Cap has a command for Galactica-125M on ChEBI-20 only (run_train.bash:395-402); the other runs
# take its n_shot and cutoff. Cap2Mol: Galactica-125M :412-426 (ChEBI-20) and :446-453 (PubChem324k);
# Galactica-1.3B :469 and Mistral-7B :466 (ChEBI-20) with :458-464's loops.
M2C_SHOTS = (2, [E("run_train.bash", 395, "for n_shot in 2")])
M2C_CUTOFF = (1024, [E("run_train.bash", 397, "for len in 1024")])
BIG_C2M_SHOTS = (2, [E("run_train.bash", 462, "for n_shot in 2")])
BIG_C2M_CUTOFF = (2048, [E("run_train.bash", 464, "for len in 2048")])
LR_125M_CHEBI20 = ("2e-4", [E("run_train.bash", 393, "for lr in 2e-4"), E("run_train.bash", 414, "for lr in 2e-4")])
LR_125M_PUBCHEM = ("2e-4", [E("run_train.bash", 446, "for lr in 2e-4")])
MODEL_125M_CHEBI20 = ("facebook/galactica-125m", [E("run_train.bash", 401, '--base_model "facebook/galactica-125m"')])
MODEL_125M_PUBCHEM = ("facebook/galactica-125m", [E("run_train.bash", 452, '--base_model "facebook/galactica-125m"')])
PER_RUN = {
    ("chebi20", "galactica-125m", "mol2cap"): dict(chebi20(401, 402, M2C_SHOTS, M2C_CUTOFF),
                                                   **{"training --lr": LR_125M_CHEBI20, "for model": MODEL_125M_CHEBI20}),
    ("chebi20", "galactica-125m", "cap2mol"): dict(chebi20(425, 426, (4, [E("run_train.bash", 416, "for n_shot in 4")]),
                                                           (2048, [E("run_train.bash", 418, "for len in 2048")])),
                                                   **{"training --lr": LR_125M_CHEBI20, "for model": MODEL_125M_CHEBI20}),
    ("chebi20", "galactica-1.3b", "mol2cap"): chebi20(469, 470, M2C_SHOTS, M2C_CUTOFF),
    ("chebi20", "galactica-1.3b", "cap2mol"): chebi20(469, 470, BIG_C2M_SHOTS, BIG_C2M_CUTOFF),
    ("chebi20", "mistral-7b", "mol2cap"): chebi20(466, 467, M2C_SHOTS, M2C_CUTOFF),
    ("chebi20", "mistral-7b", "cap2mol"): chebi20(466, 467, BIG_C2M_SHOTS, BIG_C2M_CUTOFF),
    ("pubchem324k", "galactica-125m", "mol2cap"): dict(pubchem324k(M2C_SHOTS, M2C_CUTOFF, KEEP_FIRST, 453),
                                                       **{"training --lr": LR_125M_PUBCHEM, "for model": MODEL_125M_PUBCHEM}),
    ("pubchem324k", "galactica-125m", "cap2mol"): dict(pubchem324k((4, [E("run_train.bash", 448, "for n_shot in 4")]),
                                                                   (2048, [E("run_train.bash", 450, "for len in 2048")]), KEEP_FIRST, 453),
                                                       **{"training --lr": LR_125M_PUBCHEM, "for model": MODEL_125M_PUBCHEM}),
    ("pubchem324k", "galactica-1.3b", "mol2cap"): pubchem324k(M2C_SHOTS, M2C_CUTOFF, KEEP_LAST, 470),
    ("pubchem324k", "galactica-1.3b", "cap2mol"): pubchem324k(BIG_C2M_SHOTS, BIG_C2M_CUTOFF, KEEP_LAST, 470),
    ("pubchem324k", "mistral-7b", "mol2cap"): pubchem324k(M2C_SHOTS, M2C_CUTOFF, KEEP_LAST, 467),
    ("pubchem324k", "mistral-7b", "cap2mol"): pubchem324k(BIG_C2M_SHOTS, BIG_C2M_CUTOFF, KEEP_LAST, 467),
}


def official(dataset, model, task):
    """{setting: (value, evidence)} of one run."""
    table = dict(EVERY)
    table.update(PER_TASK[task])
    table.update(PER_MODEL[model])
    table.update(PER_RUN[(dataset, model, task)])
    return table


def path_of(dataset, model):
    return os.path.join(PROFILES, "paper-%s-%s.json" % (dataset, model))


def got_value(settings, key):
    """A setting of profile.load()'s result, as the scripts see it."""
    if " " not in key:
        return settings[key]
    kind, name = key.split(" ", 1)
    if kind in ("lora", "training", "decoding"):
        value = settings[kind].get(name)
        if value is None or value is False:
            return ABSENT
        return True if value is True else profile.text(value)
    if kind in ("pending", "built_in"):
        entry = settings[kind].get(name)
        return ABSENT if entry is None else profile.plain(entry["value"])
    return settings[kind].get(name)  # for


def raw_entry(data, task, key):
    """The profile file's own entry for a setting of one task (its task override first), or None."""
    def lookup(section):
        if " " not in key:
            return section.get(key)
        kind, name = key.split(" ", 1)
        return (section.get(kind) or {}).get(name)

    override = lookup((data.get("tasks") or {}).get(task) or {})
    return override if override is not None else lookup(data)


def official_file(repo, name, cache={}):
    """The lines of an official file from a checkout or a bare git repository."""
    if (repo, name) not in cache:
        if os.path.isfile(os.path.join(repo, name)):
            with open(os.path.join(repo, name), encoding="utf-8") as f:
                text = f.read()
        else:
            text = subprocess.run(["git", "-C", repo, "show", "HEAD:" + name], capture_output=True, text=True,
                                  check=True).stdout
        cache[(repo, name)] = text.split("\n")
    return cache[(repo, name)]


class PaperProfiles(unittest.TestCase):
    def test_there_is_one_profile_per_dataset_and_model_and_paper_is_chebi20_galactica_125m(self):
        names = set(profile.available())
        for dataset in DATASETS:
            for model in MODELS:
                self.assertIn("paper-%s-%s" % (dataset, model), names)
        with open(os.path.join(PROFILES, "paper.json")) as f:
            self.assertEqual(json.load(f)["alias"], "paper-chebi20-galactica-125m")
        for task in TASKS:
            self.assertEqual(profile.load(os.path.join(PROFILES, "paper.json"), task),
                             profile.load(path_of("chebi20", "galactica-125m"), task))

    def test_every_setting_has_the_official_value_and_cites_its_source(self):
        for dataset in DATASETS:
            for model in MODELS:
                path = path_of(dataset, model)
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                for task in TASKS:
                    settings = profile.load(path, task)
                    for key, (value, evidence) in official(dataset, model, task).items():
                        where = "%s %s %s" % (os.path.basename(path), task, key)
                        with self.subTest(where):
                            self.assertEqual(got_value(settings, key), value, where)
                            entry = raw_entry(data, task, key)
                            if value is ABSENT and entry is None:
                                continue  # not passed, nothing to cite
                            self.assertIsInstance(entry, dict, "%s: no source" % where)
                            source = entry.get("source", "")
                            # one of the evidence lines, as FILE:LINE or within a list or range after FILE:
                            cited = [(file, line) for file, line, _, _ in evidence
                                     if re.search(r"%s:[0-9,\- ]*(?<![0-9])%d(?![0-9])" % (re.escape(file), line), source)
                                     or (file in source and re.search(r"(?<![0-9.])%d(?![0-9])" % line, source))]
                            self.assertTrue(cited, "%s: source %r cites none of %s"
                                            % (where, source, ["%s:%d" % (e[0], e[1]) for e in evidence]))

    def test_every_value_says_where_it_comes_from_or_why(self):
        def check(value, where):
            self.assertIsInstance(value, dict, "%s: no source or why" % where)
            self.assertTrue(value.get("source") or value.get("why"), "%s: no source or why" % where)

        for dataset in DATASETS:
            for model in MODELS:
                path = path_of(dataset, model)
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                sections = [("", data)] + [("tasks.%s." % t, s) for t, s in data.get("tasks", {}).items()]
                for prefix, section in sections:
                    for key, value in section.items():
                        where = "%s: %s%s" % (os.path.basename(path), prefix, key)
                        if key in ("about", "tasks"):
                            continue
                        if key in ("lora", "training", "decoding", "pending", "built_in", "for"):
                            for name, entry in value.items():
                                check(entry, "%s.%s" % (where, name))
                        else:
                            check(value, where)

    def test_the_cited_lines_say_so(self):
        repo = os.environ.get("ICMA_OFFICIAL_REPO")
        if not repo:
            self.skipTest("set ICMA_OFFICIAL_REPO to a copy of github.com/phenixace/ICMA at 974adf3 to check the evidence")
        seen = set()
        for (dataset, model, task) in PER_RUN:
            for key, (_, evidence) in official(dataset, model, task).items():
                for file, line, text, present in evidence or []:
                    if (file, line, text, present) in seen:
                        continue
                    seen.add((file, line, text, present))
                    lines = official_file(repo, file)
                    with self.subTest("%s:%d" % (file, line)):
                        self.assertLessEqual(line, len(lines))
                        if present:
                            self.assertIn(text, lines[line - 1], "%s:%d (%s)" % (file, line, key))
                        else:
                            self.assertNotIn(text, lines[line - 1], "%s:%d (%s)" % (file, line, key))
        self.assertGreater(len(seen), 40)


if __name__ == "__main__":
    unittest.main()
