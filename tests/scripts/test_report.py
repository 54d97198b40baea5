"""scripts/report.py: its formatting and input readers, and whole reports of fake run directories.

    /usr/bin/python3 -m unittest discover -s tests/scripts -v      (ctest runs this as scripts_py)

The complete run's metrics are icma-eval --json outputs for the MolT5-small predictions
(../shared/reference/molt5), the baselines those scaled down; the loss curves are synthetic. Tests of
the plots are skipped where gnuplot is not installed (scripts/setup.sh installs gnuplot-nox).
"""

import contextlib
import importlib.util
import io
import json
import math
import os
import random
import shutil
import tempfile
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
spec = importlib.util.spec_from_file_location("report", os.path.join(ROOT, "scripts", "report.py"))
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)

HAVE_GNUPLOT = shutil.which("gnuplot") is not None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MOLT5_SMALL = {
    "mol2cap": {"bleu2": 0.5315019214207913, "bleu4": 0.4448880198058868, "meteor": 0.5574693376778131,
                "rouge1": 0.6210149311565917, "rouge2": 0.46987826820705997, "rougeL": 0.5638844686391424},
    "cap2mol": {"bleu": 0.7490187345093594, "exact": 0.08151515151515151, "levenshtein": 28.816060606060606,
                "maccs_fts": 0.7801160258977211, "morgan_fts": 0.6011938900213433, "rdk_fts": 0.6538131831724768,
                "validity": 0.7245454545454545},
}
SCALE = {"retrieval_only": 0.7, "direct_ft": 0.85, "icma": 1.0}


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1)


def make_complete_run(run, dataset="chebi20", spiece=""):
    """Both tasks, three systems, training logs with validation loss, timings."""
    write_json(os.path.join(run, "run.json"), {
        "dataset": dataset, "profile": "quick", "model": "models/tiny", "tasks": ["mol2cap", "cap2mol"],
        "data": {"vocab": "vocab.txt", "spiece": spiece},
        "settings": {"n_shot": {"mol2cap": 2, "cap2mol": 4}, "cutoff_len": 2048, "lora": "--lora-r 32"},
        "started": "2025-01-01T00:00:00Z", "note": "fake run for tests/scripts/test_report.py"})
    for task, metrics in MOLT5_SMALL.items():
        for system, f in SCALE.items():
            d = os.path.join(run, task, system)
            m = {k: (v / f if k == "levenshtein" else v * f) for k, v in metrics.items()}
            write_json(os.path.join(d, "metrics.json"), {"metrics": m, "rows": 3300, "task": task})
            if system == "retrieval_only":
                continue
            os.makedirs(os.path.join(d, "train"))
            rng = random.Random("%s/%s" % (task, system))
            floor = 0.9 if system == "icma" else 1.3
            with open(os.path.join(d, "train", "train_log.jsonl"), "w") as log:
                log.write(json.dumps({"step": 0, "eval_loss": 9.5}) + "\n")
                for step in range(10, 401, 10):
                    loss = floor + 8.0 * math.exp(-step / 60.0) + rng.uniform(-0.15, 0.15)
                    log.write(json.dumps({"step": step, "loss": loss, "elapsed_seconds": step * 0.5,
                                          "tokens_per_second": 1234.5}) + "\n")
                    if step % 100 == 0:
                        log.write(json.dumps({"step": step, "eval_loss": floor + 0.2}) + "\n")
    with open(os.path.join(run, "timings.tsv"), "w") as t:
        t.write("index\t12.3\tran\nmol2cap.icma.train\t310.5\tran\nmol2cap.icma.generate\t0\tskipped\n")


def run_report(*args):
    """(exit status, stdout, stderr) of report.py's main."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = report.main(list(args))
    return status, out.getvalue(), err.getvalue()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class TempDirTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="icma-report-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)


class Formatting(unittest.TestCase):
    def test_metrics_have_four_decimals_levenshtein_two(self):
        self.assertEqual(report.fmt_metric("bleu4", 0.44488), "0.4449")
        self.assertEqual(report.fmt_metric("levenshtein", 28.816), "28.82")

    def test_a_missing_or_non_finite_metric_is_a_dash(self):
        for value in (None, float("nan"), float("inf"), True, "0.5"):
            self.assertEqual(report.fmt_metric("bleu2", value), report.DASH, value)

    def test_seconds_minutes_hours(self):
        self.assertEqual(report.fmt_seconds(12.34), "12.3 s")
        self.assertEqual(report.fmt_seconds(125), "2m 05s")
        self.assertEqual(report.fmt_seconds(3 * 3600 + 61), "3h 01m 01s")
        self.assertEqual(report.fmt_seconds(None), report.DASH)

    def test_markdown_cells_escape_pipes_and_newlines(self):
        self.assertEqual(report.md_table(["a", "b"], [["x|y", "1\n2"]]), "| a | b |\n| --- | --- |\n| x\\|y | 1 2 |")

    def test_our_table_has_three_systems_and_dashes_for_those_not_evaluated(self):
        header, rows = report.ours_table("mol2cap", {"icma": MOLT5_SMALL["mol2cap"]}, {"icma": 3300})
        self.assertEqual(header, ["System", "BLEU-2", "BLEU-4", "ROUGE-1", "ROUGE-2", "ROUGE-L", "METEOR", "Test rows"])
        self.assertEqual([r[0] for r in rows], ["retrieval-only", "direct fine-tuning", "ICMA (ours)"])
        self.assertEqual(rows[0][1:], [report.DASH] * 7)
        self.assertEqual(rows[2], ["ICMA (ours)", "0.5315", "0.4449", "0.6210", "0.4699", "0.5639", "0.5575", 3300])

    def test_settings_flatten_to_dotted_rows(self):
        self.assertEqual(report.settings_rows({"n_shot": {"mol2cap": 2}, "lora": "--lora-r 16", "empty": ""}),
                         [("n_shot.mol2cap", "`2`"), ("lora", "`--lora-r 16`"), ("empty", report.DASH)])


class Inputs(TempDirTest):
    def test_timings_skip_a_header_and_note_bad_seconds(self):
        path = os.path.join(self.dir, "timings.tsv")
        with open(path, "w") as f:
            f.write("stage\tseconds\tstatus\nindex\t1.5\tran\n\n# comment\ntrain\tlong\tran\n")
        problems = []
        self.assertEqual(report.read_timings(path, problems), [("index", 1.5, "ran"), ("train", None, "ran")])
        self.assertEqual(len(problems), 1)
        self.assertIn("line 5", problems[0])

    def test_train_log_keeps_the_last_line_of_a_repeated_step_and_counts_bad_lines(self):
        path = os.path.join(self.dir, "train_log.jsonl")
        with open(path, "w") as f:
            f.write('{"step": 1, "loss": 3.0}\n{"step": 2, "loss": 2.0}\n{"step": 2, "loss": 1.5}\n'
                    '{"step": 2, "eval_loss": 2.5}\n[1]\n{"step": 3, "lo')
        problems = []
        train, evals, last = report.read_train_log(path, problems)
        self.assertEqual(train, [(1, 3.0), (2, 1.5)])
        self.assertEqual(evals, [(2, 2.5)])
        self.assertEqual(last, {"step": 2, "loss": 1.5})
        self.assertEqual(len(problems), 1)
        self.assertIn("2 line(s) skipped", problems[0])

    def test_missing_files_are_not_problems(self):
        problems = []
        self.assertIsNone(report.read_json(os.path.join(self.dir, "none.json"), problems))
        self.assertIsNone(report.read_train_log(os.path.join(self.dir, "none.jsonl"), problems))
        self.assertEqual(report.read_timings(os.path.join(self.dir, "none.tsv"), problems), [])
        self.assertEqual(problems, [])

    def test_reference_rows_are_marked_by_kind_and_notes_become_a_list(self):
        path = os.path.join(self.dir, "reference.json")
        write_json(path, {"notes": "one note", "rows": [{"system": "A"}], "unverified_rows": [{"system": "B"}, 3],
                          "secondary_rows": [{"system": "C"}]})
        rows, notes = report.load_reference(path, [])
        self.assertEqual(rows, [{"system": "A", "kind": "paper", "verified": True},
                                {"system": "C", "kind": "secondary", "verified": True},
                                {"system": "B", "kind": "unverified", "verified": False}])
        self.assertEqual(notes, ["one note"])

    def test_tasks_come_from_run_json_else_from_the_task_directories(self):
        os.makedirs(os.path.join(self.dir, "cap2mol"))
        self.assertEqual(report.discover_tasks(self.dir, {}), ["cap2mol"])
        self.assertEqual(report.discover_tasks(self.dir, {"tasks": ["mol2cap"]}), ["mol2cap"])


class Reports(TempDirTest):
    def test_no_run_directory_is_exit_status_2(self):
        status, _, err = run_report("--run", os.path.join(self.dir, "absent"), "--no-plots")
        self.assertEqual(status, 2)
        self.assertIn("no run directory", err)

    def test_complete_run(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        status, out, _ = run_report("--run", run)
        self.assertEqual(status, 0)
        text = read(os.path.join(run, "report.md"))
        for needle in ("## Configuration", "## Results", "## Timings", "retrieval-only", "direct fine-tuning",
                       "ICMA (ours)", "0.5315", "28.82", "mol2cap.icma.train", "| `2` |", "this run, 3300 test rows"):
            self.assertIn(needle, text)
        self.assertNotIn("Problems met", text)
        self.assertEqual(out.count("\n| ICMA (ours) |"), 2, out)
        self.assertIn("| ICMA (ours) | 0.5315 | 0.4449 | 0.6210 | 0.4699 | 0.5639 | 0.5575 | 3300 |", out)
        self.assertIn("Training time", text)
        self.assertIn("| ICMA | 400 |", text)

    def write_statistics(self, run, task, difference, p_value, model_origin):
        """Intervals for every system and ICMA's paired comparisons, as icma-eval --paired writes them."""
        with open(os.path.join(run, "run.json")) as f:
            run_json = json.load(f)
        write_json(os.path.join(run, "run.json"), dict(run_json, model_origin=model_origin))
        for system in SCALE:
            path = os.path.join(run, task, system, "metrics.json")
            with open(path) as f:
                data = json.load(f)
            data["intervals"] = {k: [v * 0.9, v * 1.1] for k, v in data["metrics"].items()}
            if system == "icma":
                key = "bleu4" if task == "mol2cap" else "bleu"
                data["comparisons"] = [
                    {"against": os.path.join(run, task, other, "predictions.tsv"),
                     "metrics": {key: {"difference": difference, "interval": [difference - 0.01, difference + 0.01],
                                       "p_value": p_value}}}
                    for other in ("direct_ft", "retrieval_only")]
            write_json(path, data)

    def test_intervals_paired_tests_and_what_the_run_shows(self):
        run = os.path.join(self.dir, "statistics")
        make_complete_run(run)
        self.write_statistics(run, "mol2cap", 0.0123, 0.004, "given")
        self.write_statistics(run, "cap2mol", -0.02, 0.01, "embedded")
        status, out, _ = run_report("--run", run, "--no-plots")
        self.assertEqual(status, 0)
        self.assertIn("| ICMA (ours) | 0.5315 [0.478, 0.585] |", out)
        self.assertIn("| ICMA − direct fine-tuning | — | +0.0123 (p 0.004) |", out)
        self.assertIn("ICMA beats direct fine-tuning on BLEU-4 (+0.0123, paired bootstrap p = 0.004).", out)
        self.assertIn("ICMA is **below** direct fine-tuning on BLEU (-0.0200, p = 0.010).", out)
        # The embedded tiny model's run says why; a given model's does not guess.
        cap2mol = out[out.index("Cap2Mol"):]
        self.assertIn("trained from scratch", cap2mol)
        self.assertNotIn("trained from scratch", out[:out.index("Cap2Mol")])
        text = read(os.path.join(run, "report.md"))
        self.assertIn("**What this run shows:** ICMA beats direct fine-tuning", text)
        self.assertIn("95% bootstrap confidence intervals", text)

    def test_a_p_value_below_the_third_decimal_reads_the_same_in_table_and_verdict(self):
        run = os.path.join(self.dir, "tiny-p")
        make_complete_run(run)
        self.write_statistics(run, "mol2cap", 0.0137, 1 / 1001, "embedded")  # 1,000 resamples, none against
        self.write_statistics(run, "cap2mol", -0.08, 1 / 1001, "embedded")
        status, out, _ = run_report("--run", run, "--no-plots")
        self.assertEqual(status, 0)
        self.assertIn("+0.0137 (p < 0.001)", out)
        self.assertIn("ICMA beats direct fine-tuning on BLEU-4 (+0.0137, paired bootstrap p < 0.001).", out)
        self.assertIn("ICMA is **below** direct fine-tuning on BLEU (-0.0800, p < 0.001).", out)

    @unittest.skipUnless(HAVE_GNUPLOT, "gnuplot is not installed (apt-get install gnuplot-nox)")
    def test_complete_run_plots(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        run_report("--run", run)
        text = read(os.path.join(run, "report.md"))
        for png in ("mol2cap_loss", "mol2cap_metrics", "cap2mol_loss", "cap2mol_metrics"):
            self.assertIn("plots/%s.png" % png, text)
            with open(os.path.join(run, "plots", png + ".png"), "rb") as f:
                self.assertEqual(f.read(8), PNG_SIGNATURE, png)

    def test_no_plots_draws_nothing(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        run_report("--run", run, "--no-plots")
        self.assertFalse(os.path.exists(os.path.join(run, "plots")))
        self.assertNotIn("Plots not drawn", read(os.path.join(run, "report.md")))

    def test_published_rows_for_the_same_dataset_and_task_unverified_only_on_request(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        reference = os.path.join(self.dir, "reference.json")
        write_json(reference, {
            "notes": ["a note"],
            "rows": [{"system": "Paper-A", "dataset": "chebi20", "task": "mol2cap", "metrics": {"bleu2": 0.6},
                      "source": {"paper": "A et al.", "table": "Table 1", "url": "https://example.org/a"}},
                     {"system": "Other-dataset", "dataset": "pubchem324k", "task": "mol2cap", "metrics": {}}],
            "unverified_rows": [{"system": "Paper-B", "dataset": "chebi20", "task": "cap2mol",
                                 "metrics": {"exact": 0.3}, "source": {"paper": "B et al."}}]})
        run_report("--run", run, "--no-plots", "--reference", reference)
        text = read(os.path.join(run, "report.md"))
        self.assertIn("| Paper-A *(published)* | 0.600 | — | — | — | — | — | [A et al., Table 1](https://example.org/a) |",
                      text)
        self.assertNotIn("Other-dataset", text)
        self.assertNotIn("Paper-B", text)
        self.assertIn("it has 1 unverified secondary transcription(s), shown with `--include-unverified`", text)
        self.assertIn("## About the published numbers", text)
        self.assertIn("- a note", text)
        run_report("--run", run, "--no-plots", "--reference", reference, "--include-unverified")
        text = read(os.path.join(run, "report.md"))
        self.assertIn("Paper-B *(published, UNVERIFIED secondary transcription)*", text)

    def test_the_repository_reference_file_shows_the_secondary_transcriptions_by_default(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        run_report("--run", run, "--no-plots")
        text = read(os.path.join(run, "report.md"))
        self.assertNotIn("UNVERIFIED", text)
        mol2cap, cap2mol = text.split("### Cap2Mol")
        transcription = ("transcribed in [deep-diver/ai-paper-reviewer content/paper-reviews/2411.14721/tables.json "
                         "(commit f7d983c)](https://github.com/deep-diver/ai-paper-reviewer/blob/"
                         "f7d983c2ad4a7cf433c7c378a972ea87f4a1461a/content/paper-reviews/2411.14721/tables.json)")
        self.assertIn("| ICMA (most likely Mistral-7B) *(published, secondary transcription)* | 0.651 | 0.581 | "
                      "0.686 | 0.550 | 0.625 | 0.661 | [Li et al. 2024, MolReFlect (arXiv 2411.14721), Table 1, ICMA "
                      "row (= Table 3, Mistral-7B w/o fine-grained alignments)](https://arxiv.org/abs/2411.14721); "
                      + transcription + " |", mol2cap)
        self.assertIn("| Mistral-7B, plain supervised fine-tuning (MolReFlect's run) *(published, secondary "
                      "transcription)* | 0.566 | 0.478 |", mol2cap)
        self.assertIn("| MolT5-large *(published, secondary transcription)* | 0.594 |", mol2cap)
        self.assertIn("| ICMA (most likely Mistral-7B) *(published, secondary transcription)* | 0.855 | 0.460 | "
                      "18.73 | 0.958 | 0.916 | 0.837 | 0.789 |", cap2mol)
        self.assertIn("| MolT5-large *(published, secondary transcription)* | 0.854 | 0.311 | 16.07 |", cap2mol)
        self.assertIn("2 more unverified row(s)", mol2cap)
        self.assertEqual(text.count("secondary transcription)*"), 6)
        run_report("--run", run, "--no-plots", "--include-unverified")
        text = read(os.path.join(run, "report.md"))
        self.assertIn("| MolT5-small *(published, UNVERIFIED secondary transcription)* | 0.519 |", text)

    def test_no_published_rows_for_pubchem324k(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run, dataset="pubchem324k")
        run_report("--run", run, "--no-plots")
        text = read(os.path.join(run, "report.md"))
        self.assertNotIn("*(published", text)
        self.assertIn("No published mol2cap rows for PubChem324k in the reference file.", text)

    def test_mol2cap_with_t5_tokens_beside_when_scored(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run, spiece="data/vocab/molt5-base-smiles2caption/spiece.model")
        for system, f in SCALE.items():
            write_json(os.path.join(run, "mol2cap", system, "metrics.t5.json"),
                       {"metrics": {k: v * f * 0.9 for k, v in MOLT5_SMALL["mol2cap"].items()}, "rows": 3300,
                        "task": "mol2cap"})
        status, out, _ = run_report("--run", run, "--no-plots")
        text = read(os.path.join(run, "report.md"))
        self.assertIn("#### Mol2Cap with T5 tokens (the official ICMA code's scoring)", text)
        self.assertIn("| ICMA (ours) | 0.4784 | 0.4004 |", text)
        self.assertIn("Mol2Cap (molecule → caption), T5 tokens — ChEBI-20", out)
        self.assertNotIn("No T5-token scores", text)

    def test_mol2cap_says_why_t5_scores_are_absent(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        run_report("--run", run, "--no-plots")
        text = read(os.path.join(run, "report.md"))
        self.assertIn("**No T5-token scores**: this run had no T5 `spiece.model`", text)
        self.assertEqual(text.count("No T5-token scores"), 1)  # Mol2Cap only
        make_complete_run(os.path.join(self.dir, "with"), spiece="vocab/spiece.model")
        run_report("--run", os.path.join(self.dir, "with"), "--no-plots")
        self.assertIn("No T5-token scores yet (`<system>/metrics.t5.json`): not evaluated yet, or icma-eval failed with "
                      "`vocab/spiece.model`", read(os.path.join(self.dir, "with", "report.md")))

    def test_a_missing_reference_file_is_a_problem_not_an_error(self):
        run = os.path.join(self.dir, "full")
        make_complete_run(run)
        status, _, err = run_report("--run", run, "--no-plots", "--reference", os.path.join(self.dir, "none.json"))
        self.assertEqual(status, 0)
        self.assertIn("no reference file", err)
        self.assertIn("## Problems met", read(os.path.join(run, "report.md")))

    def test_partial_run(self):
        """One metrics file, a training log cut short, a malformed metrics file, no timings."""
        full, run = os.path.join(self.dir, "full"), os.path.join(self.dir, "partial")
        make_complete_run(full)
        write_json(os.path.join(run, "run.json"), {"dataset": "pubchem324k", "tasks": ["mol2cap", "cap2mol"]})
        os.makedirs(os.path.join(run, "mol2cap", "icma", "train"))
        shutil.copy(os.path.join(full, "mol2cap", "icma", "metrics.json"), os.path.join(run, "mol2cap", "icma"))
        with open(os.path.join(full, "mol2cap", "icma", "train", "train_log.jsonl")) as f:
            cut = f.read(300)
        with open(os.path.join(run, "mol2cap", "icma", "train", "train_log.jsonl"), "w") as f:
            f.write(cut)
        os.makedirs(os.path.join(run, "cap2mol", "direct_ft"))
        with open(os.path.join(run, "cap2mol", "direct_ft", "metrics.json"), "w") as f:
            f.write('{"metrics": ')
        status, out, _ = run_report("--run", run)
        self.assertEqual(status, 0)
        text = read(os.path.join(run, "report.md"))
        self.assertIn("could not be read", text)
        self.assertIn("line(s) skipped", text)
        self.assertIn("No `timings.tsv` yet.", text)
        self.assertIn("this run (not evaluated yet)", text)
        self.assertIn("PubChem324k", out)
        if HAVE_GNUPLOT:
            self.assertTrue(os.path.getsize(os.path.join(run, "plots", "mol2cap_metrics.png")) > 0)

    def test_empty_run(self):
        status, out, _ = run_report("--run", self.dir)
        self.assertEqual(status, 0)
        text = read(os.path.join(self.dir, "report.md"))
        self.assertIn("No `run.json` in this directory.", text)
        self.assertIn("No task has output yet.", text)
        self.assertIn("No results yet", out)


if __name__ == "__main__":
    unittest.main()
