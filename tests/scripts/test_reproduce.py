"""scripts/reproduce.sh with stand-in commands: which flags each stage gets from a profile.

    /usr/bin/python3 -m unittest discover -s tests/scripts -v      (ctest runs this as scripts_py)

ICMA_BIN points reproduce.sh at stand-ins for icma-index, -retrieve, -prompt, -train, -generate and
-eval: each logs its arguments (one line per call, fields split by \x1f) and writes the file its --out / --json names,
so the whole pipeline runs in a second without a build, a model or data. What is checked is what
reproduce.sh asks of each command: the profile's flags, --full (a whole model, not an adapter), the
retrieval method, the dataset a profile is for, and the T5-token scoring when spiece.model is there.
"""

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REPRODUCE = os.path.join(ROOT, "scripts", "reproduce.sh")
COMMANDS = ("icma-index", "icma-retrieve", "icma-prompt", "icma-train", "icma-generate", "icma-eval")

STUB = textwrap.dedent("""\
    #!/bin/bash
    # Stand-in for an icma command: logs its arguments, writes the output it is asked for.
    name="$(basename "$0")"
    { printf '%s' "$name"; printf '\x1f%s' "$@"; printf '\n'; } >> "$STUB_LOG"
    out="" json="" full="" t5="" prev=""
    for arg in "$@"; do
      case "$prev" in --out) out="$arg" ;; --json) json="$arg" ;; esac
      case "$arg" in --full) full=1 ;; sentencepiece) t5=1 ;; esac
      prev="$arg"
    done
    case "$name" in
      icma-index) mkdir -p "$out" && echo '{}' > "$out/manifest.json" ;;
      icma-retrieve) : > "$out" ;;  # a neighbour file with no neighbours (pretraining_docs.py reads it)
      icma-train)
        mkdir -p "$out"
        if [[ -n "$full" ]]; then echo weights > "$out/model.safetensors"; else echo weights > "$out/adapter_model.safetensors"; fi
        echo '{"step": 1, "loss": 2.0}' > "$out/train_log.jsonl" ;;
      icma-eval)
        [[ -n "$t5" && -n "${STUB_FAIL_T5:-}" ]] && exit 3
        value=0.5; [[ -n "$t5" ]] && value=0.25
        if [[ "$1" == mol2cap ]]; then
          echo "{\\"task\\": \\"mol2cap\\", \\"rows\\": 2, \\"metrics\\": {\\"bleu2\\": $value, \\"bleu4\\": $value, \\"rouge1\\": $value, \\"rouge2\\": $value, \\"rougeL\\": $value, \\"meteor\\": $value}}" > "$json"
        else
          echo "{\\"task\\": \\"cap2mol\\", \\"rows\\": 2, \\"metrics\\": {\\"bleu\\": $value, \\"exact\\": $value}}" > "$json"
        fi ;;
      *) [[ -z "$out" ]] || echo "stub output" > "$out" ;;
    esac
    """)


class Reproduce(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-reproduce-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.bin = os.path.join(self.dir, "bin")
        os.makedirs(self.bin)
        for command in COMMANDS:
            path = os.path.join(self.bin, command)
            with open(path, "w") as f:
                f.write(STUB)
            os.chmod(path, 0o755)
        self.data = os.path.join(self.dir, "data")
        rows = "CID\tSMILES\tdescription\n" + "".join("%d\tC%s\tThe molecule is number %d.\n" % (i, "C" * i, i) for i in range(1, 6))
        for dataset in ("chebi20", "pubchem324k"):
            os.makedirs(os.path.join(self.data, dataset))
            for split in ("train", "validation", "test"):
                with open(os.path.join(self.data, dataset, split + ".txt"), "w") as f:
                    f.write(rows)
        os.makedirs(os.path.join(self.data, "vocab", "scibert_scivocab_uncased"))
        with open(os.path.join(self.data, "vocab", "scibert_scivocab_uncased", "vocab.txt"), "w") as f:
            f.write("[PAD]\n")
        self.model = os.path.join(self.dir, "model")
        os.makedirs(self.model)
        with open(os.path.join(self.model, "config.json"), "w") as f:
            f.write("{}")
        self.log = os.path.join(self.dir, "calls.jsonl")

    def add_spiece(self):
        path = os.path.join(self.data, "vocab", "molt5-base-smiles2caption", "spiece.model")
        os.makedirs(os.path.dirname(path))
        with open(path, "wb") as f:
            f.write(b"not really a sentencepiece model")
        return path

    def reproduce(self, *args, env=None, ok=True):
        """(calls [[command, args...]], run directory, stderr) of one reproduce.sh run."""
        run = os.path.join(self.dir, "run")
        environment = dict(os.environ, ICMA_BIN=self.bin, STUB_LOG=self.log, **(env or {}))
        environment.pop("ICMA_DATA_DIR", None)
        result = subprocess.run(["bash", REPRODUCE, "--data-dir", self.data, "--out", run, "--threads", "1"] + list(args),
                                capture_output=True, text=True, env=environment, timeout=60)
        if ok:
            self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.log) if os.path.exists(self.log) else open(os.devnull) as f:
            calls = [line.rstrip("\n").split("\x1f") for line in f]
        return calls, run, result

    def calls_of(self, calls, command, *having):
        return [c[1:] for c in calls if c[0] == command and all(h in c for h in having)]

    def test_paper_trains_every_weight_and_generates_from_the_trained_model(self):
        calls, run, _ = self.reproduce("--profile", "paper", "--model", self.model, "--task", "both")
        trains = self.calls_of(calls, "icma-train")
        self.assertEqual(len(trains), 4)  # direct fine-tuning and ICMA, two tasks
        for args in trains:
            for flag in ("--full", "--train-on-inputs", "--no-group-by-length"):
                self.assertIn(flag, args)
            self.assertEqual(args[args.index("--lr") + 1], "2e-4")
            self.assertEqual(args[args.index("--micro-batch") + 1], "4")
            self.assertNotIn("--lora-r", args)
        generates = self.calls_of(calls, "icma-generate")
        self.assertEqual(len(generates), 4)
        for args in generates:
            self.assertNotIn("--adapter", args)
            out = args[args.index("--out") + 1]
            self.assertEqual(args[args.index("--model") + 1], os.path.join(os.path.dirname(out), "train"))
            self.assertEqual(args[args.index("--tokenizer") + 1], self.model)
        penalties = {a[a.index("--out") + 1].split(os.sep)[-3]: a[a.index("--repetition-penalty") + 1] for a in generates}
        self.assertEqual(penalties, {"mol2cap": "1.0", "cap2mol": "0.8"})
        # Mol2Cap examples: the profile's GIN has no weights here, so rdk (the official code's fingerprint option)
        methods = {a[a.index("--task") + 1]: a[a.index("--method") + 1] for a in self.calls_of(calls, "icma-retrieve")}
        self.assertEqual(methods, {"mol2cap": "rdk", "cap2mol": "bm25"})
        with open(os.path.join(run, "run.json")) as f:
            settings = json.load(f)["settings"]
        self.assertEqual(settings["retrieval"]["mol2cap"], "rdk")
        self.assertIn("without --gnn WEIGHTS", settings["retrieval"]["note"])
        self.assertEqual(settings["checkpoint"], 8000)
        self.assertNotIn("pending", settings)  # every official setting of this profile is applied
        # Official prompt fitting: training prompts keep every example (icma-train cuts them), test prompts
        # are stripped and keep their last 768 tokens over 1024.
        for args in self.calls_of(calls, "icma-prompt"):
            if "--retrieval-only" not in args:
                self.assertNotIn("--cutoff-len", args)
        for args in generates:
            self.assertIn("--strip-prompts", args)
            self.assertEqual(args[args.index("--keep-tokens") + 1], "768")
        with open(os.path.join(run, "report.md")) as f:
            report = f.read()
        self.assertIn("checkpoint", report)

    def translate(self, run, *args):
        """The icma-generate call of scripts/translate.sh on a run."""
        smiles = os.path.join(self.dir, "in.smi")
        with open(smiles, "w") as f:
            f.write("CCO\n")
        with open(self.log, "w"):
            pass
        result = subprocess.run(["bash", os.path.join(ROOT, "scripts", "translate.sh"), smiles, "--run", run] + list(args),
                                capture_output=True, text=True, env=dict(os.environ, ICMA_BIN=self.bin, STUB_LOG=self.log),
                                timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.log) as f:
            calls = [line.rstrip("\n").split("\x1f") for line in f]
        self.assertEqual([c[0] for c in calls], ["icma-generate"])
        return calls[0][1:]

    def test_translate_uses_the_runs_model_and_retrieval(self):
        _, run, _ = self.reproduce("--profile", "paper", "--model", self.model)
        args = self.translate(run)
        self.assertEqual(args[args.index("--model") + 1], os.path.join(run, "mol2cap", "icma", "train"))
        self.assertEqual(args[args.index("--tokenizer") + 1], self.model)
        self.assertNotIn("--adapter", args)
        self.assertEqual(args[args.index("--method") + 1], "rdk")
        self.assertEqual(args[args.index("--n-shot") + 1], "2")
        os.remove(self.log)
        _, run, _ = self.reproduce("--model", self.model, "--out", os.path.join(self.dir, "quick"))
        args = self.translate(os.path.join(self.dir, "quick"))
        self.assertEqual(args[args.index("--model") + 1], os.path.join(self.dir, "quick", "mol2cap", "icma", "train"))
        self.assertNotIn("--adapter", args)
        self.assertEqual(args[args.index("--method") + 1], "morgan")

    def test_quick_trains_every_weight_of_both_tasks_and_retrieves_by_morgan_fingerprints(self):
        calls, run, result = self.reproduce("--model", self.model)  # --task both is the default
        trains = self.calls_of(calls, "icma-train")
        self.assertEqual(len(trains), 5)  # the pre-training stage, then both systems of both tasks
        for args in trains:
            self.assertNotIn("--lora-r", args)
            self.assertIn("--full", args)
        # Pre-training on documents of neighbouring records, from the given model; both systems start from it.
        pretrained = os.path.join(run, "pretrain", "model")
        pretraining, fine_tuning = trains[0], trains[1:]
        self.assertEqual(pretraining[pretraining.index("--model") + 1], self.model)
        self.assertEqual(pretraining[pretraining.index("--out") + 1], pretrained)
        self.assertEqual(pretraining[pretraining.index("--max-steps") + 1], "300")
        self.assertIn("--train-on-inputs", pretraining)
        for args in fine_tuning:
            self.assertEqual(args[args.index("--model") + 1], pretrained)
        for args in self.calls_of(calls, "icma-generate"):
            self.assertEqual(args[args.index("--model") + 1], os.path.join(os.path.dirname(args[args.index("--out") + 1]), "train"))
            self.assertEqual(args[args.index("--tokenizer") + 1], pretrained)
        penalties = {a[a.index("--out") + 1].split(os.sep)[-3]: a[a.index("--repetition-penalty") + 1]
                     for a in self.calls_of(calls, "icma-generate")}
        self.assertEqual(penalties, {"mol2cap": "1.3", "cap2mol": "1.0"})
        constraints = {a[a.index("--out") + 1].split(os.sep)[-3]: a[a.index("--constrain") + 1] if "--constrain" in a else None
                       for a in self.calls_of(calls, "icma-generate")}
        self.assertEqual(constraints, {"mol2cap": None, "cap2mol": "smiles"})
        methods = {a[a.index("--task") + 1]: a[a.index("--method") + 1] for a in self.calls_of(calls, "icma-retrieve")}
        self.assertEqual(methods, {"mol2cap": "morgan", "cap2mol": "bm25"})
        self.assertNotIn("not applied", result.stderr)

    def test_gnn_weights_make_mol2cap_retrieval_gin(self):
        weights = os.path.join(self.dir, "gin.safetensors")
        open(weights, "w").close()
        calls, run, _ = self.reproduce("--profile", "paper", "--model", self.model, "--gnn", weights, "--task", "mol2cap")
        self.assertIn("--gnn", self.calls_of(calls, "icma-index")[0])
        self.assertEqual({a[a.index("--method") + 1] for a in self.calls_of(calls, "icma-retrieve")}, {"gnn"})

    def default_run_directory(self, *args):
        """The run directory reproduce.sh picks without --out: a copy of it stops at stage_init and prints it."""
        with open(REPRODUCE) as f:
            script = f.read()
        libs = 'source "$lib/stage.sh"; source "$lib/data.sh"'
        self.assertIn(libs, script)
        script = script.replace(libs, libs + '; stage_init() { printf "%s\\n" "$1"; exit 0; }')
        script = script.replace('root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"', 'root="%s"' % ROOT)
        copy = os.path.join(self.dir, "reproduce-run-directory.sh")
        with open(copy, "w") as f:
            f.write(script)
        result = subprocess.run(["bash", copy, "--data-dir", self.data, "--model", self.model] + list(args),
                                capture_output=True, text=True, env=dict(os.environ, ICMA_BIN=self.bin), timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return os.path.relpath(result.stdout.strip(), os.path.join(ROOT, "results"))

    def test_an_ablation_overrides_the_profile_and_gets_its_own_directory(self):
        calls, run, _ = self.reproduce("--profile", "paper", "--model", self.model, "--task", "cap2mol",
                                       "--cap2mol-method", "random")
        self.assertEqual({a[a.index("--method") + 1] for a in self.calls_of(calls, "icma-retrieve")}, {"random"})
        with open(os.path.join(run, "run.json")) as f:
            self.assertEqual(json.load(f)["settings"]["retrieval"]["cap2mol"], "random")
        # rdk on the paper profile is what it uses without GIN weights anyway: not an ablation
        for args, directory in ((["--profile", "paper"], "chebi20-paper-both"),
                                (["--profile", "paper", "--task", "mol2cap"], "chebi20-paper-mol2cap"),
                                (["--profile", "paper", "--mol2cap-method", "rdk"], "chebi20-paper-both"),
                                (["--profile", "paper", "--mol2cap-method", "maccs"], "chebi20-paper-both-mol2cap_maccs"),
                                (["--mol2cap-method", "morgan"], "chebi20-quick-both"),
                                (["--task", "cap2mol", "--cap2mol-method", "random"], "chebi20-quick-cap2mol-cap2mol_random"),
                                (["--profile", "paper-pubchem324k-mistral-7b", "--task", "both"],
                                 "pubchem324k-paper-pubchem324k-mistral-7b-both")):
            self.assertEqual(self.default_run_directory(*args), directory, args)
        _, _, result = self.reproduce("--model", self.model, "--task", "cap2mol", "--cap2mol-method", "sentence", ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("needs --sentence ST_DIR", result.stderr)
        _, _, result = self.reproduce("--model", self.model, "--mol2cap-method", "gnn", ok=False)
        self.assertEqual(result.returncode, 2)
        self.assertIn("--mol2cap-method gnn needs --gnn WEIGHTS", result.stderr)
        _, _, result = self.reproduce("--model", self.model, "--mol2cap-method", "bm25", ok=False)
        self.assertIn("--mol2cap-method must be morgan, rdk, maccs, gnn or random", result.stderr)

    def test_the_profile_names_the_dataset(self):
        calls, run, _ = self.reproduce("--profile", "paper-pubchem324k-galactica-1.3b", "--model", self.model)
        queries = {a[a.index("--queries") + 1] for a in self.calls_of(calls, "icma-retrieve")}
        self.assertIn(os.path.join(self.data, "pubchem324k", "test.txt"), queries)
        self.assertIn(os.path.join(self.data, "pubchem324k", "train.txt"), queries)
        for args in self.calls_of(calls, "icma-train"):
            self.assertNotIn("--train-on-inputs", args)  # the PubChem324k commands leave it out
            self.assertEqual(args[args.index("--lr") + 1], "3e-4")
        _, _, result = self.reproduce("--profile", "paper-pubchem324k-galactica-1.3b", "--model", self.model,
                                      "--dataset", "chebi20")
        self.assertIn("warning: profile paper-pubchem324k-galactica-1.3b is for pubchem324k, not chebi20", result.stderr)

    def test_mol2cap_is_scored_with_t5_tokens_too_when_spiece_model_is_there(self):
        calls, run, _ = self.reproduce("--model", self.model, "--task", "both")
        self.assertEqual(self.calls_of(calls, "icma-eval", "sentencepiece"), [])
        with open(os.path.join(run, "report.md")) as f:
            self.assertIn("**No T5-token scores**", f.read())
        spiece = self.add_spiece()
        os.remove(self.log)
        calls, run, _ = self.reproduce("--model", self.model, "--task", "both")
        t5 = self.calls_of(calls, "icma-eval", "sentencepiece")
        self.assertEqual(len(t5), 3)  # the three Mol2Cap systems, no Cap2Mol
        for args in t5:
            self.assertEqual(args[0], "mol2cap")
            self.assertEqual(args[args.index("--vocab") + 1], spiece)
            self.assertTrue(args[args.index("--json") + 1].endswith("metrics.t5.json"))
        # the SciBERT scores were up to date: not made again
        self.assertEqual(self.calls_of(calls, "icma-eval", "--json"), t5)
        with open(os.path.join(run, "report.md")) as f:
            report = f.read()
        self.assertIn("#### Mol2Cap with T5 tokens", report)
        self.assertIn("| ICMA (ours) | 0.2500 |", report)
        with open(os.path.join(run, "run.json")) as f:
            self.assertEqual(json.load(f)["data"]["spiece"], spiece)

    def test_a_failing_t5_scoring_leaves_the_run_and_its_scibert_scores(self):
        self.add_spiece()
        calls, run, result = self.reproduce("--model", self.model, env={"STUB_FAIL_T5": "1"})
        self.assertIn("warning: failed (exit status 3), scores left out", result.stderr)
        self.assertTrue(os.path.exists(os.path.join(run, "mol2cap", "icma", "metrics.json")))
        self.assertFalse(os.path.exists(os.path.join(run, "mol2cap", "icma", "metrics.t5.json")))
        with open(os.path.join(run, "report.md")) as f:
            self.assertIn("No T5-token scores yet", f.read())


if __name__ == "__main__":
    unittest.main()
